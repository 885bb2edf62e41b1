/*
 * libxensim: libxenevtchn.  Binding and unbinding are calls to the
 * hypervisor daemon; a notify or an unmask is one message to it (the
 * hypercall), and deliveries arrive as port numbers on a pipe whose read
 * end is the handle's pollable fd, as Linux's evtchn device delivers them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <xenevtchn.h>

#include "xensim/lib/sim_lib.h"

struct xenevtchn_handle {
    struct sim_conn conn;
    int upcall_fd;                          /* read end of the delivery pipe */
    pthread_mutex_t lock;
    uint8_t bound[SIM_NR_PORTS / 8];        /* ports bound through this handle */
};

static int is_bound(xenevtchn_handle *h, evtchn_port_t port)
{
    if (port >= SIM_NR_PORTS)
        return 0;
    pthread_mutex_lock(&h->lock);
    int b = (h->bound[port / 8] >> (port % 8)) & 1;
    pthread_mutex_unlock(&h->lock);
    return b;
}

static void set_bound(xenevtchn_handle *h, evtchn_port_t port, int on)
{
    pthread_mutex_lock(&h->lock);
    if (on)
        h->bound[port / 8] |= (uint8_t)(1u << (port % 8));
    else
        h->bound[port / 8] &= (uint8_t)~(1u << (port % 8));
    pthread_mutex_unlock(&h->lock);
}

SIM_EXPORT xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    xenevtchn_handle *h = calloc(1, sizeof(*h));
    int p[2];
    if (!h)
        return NULL;
    if (pipe2(p, O_CLOEXEC) < 0) {
        free(h);
        return NULL;
    }
    /* The daemon must never block on a handle that stopped reading. */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    int rc = sim_conn_open(&h->conn, NULL, HV_KIND_EVTCHN, p[1]);
    int err = errno;
    close(p[1]);
    if (rc < 0) {
        close(p[0]);
        free(h);
        errno = err;
        return NULL;
    }
    h->upcall_fd = p[0];
    pthread_mutex_init(&h->lock, NULL);
    return h;
}

SIM_EXPORT xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd,
                                              unsigned open_flags)
{
    (void)logger; (void)fd; (void)open_flags;
    errno = ENOSYS;                  /* xenstored live update is not simulated */
    return NULL;
}

SIM_EXPORT int xenevtchn_close(xenevtchn_handle *h)
{
    if (!h)
        return 0;
    sim_conn_close(&h->conn);        /* the daemon closes our ports */
    close(h->upcall_fd);
    pthread_mutex_destroy(&h->lock);
    free(h);
    return 0;
}

SIM_EXPORT int xenevtchn_fd(xenevtchn_handle *h)
{
    return h->upcall_fd;
}

/* Linux's evtchn device answers ENOTCONN for a port this handle did not bind. */
SIM_EXPORT int xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
    if (!is_bound(h, port)) {
        errno = ENOTCONN;
        return -1;
    }
    struct hv_msg m = { .op = HV_OP_EVTCHN_NOTIFY, .a = { port } };
    return sim_conn_send(&h->conn, &m);
}

static xenevtchn_port_or_error_t bind_call(xenevtchn_handle *h, uint32_t op, uint32_t a0,
                                           uint32_t a1)
{
    struct hv_msg m = { .op = op, .a = { a0, a1 } };
    if (sim_conn_call(&h->conn, &m, NULL, 0, NULL, 0) < 0)
        return -1;
    if (m.a[0] == 0 || m.a[0] >= SIM_NR_PORTS) {
        errno = EPROTO;
        return -1;
    }
    set_bound(h, m.a[0], 1);
    return (xenevtchn_port_or_error_t)m.a[0];
}

SIM_EXPORT xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *h,
                                                                 uint32_t domid)
{
    return bind_call(h, HV_OP_EVTCHN_BIND_UNBOUND, domid, 0);
}

SIM_EXPORT xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *h,
                                                                uint32_t domid,
                                                                evtchn_port_t remote_port)
{
    return bind_call(h, HV_OP_EVTCHN_BIND_INTERDOMAIN, domid, remote_port);
}

SIM_EXPORT xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *h, unsigned int virq)
{
    return bind_call(h, HV_OP_EVTCHN_BIND_VIRQ, virq, 0);
}

SIM_EXPORT int xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port)
{
    if (!is_bound(h, port)) {
        errno = port >= SIM_NR_PORTS ? EINVAL : ENOTCONN;
        return -1;
    }
    struct hv_msg m = { .op = HV_OP_EVTCHN_UNBIND, .a = { port } };
    if (sim_conn_call(&h->conn, &m, NULL, 0, NULL, 0) < 0)
        return -1;
    set_bound(h, port, 0);
    return 0;
}

SIM_EXPORT xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *h)
{
    uint32_t port;
    ssize_t n = read(h->upcall_fd, &port, sizeof(port));
    if (n != (ssize_t)sizeof(port)) {
        if (n >= 0)
            errno = EIO;
        return -1;
    }
    return (xenevtchn_port_or_error_t)port;
}

SIM_EXPORT int xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
    if (!is_bound(h, port)) {
        errno = EINVAL;
        return -1;
    }
    struct hv_msg m = { .op = HV_OP_EVTCHN_UNMASK, .a = { port } };
    return sim_conn_send(&h->conn, &m);
}

SIM_EXPORT int xenevtchn_restrict(xenevtchn_handle *h, domid_t domid)
{
    (void)h; (void)domid;
    errno = ENOSYS;
    return -1;
}
