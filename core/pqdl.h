/*
 * pqdl.h - libpq, loaded when a case database is PostgreSQL (db-pg.c).
 *
 * btrack links libpq at build time only for its types: the library and
 * the twenty it pulls in (GnuTLS, Kerberos, LDAP, SASL...) are opened with
 * dlopen() the first time a postgresql:// database is opened
 * (bt_pq_load()), so that every other command starts without them (about
 * 20 ms and 500 page faults a process on the machines measured) and a
 * machine without libpq still runs everything else.  BTRACK_LIBPQ names
 * another file to open instead (btrack-db(1)).  db-pg.c includes this
 * header instead of <libpq-fe.h>: each PQ* name below is then the pointer
 * bt_pq_load() found.  A libpq function db-pg.c comes to use must be added
 * to both lists.
 */
#ifndef BT_PQDL_H
#define BT_PQDL_H

#include <libpq-fe.h>

#define BT_PQ_FUNCS(X) \
	X(PQconnectdb) \
	X(PQstatus) \
	X(PQfinish) \
	X(PQerrorMessage) \
	X(PQexec) \
	X(PQexecParams) \
	X(PQprepare) \
	X(PQexecPrepared) \
	X(PQresultStatus) \
	X(PQresultErrorMessage) \
	X(PQresultErrorField) \
	X(PQclear) \
	X(PQntuples) \
	X(PQnfields) \
	X(PQgetvalue) \
	X(PQgetlength) \
	X(PQgetisnull) \
	X(PQfname) \
	X(PQcmdTuples) \
	X(PQputCopyData) \
	X(PQputCopyEnd) \
	X(PQgetCopyData) \
	X(PQgetResult) \
	X(PQfreemem) \
	X(PQescapeLiteral) \
	X(PQescapeIdentifier) \
	X(PQsendQuery) \
	X(PQsendQueryParams) \
	X(PQsetSingleRowMode) \
	X(PQconsumeInput) \
	X(PQisBusy) \
	X(PQsocket) \
	X(PQtransactionStatus) \
	X(PQserverVersion) \
	X(PQparameterStatus) \
	X(PQsetnonblocking) \
	X(PQflush) \
	X(PQbackendPID) \
	X(PQfformat) \
	X(PQftype) \
	X(PQbinaryTuples) \
	X(PQping) \
	X(PQpingParams) \
	X(PQsetNoticeProcessor) \
	X(PQsetNoticeReceiver) \
	X(PQresStatus) \
	X(PQlibVersion) \
	/* end */

struct bt_pq_fns {
#define BT_PQ_MEMBER(f) __typeof__(&f) f;
	BT_PQ_FUNCS(BT_PQ_MEMBER)
#undef BT_PQ_MEMBER
};

extern struct bt_pq_fns bt_pq;

/* Open libpq (once; thread-safe).  0, or BT_EIO with a message naming
 * the Debian package when it cannot be opened. */
int bt_pq_load(void);

#ifndef BT_PQDL_IMPL
#define PQconnectdb (bt_pq.PQconnectdb)
#define PQstatus (bt_pq.PQstatus)
#define PQfinish (bt_pq.PQfinish)
#define PQerrorMessage (bt_pq.PQerrorMessage)
#define PQexec (bt_pq.PQexec)
#define PQexecParams (bt_pq.PQexecParams)
#define PQprepare (bt_pq.PQprepare)
#define PQexecPrepared (bt_pq.PQexecPrepared)
#define PQresultStatus (bt_pq.PQresultStatus)
#define PQresultErrorMessage (bt_pq.PQresultErrorMessage)
#define PQresultErrorField (bt_pq.PQresultErrorField)
#define PQclear (bt_pq.PQclear)
#define PQntuples (bt_pq.PQntuples)
#define PQnfields (bt_pq.PQnfields)
#define PQgetvalue (bt_pq.PQgetvalue)
#define PQgetlength (bt_pq.PQgetlength)
#define PQgetisnull (bt_pq.PQgetisnull)
#define PQfname (bt_pq.PQfname)
#define PQcmdTuples (bt_pq.PQcmdTuples)
#define PQputCopyData (bt_pq.PQputCopyData)
#define PQputCopyEnd (bt_pq.PQputCopyEnd)
#define PQgetCopyData (bt_pq.PQgetCopyData)
#define PQgetResult (bt_pq.PQgetResult)
#define PQfreemem (bt_pq.PQfreemem)
#define PQescapeLiteral (bt_pq.PQescapeLiteral)
#define PQescapeIdentifier (bt_pq.PQescapeIdentifier)
#define PQsendQuery (bt_pq.PQsendQuery)
#define PQsendQueryParams (bt_pq.PQsendQueryParams)
#define PQsetSingleRowMode (bt_pq.PQsetSingleRowMode)
#define PQconsumeInput (bt_pq.PQconsumeInput)
#define PQisBusy (bt_pq.PQisBusy)
#define PQsocket (bt_pq.PQsocket)
#define PQtransactionStatus (bt_pq.PQtransactionStatus)
#define PQserverVersion (bt_pq.PQserverVersion)
#define PQparameterStatus (bt_pq.PQparameterStatus)
#define PQsetnonblocking (bt_pq.PQsetnonblocking)
#define PQflush (bt_pq.PQflush)
#define PQbackendPID (bt_pq.PQbackendPID)
#define PQfformat (bt_pq.PQfformat)
#define PQftype (bt_pq.PQftype)
#define PQbinaryTuples (bt_pq.PQbinaryTuples)
#define PQping (bt_pq.PQping)
#define PQpingParams (bt_pq.PQpingParams)
#define PQsetNoticeProcessor (bt_pq.PQsetNoticeProcessor)
#define PQsetNoticeReceiver (bt_pq.PQsetNoticeReceiver)
#define PQresStatus (bt_pq.PQresStatus)
#define PQlibVersion (bt_pq.PQlibVersion)
#endif

#endif
