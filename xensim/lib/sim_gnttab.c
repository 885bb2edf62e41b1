/*
 * libxensim: the xengnttab_* half of libxengnttab (the grant user's side).
 *
 * Mapping and copying run inside the calling process, under Xen's v1 rules:
 * the entry must permit access, name this domain, and be writable for a
 * writable map or a copy destination.  Each use is announced first in the
 * handle's mapping records (shared with the hypervisor daemon, which scans
 * them before it lets a grant be revoked) and only then checked, so the
 * daemon either sees the use or the user sees the revocation.  A map is an
 * mmap of the granting domain's memory file, an unmap a munmap, and every
 * grant-copy segment is one pread or pwrite on it: the kernel crossings
 * Xen's hypercalls would cost.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>

#include "xensim/lib/sim_gntdev.h"

SIM_EXPORT xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    xengnttab_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    int fd = memfd_create("xensim-records", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, sizeof(struct sim_records)) < 0)
        goto fail_fd;
    void *p = mmap(NULL, sizeof(struct sim_records), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        goto fail_fd;
    h->rec = p;
    h->free_idx = malloc(sizeof(uint32_t) * SIM_MAX_RECORDS);
    if (!h->free_idx || sim_conn_open(&h->conn, NULL, HV_KIND_GNTTAB, fd) < 0)
        goto fail_map;
    close(fd);
    pthread_mutex_init(&h->lock, NULL);
    return h;
fail_map:
    munmap(h->rec, sizeof(struct sim_records));
fail_fd:
    if (fd >= 0) {
        int err = errno;
        close(fd);
        errno = err;
    }
    free(h->free_idx);
    free(h);
    return NULL;
}

SIM_EXPORT int xengnttab_close(xengnttab_handle *h)
{
    if (!h)
        return 0;
    while (h->maps) {
        struct sim_mapping *m = h->maps;
        h->maps = m->next;
        munmap(m->addr, (size_t)m->count * SIM_PAGE_SIZE);
        free(m);
    }
    sim_conn_close(&h->conn);        /* the daemon drops our records with it */
    munmap(h->rec, sizeof(struct sim_records));
    pthread_mutex_destroy(&h->lock);
    free(h->free_idx);
    free(h);
    return 0;
}

SIM_EXPORT int xengnttab_fd(xengnttab_handle *h)
{
    return h->conn.fd;
}

SIM_EXPORT int xengnttab_set_max_grants(xengnttab_handle *h, uint32_t nr_grants)
{
    (void)h;
    if (nr_grants > SIM_MAX_RECORDS) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

static int record_get(xengnttab_handle *h, uint32_t *idx)
{
    pthread_mutex_lock(&h->lock);
    int rc = 0;
    if (h->nr_free) {
        *idx = h->free_idx[--h->nr_free];
    } else if (h->rec->hwm < SIM_MAX_RECORDS) {
        *idx = h->rec->hwm;
        /* Publish the bigger scan range before the record itself. */
        __atomic_store_n(&h->rec->hwm, h->rec->hwm + 1, __ATOMIC_SEQ_CST);
    } else {
        rc = -1;
    }
    pthread_mutex_unlock(&h->lock);
    if (rc)
        errno = ENOSPC;
    return rc;
}

static void record_put(xengnttab_handle *h, uint32_t idx)
{
    __atomic_store_n(&h->rec->rec[idx], 0, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&h->lock);
    h->free_idx[h->nr_free++] = idx;
    pthread_mutex_unlock(&h->lock);
}

/*
 * Announce a use of granter's ref and check the entry.  On success the frame
 * is returned and the record stays until record_put; on failure the record
 * is gone and the GNTST_* reason is returned.
 */
static int16_t grant_acquire(xengnttab_handle *h, uint32_t granter, uint32_t ref,
                             int writable, uint32_t *idx, int *mem_fd, uint32_t *frame)
{
    const struct sim_domain_view *v = sim_domain_view(granter);
    if (!v)
        return GNTST_bad_domain;
    if (ref >= SIM_NR_GRANTS)
        return GNTST_bad_gntref;
    if (record_get(h, idx) < 0)
        return GNTST_no_space;
    /* Sequentially consistent store then load: pairs with the daemon's
     * withdraw-then-scan in revoke_batch (hv_grants.c). */
    __atomic_store_n(&h->rec->rec[*idx], sim_record(granter, ref, writable), __ATOMIC_SEQ_CST);
    uint64_t w = __atomic_load_n(&v->gnttab[ref], __ATOMIC_SEQ_CST);
    uint16_t flags = sim_grant_flags(w);
    if (!(flags & SIM_GTF_permit_access) || sim_grant_domid(w) != h->conn.domid ||
        (writable && (flags & SIM_GTF_readonly)) || sim_grant_frame(w) >= SIM_NR_FRAMES) {
        record_put(h, *idx);
        if (sim_domain_view_refresh(granter))
            return grant_acquire(h, granter, ref, writable, idx, mem_fd, frame);
        return GNTST_permission_denied;
    }
    *mem_fd = v->mem_fd;
    *frame = sim_grant_frame(w);
    return GNTST_okay;
}

static void *map_refs(xengnttab_handle *h, uint32_t count, const uint32_t *domids,
                      uint32_t domid_stride, const uint32_t *refs, int prot)
{
    if (count == 0 || count > SIM_MAX_RECORDS) {
        errno = EINVAL;
        return NULL;
    }
    int writable = (prot & PROT_WRITE) != 0;
    struct sim_mapping *m = calloc(1, sizeof(*m) + sizeof(uint32_t) * count);
    if (!m)
        return NULL;
    size_t len = (size_t)count * SIM_PAGE_SIZE;
    char *base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        free(m);
        return NULL;
    }
    uint32_t done = 0;
    int err = 0;
    for (; done < count; done++) {
        int mem_fd;
        uint32_t frame;
        int16_t st = grant_acquire(h, domids[done * domid_stride], refs[done], writable,
                                   &m->rec_idx[done], &mem_fd, &frame);
        if (st != GNTST_okay) {
            err = st == GNTST_permission_denied ? EACCES : EINVAL;
            break;
        }
        if (mmap(base + (size_t)done * SIM_PAGE_SIZE, SIM_PAGE_SIZE, prot, MAP_SHARED | MAP_FIXED,
                 mem_fd, (off_t)frame * SIM_PAGE_SIZE) == MAP_FAILED) {
            err = errno;
            record_put(h, m->rec_idx[done]);
            break;
        }
    }
    if (err) {
        munmap(base, len);
        for (uint32_t i = 0; i < done; i++)
            record_put(h, m->rec_idx[i]);
        free(m);
        errno = err;
        return NULL;
    }
    m->addr = base;
    m->count = count;
    pthread_mutex_lock(&h->lock);
    m->next = h->maps;
    h->maps = m;
    pthread_mutex_unlock(&h->lock);
    return base;
}

SIM_EXPORT void *xengnttab_map_grant_ref(xengnttab_handle *h, uint32_t domid, uint32_t ref,
                                         int prot)
{
    return map_refs(h, 1, &domid, 0, &ref, prot);
}

SIM_EXPORT void *xengnttab_map_grant_refs(xengnttab_handle *h, uint32_t count, uint32_t *domids,
                                          uint32_t *refs, int prot)
{
    return map_refs(h, count, domids, 1, refs, prot);
}

SIM_EXPORT void *xengnttab_map_domain_grant_refs(xengnttab_handle *h, uint32_t count,
                                                 uint32_t domid, uint32_t *refs, int prot)
{
    return map_refs(h, count, &domid, 0, refs, prot);
}

SIM_EXPORT void *xengnttab_map_grant_ref_notify(xengnttab_handle *h, uint32_t domid, uint32_t ref,
                                                int prot, uint32_t notify_offset,
                                                evtchn_port_t notify_port)
{
    (void)h; (void)domid; (void)ref; (void)prot; (void)notify_offset; (void)notify_port;
    errno = ENOSYS;                  /* unmap notification is not simulated */
    return NULL;
}

SIM_EXPORT int xengnttab_unmap(xengnttab_handle *h, void *start_address, uint32_t count)
{
    pthread_mutex_lock(&h->lock);
    struct sim_mapping **pp = &h->maps;
    while (*pp && (*pp)->addr != start_address)
        pp = &(*pp)->next;
    struct sim_mapping *m = *pp;
    if (m && m->count == count)
        *pp = m->next;
    pthread_mutex_unlock(&h->lock);
    if (!m || m->count != count) {
        errno = EINVAL;
        return -1;
    }
    munmap(m->addr, (size_t)count * SIM_PAGE_SIZE);
    for (uint32_t i = 0; i < count; i++)
        record_put(h, m->rec_idx[i]);
    free(m);
    return 0;
}

/* One segment: at most one side is local memory unless both are grants. */
static int16_t copy_segment(xengnttab_handle *h, xengnttab_grant_copy_segment_t *s)
{
    int src_gref = (s->flags & GNTCOPY_source_gref) != 0;
    int dst_gref = (s->flags & GNTCOPY_dest_gref) != 0;
    if (s->flags & ~(uint16_t)(GNTCOPY_source_gref | GNTCOPY_dest_gref))
        return GNTST_bad_copy_arg;
    if ((src_gref && (uint32_t)s->source.foreign.offset + s->len > SIM_PAGE_SIZE) ||
        (dst_gref && (uint32_t)s->dest.foreign.offset + s->len > SIM_PAGE_SIZE))
        return GNTST_bad_copy_arg;
    if ((!src_gref && !s->source.virt && s->len) || (!dst_gref && !s->dest.virt && s->len))
        return GNTST_bad_virt_addr;

    uint32_t src_idx = 0, dst_idx = 0, src_frame = 0, dst_frame = 0;
    int src_fd = -1, dst_fd = -1;
    int16_t st;
    if (src_gref) {
        st = grant_acquire(h, s->source.foreign.domid, s->source.foreign.ref, 0, &src_idx,
                           &src_fd, &src_frame);
        if (st != GNTST_okay)
            return st;
    }
    if (dst_gref) {
        st = grant_acquire(h, s->dest.foreign.domid, s->dest.foreign.ref, 1, &dst_idx,
                           &dst_fd, &dst_frame);
        if (st != GNTST_okay) {
            if (src_gref)
                record_put(h, src_idx);
            return st;
        }
    }
    off_t src_off = (off_t)src_frame * SIM_PAGE_SIZE + s->source.foreign.offset;
    off_t dst_off = (off_t)dst_frame * SIM_PAGE_SIZE + s->dest.foreign.offset;
    ssize_t n;
    st = GNTST_okay;
    if (src_gref && dst_gref) {
        char bounce[SIM_PAGE_SIZE];
        n = pread(src_fd, bounce, s->len, src_off);
        if (n == s->len)
            n = pwrite(dst_fd, bounce, s->len, dst_off);
    } else if (src_gref) {
        n = pread(src_fd, s->dest.virt, s->len, src_off);
    } else if (dst_gref) {
        n = pwrite(dst_fd, s->source.virt, s->len, dst_off);
    } else {
        n = -1;
        errno = EINVAL;              /* Xen needs a grant on at least one side */
    }
    if (n != s->len)
        st = (n < 0 && errno == EFAULT) ? GNTST_bad_virt_addr : GNTST_general_error;
    if (src_gref)
        record_put(h, src_idx);
    if (dst_gref)
        record_put(h, dst_idx);
    return st;
}

SIM_EXPORT int xengnttab_grant_copy(xengnttab_handle *h, uint32_t count,
                                    xengnttab_grant_copy_segment_t *segs)
{
    for (uint32_t i = 0; i < count; i++)
        segs[i].status = copy_segment(h, &segs[i]);
    return 0;
}

SIM_EXPORT int xengnttab_dmabuf_exp_from_refs(xengnttab_handle *h, uint32_t domid, uint32_t flags,
                                              uint32_t count, const uint32_t *refs,
                                              uint32_t *dmabuf_fd)
{
    (void)h; (void)domid; (void)flags; (void)count; (void)refs; (void)dmabuf_fd;
    errno = ENOSYS;
    return -1;
}

SIM_EXPORT int xengnttab_dmabuf_exp_wait_released(xengnttab_handle *h, uint32_t fd,
                                                  uint32_t wait_to_ms)
{
    (void)h; (void)fd; (void)wait_to_ms;
    errno = ENOSYS;
    return -1;
}

SIM_EXPORT int xengnttab_dmabuf_imp_to_refs(xengnttab_handle *h, uint32_t domid, uint32_t fd,
                                            uint32_t count, uint32_t *refs)
{
    (void)h; (void)domid; (void)fd; (void)count; (void)refs;
    errno = ENOSYS;
    return -1;
}

SIM_EXPORT int xengnttab_dmabuf_imp_release(xengnttab_handle *h, uint32_t fd)
{
    (void)h; (void)fd;
    errno = ENOSYS;
    return -1;
}
