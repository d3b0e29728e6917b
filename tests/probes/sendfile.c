/* sendfile(2) from the source file to the sink file. */
#include "probe.h"
#include <sys/sendfile.h>

int main(int argc, char **argv)
{
	struct stat st;
	int in, out;

	usage(argc, argv);
	if ((in = open(argv[1], O_RDONLY)) < 0 || fstat(in, &st) < 0)
		die(argv[1]);
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(argv[2]);
	if (sendfile(out, in, NULL, (size_t)st.st_size) != st.st_size)
		die("sendfile");
	close(in);
	close(out);
	decoy();
	return 0;
}
