/*
 * channel.h - both ends of one connection seen in one log are one channel.
 *
 * An endpoint whose source knew the socket's own address carries a
 * BT_LABEL_LOCAL label (core/ingest.h): it is one end of one connection,
 * (local L, remote R).  When a log holds the other end too, an endpoint
 * (local R, remote L), the two are one channel: what one end's process
 * sends arrives at the other end's process.  The walks (walk.c) reach an
 * endpoint's peer through a "connection" edge (BT_OP_CONNECTION), so a
 * backtrack from what a client wrote continues into the server that sent
 * it, and a forward walk crosses the other way.
 *
 * The matching rule (man/btrack-log.5, Connections):
 *  - Addresses are compared as 16-byte IPv6 addresses: an IPv4 address
 *    and its IPv4-mapped form (::ffff:a.b.c.d) are one address, loopback
 *    included.  An unspecified address (0.0.0.0, ::, a socket bound to
 *    any address) matches any address with the same port; an exact match
 *    is preferred.  Ports must be equal.
 *  - The two ends' times (first to last event of each) must overlap, or
 *    lie within `tolerance` of each other (BT_CHANNEL_TOLERANCE_NS in one
 *    log: an accept can come a while after the client's last send).
 *  - A port pair used again later (a reused ephemeral port) is another
 *    connection (ingest makes a new endpoint at each connect and accept):
 *    each end is paired with at most one other, the nearest in time
 *    (overlap first, then the smallest gap, then the nearest start).
 *  - An end whose other end is not in the log stays an entry point.
 *  - An end whose own port the source did not know (an audit log: a
 *    connect's SOCKADDR is the server's address, and nothing logs the
 *    client's ephemeral port) has the local "?" (or "ADDR:0", its address
 *    alone), followed by "#N" that only tells connections apart
 *    (bt_sockaddr_parse_local()).  Such a half-known end C, remote S:P,
 *    pairs with a known end D whose local matches S:P and which no end
 *    has taken by the rules above, when: D's remote address is C's own
 *    when that is known, and is loopback exactly when S is; their times
 *    are within the tolerance (loopback of two hosts: within
 *    BT_CHANNEL_LOOPBACK_NS); and the pairing is unambiguous: C overlaps
 *    in time with D alone and D with C alone among the half-known ends,
 *    or, when neither overlaps any, each is the other's only candidate.
 *    Anything else (two clients of one server at once) joins neither end
 *    and counts as ambiguous: no guess.
 *  - Hosts (a case database, bt_conn_end.host): a loopback address
 *    (127.0.0.0/8, ::1) names each machine's own, so two ends of two
 *    different hosts whose addresses are loopback pair only within
 *    BT_CHANNEL_LOOPBACK_NS, and only after every pair within one host
 *    (two recordings of one machine, added as two hosts, still join).
 *
 * bt_conn_match() is the rule alone, over an array of ends: a case
 * database joining the logs of two hosts gives it the ends of both (times
 * shifted by the estimated clock skew, tolerance widened by its error).
 *
 * It does not walk and does not print.
 */
#ifndef BT_CHANNEL_H
#define BT_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph.h"

/* The op of a result edge between the two ends of one connection: never
 * in a log (log ops are below 32), only in a walk's result. */
#define BT_OP_CONNECTION 63

/* Within one log (one clock): how far apart in time two ends may be. */
#define BT_CHANNEL_TOLERANCE_NS (10ULL * 1000000000ULL)

/* Loopback ends of two hosts (two recordings of one machine): how far
 * apart in time they may be. */
#define BT_CHANNEL_LOOPBACK_NS (1000000000ULL)

/* An address and port: IPv4 as IPv4-mapped IPv6. */
struct bt_sockaddr {
	uint8_t addr[16];
	uint16_t port;
	bool any;               /* unspecified address: 0.0.0.0 or :: */
};

/*
 * Parse "a.b.c.d:port" or "[v6]:port" (a zone, "%eth0", is ignored), `len`
 * bytes (no NUL needed).  BT_EINVAL for anything else (a unix socket, a
 * "socket:[N]", a port out of range or 0).
 */
int bt_sockaddr_parse(struct bt_sockaddr *out, const char *s, size_t len);

/* Whether a and b can be one address: equal ports, and equal addresses or
 * one of them unspecified. */
bool bt_sockaddr_match(const struct bt_sockaddr *a,
		       const struct bt_sockaddr *b);

/* One end of one connection, for bt_conn_match(). */
struct bt_conn_end {
	struct bt_sockaddr local, remote;
	uint64_t first, last;   /* its events' times, ns (first <= last) */
	uint32_t id;            /* the caller's: an object id */
	uint32_t host;          /* the caller's host number (0 in a log):
	                           loopback ends of two hosts pair only as
	                           a last resort (below) */
};

/*
 * Parse an end's local address (a BT_LABEL_LOCAL label): as
 * bt_sockaddr_parse(), or a half-known one: "?" then anything (nothing
 * known: *out all zero, `any`), or "ADDR:0" optionally followed by "#..."
 * (the address alone, port 0).  A half-known local has port 0, which no
 * parsed address has.  BT_EINVAL for anything else.
 */
int bt_sockaddr_parse_local(struct bt_sockaddr *out, const char *s,
			    size_t len);

/*
 * Pair the ends: peer[i] = the index of end i's other end, or SIZE_MAX.
 * Pairs are symmetric (peer[peer[i]] == i) and never an end with itself.
 * An end whose local.port is 0 is half-known (see the rule above).
 * Cost O(n log n); allocates O(n).  0 or BT_ENOMEM.
 */
int bt_conn_match(size_t *peer, const struct bt_conn_end *ends, size_t n,
		  uint64_t tolerance);

/* The same; ambiguous[i] (an array of n, if not NULL) is set for the
 * ends left unpaired because more than one end could be their other end
 * (half-known ends, and the known ends they could be), cleared for the
 * others. */
int bt_conn_match_ex(size_t *peer, bool *ambiguous,
		     const struct bt_conn_end *ends, size_t n,
		     uint64_t tolerance);

struct bt_channels;

/*
 * The channels of a graph: its endpoints with a BT_LABEL_LOCAL label that
 * parse (others are left alone), matched.  One pass over the objects; the
 * caller owns *out (bt_channels_free()).  0 or BT_ENOMEM.
 */
int bt_channels_new(struct bt_channels **out, const struct bt_graph *g,
		    uint64_t tolerance);
void bt_channels_free(struct bt_channels *c);

/* The endpoint at the other end of endpoint `id`'s connection, or 0 (also
 * for c NULL). */
uint32_t bt_channel_peer(const struct bt_channels *c, uint32_t id);

/*
 * The same for a walk that builds the channels only when it first needs
 * them: *c is made (bt_channels_new(), the caller frees it) the first time
 * `id` is an endpoint with a local address, so a log without any never
 * pays the pass over its objects.  0 or BT_ENOMEM; *out 0 if no peer.
 */
int bt_channel_peer_lazy(struct bt_channels **c, const struct bt_graph *g,
			 uint64_t tolerance, uint32_t id, uint32_t *out);

/*
 * Connections between hosts (a case database, core/db.c): their times
 * are put on one clock with an estimated skew, which is right only to
 * within a network delay, so a walk crossing such a connection gives the
 * other end a threshold this much later (backward) or earlier (forward)
 * than its own.  The log a case database writes for a walk says so in a
 * note, BT_NOTE_TEXT, "BT_CHANNEL_HOSTS_NOTE<ns>"; in any other log it is
 * 0 and a crossing is exact.
 */
#define BT_CHANNEL_HOSTS_NOTE "btrack-db: hosts joined, crossing slack ns "
#define BT_CHANNEL_HOSTS_SLACK_NS (100ULL * 1000000ULL)
uint64_t bt_channel_slack(const struct bt_channels *c);

/* How many connections were seen from both ends. */
size_t bt_channels_count(const struct bt_channels *c);

/* How many half-known ends were left unjoined as ambiguous; whether
 * endpoint `id` is one of them (false for c NULL). */
size_t bt_channels_ambiguous(const struct bt_channels *c);
bool bt_channel_is_ambiguous(const struct bt_channels *c, uint32_t id);

#endif
