/* setgid(2) and setuid(2) to 65534 between reading and writing. */
#include "credio.h"

static int drop(void) { return setgid(65534) < 0 ? -1 : setuid(65534); }

int main(int argc, char **argv)
{
	usage(argc, argv);
	return dropped(argv[1], argv[2], drop);
}
