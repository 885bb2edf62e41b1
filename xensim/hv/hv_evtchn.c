/*
 * Event channels with Xen's semantics as Linux's evtchn device presents them:
 * a send sets the port's pending bit; a pending, unmasked port is delivered
 * to its handle (the port number is written to the handle's upcall pipe),
 * which masks it and clears pending; the handle unmasks it when done, and a
 * send that arrived in between is delivered then.  Sends while pending
 * coalesce.  Closing one end of an interdomain channel leaves the other end
 * unbound, waiting for the closed domain to bind again, as Xen does.
 */
#include <errno.h>
#include <unistd.h>

#include "xensim/hv/hv.h"

static struct hv_port *port_of(struct hv *hv, uint32_t domid, uint32_t port)
{
    struct hv_domain *d = hv_domain_get(hv, domid);
    if (!d || port == 0 || port >= SIM_NR_PORTS)
        return NULL;
    return &d->ports[port];
}

/* The port of c's domain that c itself bound, or NULL. */
static struct hv_port *owned_port(struct hv *hv, struct hv_conn *c, uint32_t port)
{
    struct hv_port *p = port_of(hv, c->domid, port);
    return (p && p->state != PORT_FREE && p->owner == c) ? p : NULL;
}

static int port_alloc(struct hv_domain *d)
{
    for (uint32_t i = 1; i < SIM_NR_PORTS; i++) {
        if (d->ports[i].state == PORT_FREE) {
            d->ports[i] = (struct hv_port){ 0 };
            return (int)i;
        }
    }
    return -ENOSPC;
}

static void upcall(struct hv_port *p, uint32_t port)
{
    if (!p->owner || p->owner->upcall_fd < 0)
        return;                      /* stays pending until someone binds it */
    p->pending = false;
    p->masked = true;
    uint32_t v = port;
    /* A port is delivered once until unmasked, so the pipe holds at most one
     * word per port; a full pipe means the handle is gone or stuck. */
    if (write(p->owner->upcall_fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
        hv_log("evtchn: lost upcall for port %u of d%u", port, p->owner->domid);
}

static void raise_port(struct hv_port *p, uint32_t port)
{
    if (p->pending)
        return;                      /* coalesce */
    p->pending = true;
    if (!p->masked)
        upcall(p, port);
}

static struct hv_domain *live_domain(struct hv *hv, uint32_t domid)
{
    struct hv_domain *d = hv_domain_get(hv, domid);
    return (d && !d->dying) ? d : NULL;
}

int hv_evtchn_alloc_unbound(struct hv *hv, uint32_t domid, uint32_t remote)
{
    struct hv_domain *d = live_domain(hv, domid);
    if (!d || !hv_domain_get(hv, remote))
        return -ESRCH;
    int port = port_alloc(d);
    if (port < 0)
        return port;
    d->ports[port].state = PORT_UNBOUND;
    d->ports[port].remote_domid = remote;
    return port;
}

int hv_evtchn_bind_unbound(struct hv *hv, struct hv_conn *c, uint32_t remote)
{
    int port = hv_evtchn_alloc_unbound(hv, c->domid, remote);
    if (port > 0)
        hv_domain_get(hv, c->domid)->ports[port].owner = c;
    return port;
}

int hv_evtchn_bind_interdomain(struct hv *hv, struct hv_conn *c, uint32_t rdom, uint32_t rport)
{
    struct hv_domain *d = live_domain(hv, c->domid);
    struct hv_domain *rd = live_domain(hv, rdom);
    if (!d || !rd)
        return -ESRCH;
    if (rport == 0 || rport >= SIM_NR_PORTS)
        return -EINVAL;
    struct hv_port *rp = &rd->ports[rport];
    if (rp->state != PORT_UNBOUND || rp->remote_domid != c->domid)
        return -EINVAL;
    int port = port_alloc(d);
    if (port < 0)
        return port;
    struct hv_port *lp = &d->ports[port];
    lp->state = PORT_INTERDOMAIN;
    lp->remote_domid = rdom;
    lp->remote_port = rport;
    lp->owner = c;
    rp->state = PORT_INTERDOMAIN;
    rp->remote_domid = c->domid;
    rp->remote_port = (uint32_t)port;
    return port;
}

int hv_evtchn_bind_virq(struct hv *hv, struct hv_conn *c, uint32_t virq)
{
    struct hv_domain *d = live_domain(hv, c->domid);
    if (!d)
        return -ESRCH;
    if (virq >= 32)
        return -EINVAL;
    int port = port_alloc(d);
    if (port < 0)
        return port;
    d->ports[port].state = PORT_VIRQ;
    d->ports[port].virq = virq;
    d->ports[port].owner = c;
    return port;
}

static void close_port(struct hv *hv, struct hv_domain *d, uint32_t port)
{
    struct hv_port *p = &d->ports[port];
    if (p->state == PORT_INTERDOMAIN) {
        struct hv_port *rp = port_of(hv, p->remote_domid, p->remote_port);
        if (rp && rp->state == PORT_INTERDOMAIN && rp->remote_domid == d->domid &&
            rp->remote_port == port) {
            rp->state = PORT_UNBOUND;   /* the peer may bind to it again */
            rp->remote_port = 0;
        }
    }
    *p = (struct hv_port){ 0 };
}

int hv_evtchn_unbind(struct hv *hv, struct hv_conn *c, uint32_t port)
{
    if (!owned_port(hv, c, port))
        return -EINVAL;
    close_port(hv, hv_domain_get(hv, c->domid), port);
    return 0;
}

void hv_evtchn_notify(struct hv *hv, struct hv_conn *c, uint32_t port)
{
    struct hv_port *p = owned_port(hv, c, port);
    if (!p || p->state != PORT_INTERDOMAIN)
        return;                      /* Xen drops sends on unbound ports */
    struct hv_port *rp = port_of(hv, p->remote_domid, p->remote_port);
    if (rp && rp->state == PORT_INTERDOMAIN)
        raise_port(rp, p->remote_port);
}

void hv_evtchn_unmask(struct hv *hv, struct hv_conn *c, uint32_t port)
{
    struct hv_port *p = owned_port(hv, c, port);
    if (!p)
        return;
    p->masked = false;
    if (p->pending)
        upcall(p, port);
}

void hv_evtchn_raise_virq(struct hv *hv, uint32_t domid, uint32_t virq)
{
    struct hv_domain *d = hv_domain_get(hv, domid);
    if (!d)
        return;
    for (uint32_t i = 1; i < SIM_NR_PORTS; i++)
        if (d->ports[i].state == PORT_VIRQ && d->ports[i].virq == virq)
            raise_port(&d->ports[i], i);
}

void hv_evtchn_close_conn(struct hv *hv, struct hv_conn *c)
{
    struct hv_domain *d = hv_domain_get(hv, c->domid);
    if (!d)
        return;
    for (uint32_t i = 1; i < SIM_NR_PORTS; i++)
        if (d->ports[i].state != PORT_FREE && d->ports[i].owner == c)
            close_port(hv, d, i);
}

void hv_evtchn_close_domain(struct hv *hv, struct hv_domain *d)
{
    for (uint32_t i = 1; i < SIM_NR_PORTS; i++)
        if (d->ports[i].state != PORT_FREE)
            close_port(hv, d, i);
}
