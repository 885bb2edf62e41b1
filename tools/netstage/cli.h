/* The netstage command line: shared helpers of its subcommands. */
#ifndef NETSTAGE_CLI_H
#define NETSTAGE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

/* Print "netstage: <msg>" to stderr and return 1 (the exit status). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The simulated host directory: --host, else $XENSIM_HOST, else the default. */
const char *sim_host_dir(const char *opt);
#define SIM_DEFAULT_HOST "/dev/shm/netstage-sim"

/*
 * The first of DIR/name readable, for each DIR in rel (relative to the
 * directory of this program), into buf; -1 with errno ENOENT if none.
 */
int cli_find_near_self(char *buf, size_t len, const char *const *rel, size_t nrel,
                       const char *name);

/* Where the simulator's programs and library are, next to this binary. */
int sim_tool_path(char *buf, size_t len, const char *name);

/* Open the host's xenstore as dom0 (sets XENSTORED_PATH for this process). */
struct xs_handle *sim_xs_open(const char *host);
/* A domain's id by name ("Domain-0" is 0); -1 if none. */
int sim_domid_by_name(struct xs_handle *xs, const char *name, uint32_t *domid);

/* The toolstack's xenstore work for a new guest (sim_toolstack.c). */
struct sim_vif_spec {
    char mac[18];
    char bridge[64];
};
int sim_write_domain_tree(struct xs_handle *xs, uint32_t domid, const char *name,
                          const struct sim_vif_spec *vifs, unsigned nr_vifs);

int cmd_sim(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
