/*
 * libxensim: each process's view of other domains' grant tables and memory.
 * Opened on first use and kept: looking a grant up is then a load from
 * shared memory, and a grant copy a single pread or pwrite on the memory file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xensim/include/xensim.h"
#include "xensim/lib/sim_lib.h"

static struct sim_domain_view *views[XENSIM_MAX_DOMAINS];
static pthread_mutex_t views_lock = PTHREAD_MUTEX_INITIALIZER;

static struct sim_domain_view *view_open(uint32_t domid)
{
    const char *host = sim_env_host();
    char path[512];
    if (!host)
        return NULL;
    struct sim_domain_view *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    if (sim_path(path, sizeof(path), host, "dom%u/gnttab", domid) < 0)
        goto fail;
    int gfd = open(path, O_RDONLY | O_CLOEXEC);
    if (gfd < 0)
        goto fail;
    void *p = mmap(NULL, SIM_NR_GRANTS * sizeof(uint64_t), PROT_READ, MAP_SHARED, gfd, 0);
    close(gfd);
    if (p == MAP_FAILED)
        goto fail;
    v->gnttab = p;
    if (sim_path(path, sizeof(path), host, "dom%u/mem", domid) < 0 ||
        (v->mem_fd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
        munmap(p, SIM_NR_GRANTS * sizeof(uint64_t));
        goto fail;
    }
    return v;
fail:
    free(v);
    errno = ESRCH;
    return NULL;
}

const struct sim_domain_view *sim_domain_view(uint32_t domid)
{
    if (domid >= XENSIM_MAX_DOMAINS) {
        errno = ESRCH;
        return NULL;
    }
    /* Acquire pairs with the release below: a view seen is fully built. */
    struct sim_domain_view *v = __atomic_load_n(&views[domid], __ATOMIC_ACQUIRE);
    if (v)
        return v;
    pthread_mutex_lock(&views_lock);
    v = views[domid];
    if (!v) {
        v = view_open(domid);
        if (v)
            __atomic_store_n(&views[domid], v, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&views_lock);
    return v;
}

int sim_domain_view_refresh(uint32_t domid)
{
    if (domid >= XENSIM_MAX_DOMAINS)
        return 0;
    struct stat st;
    pthread_mutex_lock(&views_lock);
    struct sim_domain_view *v = views[domid];
    int stale = v && fstat(v->mem_fd, &st) == 0 && st.st_nlink == 0;
    if (stale) {
        /* The old view stays mapped: a racing reader may still use it, and
         * one view per released domain is a bounded cost. */
        __atomic_store_n(&views[domid], NULL, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&views_lock);
    return stale;
}
