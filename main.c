/* trustwatch: subcommand dispatch only. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv);

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	puts("trustwatch " TW_VERSION);
	return 0;
}
