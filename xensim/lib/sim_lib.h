/* libxensim internals: the connection to the hypervisor daemon and the
 * per-process view of other domains' grant tables and memory. */
#ifndef XENSIM_LIB_H
#define XENSIM_LIB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "xensim/hv_proto.h"
#include "xensim/simhost.h"

#define SIM_EXPORT __attribute__((visibility("default")))

/* One handle's connection: a SOCK_SEQPACKET socket, RPCs serialized. */
struct sim_conn {
    int fd;
    uint32_t domid;
    pthread_mutex_t lock;
};

/* Connect and introduce a handle of the given kind; pass_fd (or -1) goes
 * along with the hello.  host NULL means $XENSIM_HOST. */
int sim_conn_open(struct sim_conn *c, const char *host, uint32_t kind, int pass_fd);
void sim_conn_close(struct sim_conn *c);
/* Send m (+ payload), wait for the reply into m (+ reply payload up to
 * reply_max).  Returns the reply's rc (0 or -errno); sets errno on failure. */
int sim_conn_call(struct sim_conn *c, struct hv_msg *m, const void *payload, size_t len,
                  void *reply_payload, size_t reply_max);
/* Send without waiting for a reply. */
int sim_conn_send(struct sim_conn *c, const struct hv_msg *m);

/* Another domain's grant table and memory file, opened once per process. */
struct sim_domain_view {
    const uint64_t *gnttab;
    int mem_fd;
};
/* NULL with errno ESRCH if the domain does not exist. */
const struct sim_domain_view *sim_domain_view(uint32_t domid);

/* Called with the result of a failed check, to find out whether the view was
 * of a domain since released (its files unlinked): reopen and retry then. */
int sim_domain_view_refresh(uint32_t domid);

#endif
