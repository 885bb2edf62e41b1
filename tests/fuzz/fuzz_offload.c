/*
 * libFuzzer target: offload_vnet_from_meta (common/offload.c), which parses
 * the headers of a frame a guest sent.  The first five input bytes choose
 * the metadata (flags, GSO size, GSO type), how much longer or shorter than
 * the bytes in hand the frame claims to be, and optionally an ethertype
 * (plain or behind a VLAN tag) and IP version nibble to stamp on the frame,
 * so the fuzzer reaches the IP and L4 parsers without first having to guess
 * them; every other byte is its own.  The frame is copied to a buffer of
 * exactly its size so any overread is caught.
 * Invariants checked besides memory safety: on success the checksum field
 * lies inside the headers the parse accepted, GSO is only emitted for TCP
 * with hdr_len within the frame and a payload longer than one segment, and
 * the output is a function of the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/offload.h"

#define HDR 5

static void put_be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* sel bits 0-1: leave the frame alone, IPv4, IPv6, or a VLAN tag with
 * bit 2 choosing IPv4 or IPv6 behind it. */
static void stamp(uint8_t *frame, size_t len, unsigned sel)
{
    unsigned kind = sel & 3, v6 = kind == 2 || (kind == 3 && (sel & 4));
    size_t l3 = kind == 3 ? 18 : 14;

    if (kind == 0 || len < l3 + 1)
        return;
    if (kind == 3)
        put_be16(frame + 12, 0x8100);
    put_be16(frame + l3 - 2, v6 ? 0x86DD : 0x0800);
    frame[l3] = (uint8_t)((frame[l3] & 0x0F) | (v6 ? 0x60 : 0x40));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ns_pkt_meta m;
    struct virtio_net_hdr h, again;
    size_t len, frame_len, seen;
    uint8_t *frame;
    int rc;

    if (size < HDR)
        return 0;
    m.csum_blank = data[0] & 1;
    m.data_validated = (data[0] & 2) != 0;
    m.gso_type = (uint8_t)((data[0] >> 2) & 3);
    /* Small sizes are the interesting ones: around the payload length. */
    m.gso_size = (uint16_t)(data[0] & 0x10 ? data[1] | data[2] << 8 : data[1]);
    len = size - HDR;
    /* The frame may be longer than the bytes in hand (only its headers
     * given) or shorter (the buffer holds more than the frame). */
    if (data[3] & 0x80)
        frame_len = len + (size_t)(data[3] & 0x7F) * 512;
    else
        frame_len = len > data[3] ? len - data[3] : 0;
    seen = len < frame_len ? len : frame_len;

    frame = malloc(len ? len : 1);
    if (!frame)
        abort();
    memcpy(frame, data + HDR, len);
    stamp(frame, len, data[4]);
    rc = offload_vnet_from_meta(&m, frame, len, frame_len, &h);
    if (rc != 0 && rc != -1)
        abort();
    if (offload_vnet_from_meta(&m, frame, len, frame_len, &again) != rc ||
        memcmp(&h, &again, sizeof(h)) != 0)
        abort();
    free(frame);
    if (rc != 0)
        return 0;

    if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        if (!m.csum_blank || (size_t)h.csum_start + h.csum_offset + 2 > seen)
            abort();
        if (h.csum_offset != 16 && h.csum_offset != 6)
            abort();
    } else if (m.csum_blank || h.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
        abort();
    }
    if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
        if (h.csum_offset != 16 || h.gso_size != m.gso_size || h.hdr_len > seen ||
            h.hdr_len <= h.csum_start || frame_len - h.hdr_len <= h.gso_size)
            abort();
    }
    return 0;
}
