/* libxensim: libxengnttab's one handle type serves both the grant user
 * (xengnttab_*) and the grant sharer (xengntshr_*), as in the real library. */
#ifndef XENSIM_GNTDEV_H
#define XENSIM_GNTDEV_H

#include <xengnttab.h>

#include "xensim/lib/sim_lib.h"

struct sim_mapping {                 /* one xengnttab map call */
    struct sim_mapping *next;
    void *addr;
    uint32_t count;
    uint32_t rec_idx[];
};

struct sim_share {                   /* one xengntshr share call */
    struct sim_share *next;
    void *addr;
    uint32_t count;
    uint32_t refs[];
};

struct xengntdev_handle {
    struct sim_conn conn;
    pthread_mutex_t lock;            /* the lists below and the free records */
    /* grant user */
    struct sim_records *rec;
    uint32_t *free_idx;
    uint32_t nr_free;
    struct sim_mapping *maps;
    /* grant sharer */
    struct sim_share *shares;
};

#endif
