/*
 * Where a queue's frames come from and go to: the vif's TAP queue, or, for
 * `make bench`, a frame generator and a sink, so that the paravirtual path
 * is measured without a network stack (as the staging-grant RFC measured
 * it, dropping packets at the far end).
 */
#ifndef NETSTAGE_COMMON_PKTIO_H
#define NETSTAGE_COMMON_PKTIO_H

#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>

struct ns_pktio {
    int fd;              /* the TAP queue; -1: generator and sink */
    uint32_t gen_len;    /* generator: frame length, 0 = generate nothing */
};

/* Largest frame the generator makes. */
#define NS_PKTIO_GEN_MAX 9018u

/*
 * Read one frame into buf (cap bytes) and its header into *vh.  1 and the
 * length in *len; 0 when none is waiting; -1 on an I/O error.  A frame
 * longer than cap is reported with *len = cap + 1 (the caller drops it).
 */
int ns_pktio_read(struct ns_pktio *io, struct virtio_net_hdr *vh, uint8_t *buf, size_t cap,
                  size_t *len);

/* Write one frame; 0, or -1 with errno (EAGAIN/ENOBUFS: the TAP is full). */
int ns_pktio_write(struct ns_pktio *io, const struct virtio_net_hdr *vh, const uint8_t *buf,
                   size_t len);

#endif
