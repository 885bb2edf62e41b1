/*
 * netstage bench: the benchmark behind `make bench` (tools/bench/bench.sh),
 * for a build tree or an installed netstage.  The script starts a
 * simulated host and the daemons in benchmark mode; this command finds it,
 * the raw-ring program and the daemons next to itself, and hands over.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/netstage/cli.h"

/* Build tree: <repo>/build/<variant>/bin/netstage; installed: <prefix>/bin/netstage. */
static const char *const script_dirs[] = { "../../../tools/bench", "../lib/netstage/bench" };
static const char *const rawring_dirs[] = { ".", "../lib/netstage" };

#define NDIRS(a) (sizeof(a) / sizeof((a)[0]))

int cmd_bench(int argc, char **argv)
{
    char script[PATH_MAX], rawring[PATH_MAX], bindir[PATH_MAX];
    char **args;
    int i;

    if (cli_find_near_self(script, sizeof(script), script_dirs, NDIRS(script_dirs),
                           "bench.sh") < 0)
        return cli_fail("cannot find bench.sh (tools/bench in a build tree, "
                        "lib/netstage/bench when installed)");
    if (cli_find_near_self(rawring, sizeof(rawring), rawring_dirs, NDIRS(rawring_dirs),
                           "netstage-rawring") < 0)
        return cli_fail("cannot find netstage-rawring next to this program or in lib/netstage");
    if (cli_find_near_self(bindir, sizeof(bindir), rawring_dirs, 1, "netstage-back") < 0)
        return cli_fail("cannot find netstage-back next to this program");
    *strrchr(bindir, '/') = '\0';
    if (setenv("NETSTAGE_BIN", bindir, 1) < 0 || setenv("NETSTAGE_RAWRING", rawring, 1) < 0)
        return cli_fail("cannot set the environment: %s", strerror(errno));
    /* bash SCRIPT ARGS... (argv[0] is "bench") */
    args = calloc((size_t)argc + 2, sizeof(*args));
    if (!args)
        return cli_fail("out of memory");
    args[0] = "bash";
    args[1] = script;
    for (i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    execvp("bash", args);
    free(args);
    return cli_fail("cannot run bash: %s", strerror(errno));
}
