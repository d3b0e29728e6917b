/* copy_file_range(2) from the source file to the sink file. */
#include "probe.h"

int main(int argc, char **argv)
{
	struct stat st;
	ssize_t n;
	int in, out;

	usage(argc, argv);
	if ((in = open(argv[1], O_RDONLY)) < 0 || fstat(in, &st) < 0)
		die(argv[1]);
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die(argv[2]);
	n = copy_file_range(in, NULL, out, NULL, (size_t)st.st_size, 0);
	if (n < 0 && (errno == ENOSYS || errno == EXDEV))
		unavailable("copy_file_range");
	if (n != st.st_size)
		die("copy_file_range");
	close(in);
	close(out);
	decoy();
	return 0;
}
