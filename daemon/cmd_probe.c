/* trustwatch probe: placeholder until the probe wiring lands. */
#include "cli.h"

int
cmd_probe(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_warn("probe: not available yet");
	return EXIT_RUNTIME;
}
