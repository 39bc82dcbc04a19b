/* demo.c: placeholder for the liblatscope demo (replaced by the tracker's demo). */
#include "cli.h"

int cmd_demo(int argc, char **argv)
{
	cli_error("demo: not built yet");
	return CLI_EXIT_FAILURE;
}
