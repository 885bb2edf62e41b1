/*
 * libxensim: the xengntshr_* half of libxengnttab (the granting side, what
 * Linux's gntalloc device does).  The hypervisor daemon allocates the grant
 * refs and zeroed frames of this domain's memory and writes the entries; we
 * map the frames here.  Unsharing revokes: a grant another domain still has
 * mapped stays granted (deferred) until it is unmapped, and its frame is
 * never handed out again before that, as gntalloc does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xensim/lib/sim_gntdev.h"

SIM_EXPORT xengntshr_handle *xengntshr_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    xengntshr_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    if (sim_conn_open(&h->conn, NULL, HV_KIND_GNTSHR, -1) < 0) {
        free(h);
        return NULL;
    }
    pthread_mutex_init(&h->lock, NULL);
    return h;
}

SIM_EXPORT int xengntshr_close(xengntshr_handle *h)
{
    if (!h)
        return 0;
    while (h->shares) {
        struct sim_share *s = h->shares;
        h->shares = s->next;
        munmap(s->addr, (size_t)s->count * SIM_PAGE_SIZE);
        free(s);
    }
    sim_conn_close(&h->conn);        /* the daemon revokes what is left */
    pthread_mutex_destroy(&h->lock);
    free(h);
    return 0;
}

SIM_EXPORT int xengntshr_fd(xengntshr_handle *h)
{
    return h->conn.fd;
}

static int unshare_refs(xengntshr_handle *h, const uint32_t *refs, uint32_t count)
{
    struct hv_msg m = { .op = HV_OP_GNTSHR_UNSHARE, .a = { 0, count } };
    return sim_conn_call(&h->conn, &m, refs, sizeof(uint32_t) * count, NULL, 0) < 0 ? -1 : 0;
}

SIM_EXPORT void *xengntshr_share_pages(xengntshr_handle *h, uint32_t domid, int count,
                                       uint32_t *refs, int writable)
{
    if (count <= 0 || count > (int)HV_MAX_SHARE_PAGES) {
        errno = EINVAL;
        return NULL;
    }
    const struct sim_domain_view *self = sim_domain_view(h->conn.domid);
    uint32_t *words = malloc(sizeof(uint32_t) * 2 * (size_t)count);
    struct sim_share *s = calloc(1, sizeof(*s) + sizeof(uint32_t) * (size_t)count);
    if (!self || !words || !s)
        goto fail;
    struct hv_msg m = { .op = HV_OP_GNTSHR_SHARE, .a = { domid, (uint32_t)count, writable != 0 } };
    if (sim_conn_call(&h->conn, &m, NULL, 0, words, sizeof(uint32_t) * 2 * (size_t)count) < 0)
        goto fail;
    size_t len = (size_t)count * SIM_PAGE_SIZE;
    char *base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        goto fail_unshare;
    for (int i = 0; i < count; i++) {
        if (mmap(base + (size_t)i * SIM_PAGE_SIZE, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_FIXED, self->mem_fd,
                 (off_t)words[count + i] * SIM_PAGE_SIZE) == MAP_FAILED) {
            munmap(base, len);
            goto fail_unshare;
        }
    }
    memcpy(s->refs, words, sizeof(uint32_t) * (size_t)count);
    memcpy(refs, words, sizeof(uint32_t) * (size_t)count);
    s->addr = base;
    s->count = (uint32_t)count;
    pthread_mutex_lock(&h->lock);
    s->next = h->shares;
    h->shares = s;
    pthread_mutex_unlock(&h->lock);
    free(words);
    return base;
fail_unshare:
    {
        int err = errno;
        unshare_refs(h, words, (uint32_t)count);
        errno = err;
    }
fail:
    free(words);
    free(s);
    return NULL;
}

SIM_EXPORT void *xengntshr_share_page_notify(xengntshr_handle *h, uint32_t domid, uint32_t *ref,
                                             int writable, uint32_t notify_offset,
                                             evtchn_port_t notify_port)
{
    (void)h; (void)domid; (void)ref; (void)writable; (void)notify_offset; (void)notify_port;
    errno = ENOSYS;                  /* unmap notification is not simulated */
    return NULL;
}

SIM_EXPORT int xengntshr_unshare(xengntshr_handle *h, void *start_address, uint32_t count)
{
    pthread_mutex_lock(&h->lock);
    struct sim_share **pp = &h->shares;
    while (*pp && (*pp)->addr != start_address)
        pp = &(*pp)->next;
    struct sim_share *s = *pp;
    if (s && s->count == count)
        *pp = s->next;
    pthread_mutex_unlock(&h->lock);
    if (!s || s->count != count) {
        errno = EINVAL;
        return -1;
    }
    munmap(s->addr, (size_t)count * SIM_PAGE_SIZE);
    int rc = unshare_refs(h, s->refs, count);
    free(s);
    return rc;
}
