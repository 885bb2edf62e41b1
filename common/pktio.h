/*
 * Where a queue's frames come from and go to: the vif's TAP queue, or, for
 * `make bench`, a frame generator and a sink, so that the paravirtual path
 * is measured without a network stack (as the staging-grant RFC measured
 * it, dropping packets at the far end).
 */
#ifndef NETSTAGE_COMMON_PKTIO_H
#define NETSTAGE_COMMON_PKTIO_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

/* Largest frame the generator makes. */
#define NS_PKTIO_GEN_MAX 9018u
/* Frames the echo holds between the sink and the source. */
#define NS_PKTIO_ECHO_SLOTS 4u
#define NS_PKTIO_ECHO_MAX 2048u

struct ns_pktio {
    int fd;              /* the TAP queue; -1: generator and sink */
    uint32_t gen_len;    /* generator: frame length, 0 = generate nothing */
    /*
     * Request/response (latency) benchmark, both on one queue's thread:
     * ping_pong: the generator makes the next frame only once the previous
     *            one has come back through the sink (one in flight);
     * echo:      frames written to the sink come back out of the source.
     */
    bool ping_pong;
    bool echo;
    uint64_t sent, returned;
    unsigned echo_head, echo_count;
    uint32_t echo_len[NS_PKTIO_ECHO_SLOTS];
    uint8_t (*echo_buf)[NS_PKTIO_ECHO_MAX];   /* NS_PKTIO_ECHO_SLOTS frames, allocated */
};

/* Set up the echo's frames (echo mode); 0 or -1. */
int ns_pktio_echo_init(struct ns_pktio *io);
void ns_pktio_release(struct ns_pktio *io);

#define NS_PKTIO_FRAME_IOV 2u

/* ns_pktio_read when its inline part cannot: a TAP, the echo, pacing, a split frame. */
int ns_pktio_read_slow(struct ns_pktio *io, struct virtio_net_hdr *vh, const struct iovec *frame,
                       unsigned nframe, size_t *len);

/* The generated frame (its first octets; the rest are zero). */
extern const uint8_t ns_pktio_gen_frame[NS_PKTIO_GEN_MAX];

/*
 * Read one frame and its header (into *vh).  The frame's bytes are laid
 * out over frame[0..nframe) in order (at most NS_PKTIO_FRAME_IOV pieces),
 * whose lengths add up to the capacity: a frontend reads a frame's head
 * straight into a staging slot this way.  1 and the length in *len; 0
 * when none is waiting; -1 on an I/O error.  A frame longer than the
 * capacity is reported with *len = capacity + 1 (the caller drops it).
 *
 * Inline for the benchmark's generator when the frame fits the first
 * piece (a staged small frame): there a call and the dispatch cost as
 * much as the frame's copy, in a small packet's path of under two
 * hundred instructions.  A TAP read pays a comparison for it.
 */
static inline int ns_pktio_read(struct ns_pktio *io, struct virtio_net_hdr *vh,
                                const struct iovec *frame, unsigned nframe, size_t *len)
{
    uint32_t n = io->gen_len;

    if (io->fd >= 0 || io->echo || io->ping_pong || n == 0 || n > frame[0].iov_len)
        return ns_pktio_read_slow(io, vh, frame, nframe, len);
    io->sent++;
    memset(vh, 0, sizeof(*vh));
    memcpy(frame[0].iov_base, ns_pktio_gen_frame, n);
    *len = n;
    return 1;
}

/* ns_pktio_write when its inline part cannot: a TAP, the echo. */
int ns_pktio_write_slow(struct ns_pktio *io, const struct virtio_net_hdr *vh, const uint8_t *buf,
                        size_t len);

/*
 * Write one frame; 0, or -1 with errno (EAGAIN/ENOBUFS: the TAP is full).
 * Inline for the benchmark's sink, for the reason ns_pktio_read is: a
 * call there costs as much as a small packet's take from the ring.
 */
static inline int ns_pktio_write(struct ns_pktio *io, const struct virtio_net_hdr *vh,
                                 const uint8_t *buf, size_t len)
{
    if (io->fd >= 0 || io->echo)
        return ns_pktio_write_slow(io, vh, buf, len);
    io->returned++; /* the sink: the frame was gathered; now it is dropped */
    return 0;
}

#endif
