/*
 * Staging slots, backend side: read a data list once, check every entry
 * (docs/netif-staging.md 4.2) and map the slot pages for the life of the
 * connection.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "backend/backend.h"

#define PAGE_BYTES 4096u
#define LIST_BYTES (XEN_NETIF_DATA_TX_SLOTS * sizeof(struct xen_netif_data_slot))

/* Grant-copy the list's first 2048 octets into private memory: its one read. */
static int copy_list(struct back_queue *q, uint32_t ref, struct xen_netif_data_slot *out)
{
    xengnttab_grant_copy_segment_t seg;

    memset(&seg, 0, sizeof(seg));
    seg.source.foreign.ref = ref;
    seg.source.foreign.domid = (uint16_t)q->domid;
    seg.source.foreign.offset = 0;
    seg.dest.virt = out;
    seg.len = LIST_BYTES;
    seg.flags = GNTCOPY_source_gref;
    if (xengnttab_grant_copy(q->xgt, 1, &seg) < 0 || seg.status != GNTST_okay)
        return -1;
    NS_STAT_INC(q->stats->grant_copy_ops);
    NS_STAT_INC(q->stats->grant_copy_segs);
    return 0;
}

int back_slots_setup(struct back_queue *q, struct back_slots *s, uint32_t list_ref,
                     unsigned len, bool writable, char *why, size_t whylen)
{
    struct xen_netif_data_slot list[XEN_NETIF_DATA_TX_SLOTS];
    uint16_t page_of[XEN_NETIF_DATA_TX_SLOTS];
    unsigned base = writable ? XEN_NETIF_DATA_ID_RX_BASE : XEN_NETIF_DATA_ID_TX_BASE;
    const char *dir = writable ? "rx" : "tx";
    uint8_t *pages;
    unsigned k;

    memset(s, 0, sizeof(*s));
    if (list_ref < XEN_NETIF_STAGING_NR_RESERVED_GREFS) {
        snprintf(why, whylen, "%s-data-ref %u is a reserved grant reference", dir, list_ref);
        return -1;
    }
    s->list_ref = list_ref;
    if (copy_list(q, list_ref, list) < 0) {
        snprintf(why, whylen, "%s-data-ref %u: cannot copy the data list", dir, list_ref);
        return -1;
    }
    if (staging_list_check(list, base, len, list_ref, &s->pages, page_of, why, whylen) < 0) {
        char reason[160];

        snprintf(reason, sizeof(reason), "%s", why);
        snprintf(why, whylen, "%s data list: %s", dir, reason);
        return -1;
    }
    pages = xengnttab_map_domain_grant_refs(q->xgt, s->pages.count, q->domid, s->pages.gref,
                                            PROT_READ | (writable ? PROT_WRITE : 0));
    if (!pages) {
        snprintf(why, whylen, "%s data list: cannot map its %u slot pages", dir, s->pages.count);
        s->pages.count = 0;
        return -1;
    }
    NS_STAT_INC(q->stats->grant_map_ops);
    s->map_base = pages;
    for (k = 0; k < XEN_NETIF_DATA_TX_SLOTS; k++)
        s->slot[k] = pages + (size_t)page_of[k] * PAGE_BYTES + list[k].offset;
    s->len = (uint16_t)len;
    return 0;
}

void back_slots_release(struct back_queue *q, struct back_slots *s)
{
    if (s->map_base)
        xengnttab_unmap(q->xgt, s->map_base, s->pages.count);
    memset(s, 0, sizeof(*s));
}

static bool holds(const struct back_slots *s, uint32_t gref)
{
    return s->len && (s->list_ref == gref || slot_pages_find(&s->pages, gref) >= 0);
}

bool back_slots_disjoint(const struct back_slots *a, const struct back_slots *b)
{
    unsigned i;

    if (!a->len || !b->len)
        return true;
    if (holds(a, b->list_ref) || holds(b, a->list_ref))
        return false;
    for (i = 0; i < a->pages.count; i++)
        if (holds(b, a->pages.gref[i]))
            return false;
    return true;
}
