/* netstage: the command-line tool (simulated hosts, daemon counters, vif settings, benchmark). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tools/netstage/cli.h"

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("netstage: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static void usage(FILE *out)
{
    fputs("usage: netstage COMMAND ...\n"
          "\n"
          "commands:\n"
          "  sim     run a simulated Xen host on this machine (see `netstage sim --help`)\n"
          "  stat    show the counters of running daemons (see `netstage stat --help`)\n"
          "  config  per-vif settings from an xl domain config (see `netstage config --help`)\n"
          "  bench   packet rates of the paravirtual path on a simulated host\n"
          "          (see `netstage bench --help`)\n"
          "  help    this text\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "sim"))
        return cmd_sim(argc - 1, argv + 1);
    if (!strcmp(argv[1], "stat"))
        return cmd_stat(argc - 1, argv + 1);
    if (!strcmp(argv[1], "config"))
        return cmd_config(argc - 1, argv + 1);
    if (!strcmp(argv[1], "bench"))
        return cmd_bench(argc - 1, argv + 1);
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "netstage: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
