/* netio.h - a child reads the source and sends it to the parent over a
 * socket; the parent receives it and writes the sink.  The variant says
 * which calls each side uses.  The server's address is printed on stdout
 * as "server ADDR", the client's (inet only) as "client ADDR". */
#include "probe.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/un.h>

/* IO_SENDFILE: the client sends the source file with sendfile(2) (a web
 * server's way), the server uses recv */
enum io { IO_SENDRECV, IO_SENDTO, IO_SENDMSG, IO_RW, IO_MMSG, IO_SENDFILE };

struct net {
	int family, type;   /* AF_INET/AF_UNIX, SOCK_STREAM/SOCK_DGRAM */
	enum io io;
	int accept_null;    /* accept(fd, NULL, NULL) */
	int connect_dgram;  /* connect a datagram socket, then send */
};

static ssize_t xsend(const struct net *n, int s, const char *buf, size_t len,
		     const struct sockaddr *to, socklen_t tolen)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m;

	switch (n->io) {
	case IO_SENDFILE:
	case IO_SENDRECV:
		return send(s, buf, len, 0);
	case IO_SENDTO:
		return sendto(s, buf, len, 0, to, tolen);
	case IO_SENDMSG:
		memset(&m, 0, sizeof m);
		m.msg_name = (void *)to;
		m.msg_namelen = to ? tolen : 0;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		return sendmsg(s, &m, 0);
	case IO_RW:
		return write(s, buf, len);
	case IO_MMSG: {
		struct mmsghdr mm;

		memset(&mm, 0, sizeof mm);
		mm.msg_hdr.msg_name = (void *)to;
		mm.msg_hdr.msg_namelen = to ? tolen : 0;
		mm.msg_hdr.msg_iov = &iov;
		mm.msg_hdr.msg_iovlen = 1;
		return sendmmsg(s, &mm, 1, 0) == 1 ? (ssize_t)mm.msg_len : -1;
	}
	}
	return -1;
}

static ssize_t xrecv(const struct net *n, int s, char *buf, size_t len)
{
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	struct iovec iov = { buf, len };
	struct msghdr m;

	switch (n->io) {
	case IO_SENDFILE:
	case IO_SENDRECV:
		/* an unconnected datagram socket's recv() names no peer:
		 * no source could know it; recvfrom does */
		if (n->type == SOCK_DGRAM)
			return recvfrom(s, buf, len, 0,
					(struct sockaddr *)&from, &fl);
		return recv(s, buf, len, 0);
	case IO_SENDTO:
		return recvfrom(s, buf, len, 0, (struct sockaddr *)&from, &fl);
	case IO_SENDMSG:
		memset(&m, 0, sizeof m);
		m.msg_name = &from;
		m.msg_namelen = sizeof from;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		return recvmsg(s, &m, 0);
	case IO_RW:
		return read(s, buf, len);
	case IO_MMSG: {
		struct mmsghdr mm;

		memset(&mm, 0, sizeof mm);
		mm.msg_hdr.msg_name = &from;
		mm.msg_hdr.msg_namelen = sizeof from;
		mm.msg_hdr.msg_iov = &iov;
		mm.msg_hdr.msg_iovlen = 1;
		return recvmmsg(s, &mm, 1, 0, NULL) == 1 ? (ssize_t)mm.msg_len :
		       -1;
	}
	}
	return -1;
}

static int network(const struct net *n, const char *src, const char *sink)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_un *un = (struct sockaddr_un *)&ss;
	socklen_t sl;
	char buf[PROBE_BUF];
	size_t len;
	ssize_t got;
	int srv, c, out;
	pid_t pid;

	memset(&ss, 0, sizeof ss);
	if (n->family == AF_INET) {
		in4->sin_family = AF_INET;
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof *in4;
	} else {
		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof un->sun_path, "%s/sock",
			 getcwd(buf, sizeof buf));
		unlink(un->sun_path);
		sl = sizeof *un;
	}
	if ((srv = socket(n->family, n->type, 0)) < 0)
		die("socket");
	if (bind(srv, (struct sockaddr *)&ss, sl) < 0)
		die("bind");
	if (getsockname(srv, (struct sockaddr *)&ss, &sl) < 0)
		die("getsockname");
	if (n->type == SOCK_STREAM && listen(srv, 1) < 0)
		die("listen");
	if (n->family == AF_INET)
		printf("server 127.0.0.1:%u\n", ntohs(in4->sin_port));
	else
		printf("server %s\n", un->sun_path);
	fflush(stdout);

	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		close(srv);
		len = slurp(src, buf, sizeof buf);
		if ((c = socket(n->family, n->type, 0)) < 0)
			die("socket");
		if (n->io == IO_SENDFILE) {
			int in = open(src, O_RDONLY);

			if (in < 0)
				die(src);
			if (connect(c, (struct sockaddr *)&ss, sl) < 0)
				die("connect");
			if (sendfile(c, in, NULL, len) != (ssize_t)len)
				die("sendfile");
			close(in);
		} else if (n->type == SOCK_STREAM || n->connect_dgram) {
			if (connect(c, (struct sockaddr *)&ss, sl) < 0)
				die("connect");
			if (xsend(n, c, buf, len, NULL, 0) != (ssize_t)len)
				die("send");
		} else if (xsend(n, c, buf, len, (struct sockaddr *)&ss, sl) !=
			   (ssize_t)len) {
			die("sendto");
		}
		if (n->family == AF_INET) {
			struct sockaddr_in me;
			socklen_t ml = sizeof me;

			if (getsockname(c, (struct sockaddr *)&me, &ml) < 0)
				die("getsockname");
			printf("client 127.0.0.1:%u\n", ntohs(me.sin_port));
			fflush(stdout);
		}
		close(c);
		_exit(0);
	}
	if (n->type == SOCK_STREAM) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof peer;

		c = n->accept_null ? accept(srv, NULL, NULL) :
			accept(srv, (struct sockaddr *)&peer, &pl);
		if (c < 0)
			die("accept");
	} else {
		c = srv;
	}
	if ((got = xrecv(n, c, buf, sizeof buf)) <= 0)
		die("recv");
	if ((out = open(sink, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(sink);
	if (write(out, buf, (size_t)got) != got)
		die("write");
	close(out);
	reap(pid);
	decoy();
	return 0;
}
