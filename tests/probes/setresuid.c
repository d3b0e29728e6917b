/* setresgid(2) and setresuid(2) to 65534 between reading and writing. */
#include "credio.h"

static int drop(void)
{
	if (setresgid(65534, 65534, 65534) < 0)
		return -1;
	return setresuid(65534, 65534, 65534);
}

int main(int argc, char **argv)
{
	usage(argc, argv);
	return dropped(argv[1], argv[2], drop);
}
