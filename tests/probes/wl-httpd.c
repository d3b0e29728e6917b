/* wl-httpd.c - a one-shot HTTP server for tests/scenario/workloads.sh (a
 * download piped into a shell): listens on 127.0.0.1 (an ephemeral port,
 * written to PORTFILE), answers one request with FILE, exits.
 * usage: wl-httpd FILE PORTFILE */
#include "probe.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	static const char head[] = "HTTP/1.0 200 OK\r\n"
		"Content-Type: text/plain\r\n\r\n";
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	char buf[PROBE_BUF], req[1024];
	size_t n;
	int s, c;
	FILE *f;

	usage(argc, argv);
	n = slurp(argv[1], buf, sizeof buf);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0)
		die("listen");
	if (!(f = fopen(argv[2], "w")))
		die(argv[2]);
	fprintf(f, "%u\n", ntohs(a.sin_port));
	fclose(f);
	if ((c = accept(s, NULL, NULL)) < 0)
		die("accept");
	if (read(c, req, sizeof req) < 0)
		die("read request");
	if (write(c, head, sizeof head - 1) < 0 || write(c, buf, n) < 0)
		die("write");
	close(c);
	close(s);
	return 0;
}
