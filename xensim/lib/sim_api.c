/* libxensim: the simulator's own API (xensim.h) for toolstack and tests. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xensim/include/xensim.h"
#include "xensim/lib/sim_lib.h"

static int control_call(const char *host, struct hv_msg *m, void *reply, size_t reply_max)
{
    struct sim_conn c;
    if (sim_conn_open(&c, host, HV_KIND_CONTROL, -1) < 0)
        return -1;
    int rc = sim_conn_call(&c, m, NULL, 0, reply, reply_max);
    int err = errno;
    sim_conn_close(&c);
    errno = err;
    return rc < 0 ? -1 : 0;
}

SIM_EXPORT int xensim_domain_create(const char *host, uint32_t *domid_out)
{
    struct hv_msg m = { .op = HV_OP_DOMAIN_CREATE };
    if (control_call(host, &m, NULL, 0) < 0)
        return -1;
    *domid_out = m.a[0];
    return 0;
}

SIM_EXPORT int xensim_domain_destroy(const char *host, uint32_t domid)
{
    struct hv_msg m = { .op = HV_OP_DOMAIN_DESTROY, .a = { domid } };
    return control_call(host, &m, NULL, 0);
}

SIM_EXPORT int xensim_domain_list(const char *host, struct xensim_domain_info *out, size_t max)
{
    struct hv_dominfo d[XENSIM_MAX_DOMAINS];
    if (max > XENSIM_MAX_DOMAINS)
        max = XENSIM_MAX_DOMAINS;
    struct hv_msg m = { .op = HV_OP_DOMAIN_LIST, .a = { 0, (uint32_t)max } };
    if (control_call(host, &m, d, sizeof(d)) < 0)
        return -1;
    uint32_t n = m.a[0] < max ? m.a[0] : (uint32_t)max;
    for (uint32_t i = 0; i < n; i++) {
        out[i].domid = d[i].domid;
        out[i].dying = d[i].dying != 0;
    }
    return (int)n;
}

SIM_EXPORT int xensim_host_shutdown(const char *host)
{
    struct hv_msg m = { .op = HV_OP_HOST_SHUTDOWN };
    return control_call(host, &m, NULL, 0);
}

SIM_EXPORT int xensim_grant_query(const char *host, uint32_t granter, uint32_t ref,
                                  struct xensim_grant_state *out)
{
    struct hv_msg m = { .op = HV_OP_GRANT_QUERY, .a = { granter, ref } };
    if (control_call(host, &m, NULL, 0) < 0)
        return -1;
    out->flags = (uint16_t)m.a[0];
    out->domid = (uint16_t)m.a[1];
    out->in_use = m.a[2];
    return 0;
}

SIM_EXPORT int xensim_domain_usage(const char *host, uint32_t domid,
                                   struct xensim_domain_usage *out)
{
    struct hv_msg m = { .op = HV_OP_DOMAIN_USAGE, .a = { domid } };
    if (control_call(host, &m, NULL, 0) < 0)
        return -1;
    out->grants_active = m.a[0];
    out->grants_deferred = m.a[1];
    out->maps_held = m.a[2];
    out->foreign_maps = m.a[3];
    out->ports_bound = m.a[4];
    out->handles = m.a[5];
    return 0;
}

SIM_EXPORT int xensim_evtchn_status(const char *host, uint32_t domid, uint32_t port,
                                    struct xensim_port_status *out)
{
    struct hv_msg m = { .op = HV_OP_EVTCHN_STATUS, .a = { domid, port } };
    if (control_call(host, &m, NULL, 0) < 0)
        return -1;
    out->state = m.a[0];
    out->remote_domid = m.a[1];
    out->remote_port = m.a[2];
    return 0;
}

SIM_EXPORT void *xensim_xenstore_page_map(const char *host, uint32_t domid)
{
    char path[512];
    if (!host)
        host = sim_env_host();
    if (!host || sim_path(path, sizeof(path), host, "dom%u/mem", domid) < 0)
        return NULL;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    void *p = mmap(NULL, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                   (off_t)SIM_FRAME_XENSTORE * SIM_PAGE_SIZE);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

SIM_EXPORT void xensim_xenstore_page_unmap(void *page)
{
    if (page)
        munmap(page, SIM_PAGE_SIZE);
}
