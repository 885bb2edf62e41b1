/*
 * Checking a staging data list (docs/netif-staging.md 4.2) in private
 * memory: every entry's id, offset and grant, no (grant, offset) used
 * twice, no more distinct pages than 256 * L / 4096.  Pure, so it is
 * fuzzed on its own; staging.c copies the list in and maps the pages.
 */
#ifndef NETSTAGE_BACKEND_STAGING_LIST_H
#define NETSTAGE_BACKEND_STAGING_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "xen/include/public/io/netif.h"

#define STAGING_LIST_ENTRIES XEN_NETIF_DATA_TX_SLOTS

/* The distinct pages a list names, in first-use order. */
struct slot_pages {
    unsigned count;
    uint32_t gref[STAGING_LIST_ENTRIES];
};

/* Index of gref in pages, or -1. */
int slot_pages_find(const struct slot_pages *pages, uint32_t gref);

/*
 * Check the list of one direction (ids base..base+255, slot length len, a
 * valid L) that was read from grant list_ref.  On success fills pages and
 * page_of[k] (the page of entry k) and returns 0; else -1 with a reason.
 */
int staging_list_check(const struct xen_netif_data_slot *list, unsigned base, unsigned len,
                       uint32_t list_ref, struct slot_pages *pages, uint16_t *page_of,
                       char *why, size_t whylen);

#endif
