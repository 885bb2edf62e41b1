/*
 * libFuzzer target: staging_list_check (backend/staging_list.c), which
 * checks the data list a frontend shares at connect.  The first byte picks
 * the direction and the slot length, the next four the list's own grant;
 * the rest fills the 256 entries.  A flag byte can make the entries'
 * ids right, so the fuzzer reaches the offset, grant and page checks.
 * Invariants besides memory safety: on success every entry names its own
 * slot, inside one page, no (grant, offset) twice, at most 256 * L / 4096
 * distinct pages, page_of consistent with the page list.
 */
#include <stdint.h>
#include <string.h>

#include "backend/staging_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned lens[] = { 64, 128, 256, 512, 1024, 2048, 4096, 100 };
    struct xen_netif_data_slot list[STAGING_LIST_ENTRIES];
    struct slot_pages pages;
    uint16_t page_of[STAGING_LIST_ENTRIES];
    unsigned len, base, k, j;
    uint32_t list_ref;
    char why[160];

    if (size < 6)
        return 0;
    len = lens[data[0] & 7];
    base = (data[0] & 8) ? XEN_NETIF_DATA_ID_RX_BASE : XEN_NETIF_DATA_ID_TX_BASE;
    memcpy(&list_ref, data + 1, sizeof(list_ref));
    memset(list, 0, sizeof(list));
    memcpy(list, data + 6, size - 6 < sizeof(list) ? size - 6 : sizeof(list));
    if (data[5] & 1)
        for (k = 0; k < STAGING_LIST_ENTRIES; k++)
            list[k].id = (uint16_t)(base + k);
    if (data[5] & 2) /* offsets aligned to the slot length */
        for (k = 0; k < STAGING_LIST_ENTRIES; k++)
            list[k].offset = (uint16_t)((list[k].offset % (4096u / (len == 100 ? 64 : len))) *
                                        len);

    if (staging_list_check(list, base, len, list_ref, &pages, page_of, why, sizeof(why)) < 0) {
        if (!memchr(why, 0, sizeof(why)))
            __builtin_trap();
        return 0;
    }
    if (!XEN_NETIF_STAGING_LEN_VALID(len) || pages.count == 0 ||
        pages.count > STAGING_LIST_ENTRIES * len / 4096u)
        __builtin_trap();
    for (k = 0; k < STAGING_LIST_ENTRIES; k++) {
        if (list[k].id != base + k || list[k].offset % len || list[k].offset + len > 4096u ||
            list[k].gref < 8 || list[k].gref == list_ref || page_of[k] >= pages.count ||
            pages.gref[page_of[k]] != list[k].gref)
            __builtin_trap();
        for (j = 0; j < k; j++)
            if (list[j].gref == list[k].gref && list[j].offset == list[k].offset)
                __builtin_trap();
    }
    return 0;
}
