/* netstage stat: stat_cmd.c finds and reads the stats files, stat_table.c
 * and stat_json.c print them. */
#ifndef NETSTAGE_STAT_H
#define NETSTAGE_STAT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/stats.h"

/* One daemon's stats file, as read. */
struct stat_vif {
    struct ns_stats_file s;              /* a snapshot */
    bool stale;                          /* the daemon that wrote it is gone */
};

void stat_print_table(FILE *out, const struct stat_vif *v, size_t n);
void stat_print_json(FILE *out, const struct stat_vif *v, size_t n);

#endif
