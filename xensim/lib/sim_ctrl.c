/*
 * libxensim: the three libxenctrl calls xenstored makes.  Only these are
 * simulated; a program needing more of libxenctrl cannot run in the sim.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

#include "xensim/lib/sim_lib.h"

struct xc_interface_core {
    struct sim_conn conn;
};

SIM_EXPORT xc_interface *xc_interface_open(xentoollog_logger *logger,
                                           xentoollog_logger *dombuild_logger,
                                           unsigned open_flags)
{
    (void)logger; (void)dombuild_logger; (void)open_flags;
    xc_interface *xch = calloc(1, sizeof(*xch));
    if (xch && sim_conn_open(&xch->conn, NULL, HV_KIND_CONTROL, -1) < 0) {
        free(xch);
        return NULL;
    }
    return xch;
}

SIM_EXPORT int xc_interface_close(xc_interface *xch)
{
    if (xch) {
        sim_conn_close(&xch->conn);
        free(xch);
    }
    return 0;
}

/* Domains with domid >= first_domid, at most max_doms of them, in order. */
SIM_EXPORT int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
                                 xc_dominfo_t *info)
{
    struct hv_dominfo d[64];
    unsigned int got = 0;
    while (got < max_doms) {
        uint32_t want = max_doms - got < 64 ? max_doms - got : 64;
        struct hv_msg m = { .op = HV_OP_DOMAIN_LIST, .a = { first_domid, want } };
        if (sim_conn_call(&xch->conn, &m, NULL, 0, d, sizeof(d)) < 0)
            return got ? (int)got : -1;
        uint32_t n = m.a[0] < want ? m.a[0] : want;
        for (uint32_t i = 0; i < n; i++) {
            memset(&info[got], 0, sizeof(info[got]));
            info[got].domid = d[i].domid;
            info[got].dying = d[i].dying != 0;
            info[got].running = !d[i].dying;
            got++;
        }
        if (n < want)
            break;
        first_domid = d[n - 1].domid + 1;
    }
    return (int)got;
}
