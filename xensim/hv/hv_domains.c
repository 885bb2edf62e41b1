/*
 * Domains: creation (memory and grant-table files, the xenstore page and
 * its reserved grant), death and reaping.
 *
 * A domain dies when its kernel (the anchor connection) goes away or the
 * toolstack destroys it.  Death kills the domain's remaining processes,
 * closes its handles and event channels, revokes its grants and raises
 * VIRQ_DOM_EXC in dom0, upon which xenstored asks for domain info, sees the
 * domain dying and fires @releaseDomain.  A dying domain lingers (as a Xen
 * zombie does) until no other domain maps or copies its pages any more;
 * then its files are removed and it no longer exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xensim/hv/hv.h"

#define VIRQ_DOM_EXC 3

struct hv_domain *hv_domain_get(struct hv *hv, uint32_t domid)
{
    return domid < XENSIM_MAX_DOMAINS ? hv->doms[domid] : NULL;
}

static int dom_file(struct hv *hv, uint32_t domid, const char *name, off_t size)
{
    char path[512];
    if (sim_path(path, sizeof(path), hv->host, "dom%u/%s", domid, name) < 0)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, size) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void domain_free(struct hv *hv, struct hv_domain *d)
{
    char path[512];
    static const char *const files[] = { "mem", "gnttab", "xenstore.sock" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (sim_path(path, sizeof(path), hv->host, "dom%u/%s", d->domid, files[i]) == 0)
            unlink(path);
    if (sim_path(path, sizeof(path), hv->host, "dom%u", d->domid) == 0)
        rmdir(path);
    if (d->gnttab)
        munmap(d->gnttab, SIM_NR_GRANTS * sizeof(uint64_t));
    if (d->mem_fd >= 0)
        close(d->mem_fd);
    hv->doms[d->domid] = NULL;
    free(d->free_frames);
    free(d);
}

int hv_domain_create(struct hv *hv, uint32_t domid)
{
    if (domid >= XENSIM_MAX_DOMAINS || hv->doms[domid])
        return -EEXIST;
    char dir[512];
    if (sim_path(dir, sizeof(dir), hv->host, "dom%u", domid) < 0)
        return -ENAMETOOLONG;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -errno;
    struct hv_domain *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->domid = domid;
    d->mem_fd = -1;
    hv->doms[domid] = d;
    int gfd = dom_file(hv, domid, "gnttab", SIM_NR_GRANTS * sizeof(uint64_t));
    d->mem_fd = dom_file(hv, domid, "mem", (off_t)SIM_NR_FRAMES * SIM_PAGE_SIZE);
    d->free_frames = calloc(SIM_NR_FRAMES, sizeof(uint32_t));
    if (gfd >= 0) {
        void *p = mmap(NULL, SIM_NR_GRANTS * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                       MAP_SHARED, gfd, 0);
        d->gnttab = p == MAP_FAILED ? NULL : p;
        close(gfd);
    }
    if (!d->gnttab || d->mem_fd < 0 || !d->free_frames) {
        int err = errno ? errno : ENOMEM;
        domain_free(hv, d);
        return -err;
    }
    /* Frame 0 is the xenstore page; the toolstack grants it to dom0 as the
     * reserved xenstore ref, as libxl's domain builder does. */
    d->next_frame = SIM_FRAME_XENSTORE + 1;
    if (domid != 0) {
        d->ref_state[SIM_REF_XENSTORE] = REF_RESERVED;
        __atomic_store_n(&d->gnttab[SIM_REF_XENSTORE],
                         sim_grant_word(SIM_GTF_permit_access, 0, SIM_FRAME_XENSTORE),
                         __ATOMIC_SEQ_CST);
    }
    return 0;
}

void hv_domain_kill(struct hv *hv, uint32_t domid, pid_t spare_pid)
{
    struct hv_domain *d = hv_domain_get(hv, domid);
    if (!d || d->dying || domid == 0)
        return;
    d->dying = true;
    hv_log("d%u: dying", domid);
    /* Processes of a dead domain go with it, then their handles.  Each
     * process of a domain holds a member connection of its own, opened by
     * libxensim at start and after fork, so its pid is current for as long as
     * the connection is open. */
    for (struct hv_conn *c = hv->conns; c; c = c->next)
        if (c->domid == domid && c->kind == HV_KIND_MEMBER && c->pid > 0 &&
            c->pid != spare_pid && c->pid != getpid())
            kill(c->pid, SIGKILL);
    struct hv_conn *c = hv->conns;
    while (c) {
        struct hv_conn *next = c->next;
        if (c->domid == domid && c->kind != HV_KIND_CONTROL)
            hv_conn_close(hv, c);
        c = next;
    }
    hv_evtchn_close_domain(hv, d);
    hv_grant_revoke_all(hv, d);
    hv_evtchn_raise_virq(hv, 0, VIRQ_DOM_EXC);
    hv_toolstack_domain_gone(domid);
}

void hv_domains_reap(struct hv *hv)
{
    for (uint32_t i = 1; i < XENSIM_MAX_DOMAINS; i++) {
        struct hv_domain *d = hv->doms[i];
        if (!d || !d->dying)
            continue;
        if (d->nr_deferred == 0) {       /* retried just before, on the tick */
            hv_log("d%u: released", i);
            domain_free(hv, d);
            /* A second exception tells xenstored the domain is now gone. */
            hv_evtchn_raise_virq(hv, 0, VIRQ_DOM_EXC);
        }
    }
}

bool hv_domains_busy(struct hv *hv)
{
    for (uint32_t i = 0; i < XENSIM_MAX_DOMAINS; i++)
        if (hv->doms[i] && (hv->doms[i]->dying || hv->doms[i]->nr_deferred))
            return true;
    return false;
}
