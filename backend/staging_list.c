/* Staging data list checks (see staging_list.h). */
#include <stdio.h>

#include "backend/staging_list.h"

#define PAGE_BYTES 4096u

int slot_pages_find(const struct slot_pages *pages, uint32_t gref)
{
    unsigned i;

    for (i = 0; i < pages->count; i++)
        if (pages->gref[i] == gref)
            return (int)i;
    return -1;
}

int staging_list_check(const struct xen_netif_data_slot *list, unsigned base, unsigned len,
                       uint32_t list_ref, struct slot_pages *pages, uint16_t *page_of,
                       char *why, size_t whylen)
{
    /* Offsets in use per distinct page: with L >= 64 at most 64 slots a page. */
    uint64_t used[STAGING_LIST_ENTRIES] = { 0 };
    unsigned max_pages = STAGING_LIST_ENTRIES * len / PAGE_BYTES;
    unsigned k;

    if (!XEN_NETIF_STAGING_LEN_VALID(len)) {
        snprintf(why, whylen, "slot length %u is not a power of two in 64..4096", len);
        return -1;
    }
    pages->count = 0;
    for (k = 0; k < STAGING_LIST_ENTRIES; k++) {
        const struct xen_netif_data_slot *e = &list[k];
        int page;

        if (e->id != base + k) {
            snprintf(why, whylen, "entry %u has id %u, expected %u", k, e->id, base + k);
            return -1;
        }
        if (e->offset % len || e->offset + len > PAGE_BYTES) {
            snprintf(why, whylen, "slot %u: offset %u is not a multiple of %u inside the page",
                     base + k, e->offset, len);
            return -1;
        }
        if (e->gref < XEN_NETIF_STAGING_NR_RESERVED_GREFS || e->gref == list_ref) {
            snprintf(why, whylen, "slot %u: grant reference %u is reserved or the list itself",
                     base + k, e->gref);
            return -1;
        }
        page = slot_pages_find(pages, e->gref);
        if (page < 0) {
            if (pages->count == max_pages) {
                snprintf(why, whylen, "more than %u distinct slot pages for length %u",
                         max_pages, len);
                return -1;
            }
            page = (int)pages->count;
            pages->gref[pages->count++] = e->gref;
        }
        if (used[page] & (1ull << (e->offset / len))) {
            snprintf(why, whylen, "slot %u: grant %u offset %u is used twice", base + k,
                     e->gref, e->offset);
            return -1;
        }
        used[page] |= 1ull << (e->offset / len);
        page_of[k] = (uint16_t)page;
    }
    return 0;
}
