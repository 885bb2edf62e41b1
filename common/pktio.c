/* Frames from/to the TAP, or the benchmark's generator and sink (see pktio.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/pktio.h"

/*
 * The generated frame: broadcast, a locally administered source, the
 * IEEE local-experimental ethertype 0x88b5 and zeroes; copied whole into
 * every frame, as a TAP read copies a frame out of the kernel.
 */
const uint8_t ns_pktio_gen_frame[NS_PKTIO_GEN_MAX] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                     0x02, 0x4e, 0x53, 0x00, 0x00, 0x01,
                                                     0x88, 0xb5 };

int ns_pktio_echo_init(struct ns_pktio *io)
{
    io->echo_buf = calloc(NS_PKTIO_ECHO_SLOTS, NS_PKTIO_ECHO_MAX);
    return io->echo_buf ? 0 : -1;
}

void ns_pktio_release(struct ns_pktio *io)
{
    free(io->echo_buf);
    io->echo_buf = NULL;
}

/* Lay len bytes of src out over the frame's pieces (their room was checked). */
static void scatter(const struct iovec *frame, unsigned nframe, const uint8_t *src, size_t len)
{
    unsigned i;

    if (len <= frame[0].iov_len) {
        memcpy(frame[0].iov_base, src, len); /* a staged frame: all in the slot */
        return;
    }
    for (i = 0; i < nframe && len; i++) {
        size_t take = frame[i].iov_len < len ? frame[i].iov_len : len;

        memcpy(frame[i].iov_base, src, take);
        src += take;
        len -= take;
    }
}

/*
 * Echo: the oldest frame the sink took, if any.  Kept out of line, like
 * tap_read, so the generator's path saves no registers it does not use.
 */
static __attribute__((noinline)) int echo_read(struct ns_pktio *io, struct virtio_net_hdr *vh, const struct iovec *frame,
                     unsigned nframe, size_t cap, size_t *len)
{
    uint32_t n;

    if (io->echo_count == 0)
        return 0;
    n = io->echo_len[io->echo_head];
    if (n > cap)
        n = (uint32_t)cap;
    memset(vh, 0, sizeof(*vh));
    scatter(frame, nframe, io->echo_buf[io->echo_head], n);
    io->echo_head = (io->echo_head + 1) % NS_PKTIO_ECHO_SLOTS;
    io->echo_count--;
    *len = n;
    return 1;
}

static size_t capacity(const struct iovec *frame, unsigned nframe)
{
    size_t cap = 0;
    unsigned i;

    for (i = 0; i < nframe; i++)
        cap += frame[i].iov_len;
    return cap;
}

/* The generator: the next frame, unless one is still in flight (ping-pong). */
static int generate(struct ns_pktio *io, struct virtio_net_hdr *vh, const struct iovec *frame,
                    unsigned nframe, size_t *len)
{
    uint32_t n = io->gen_len;

    if (n == 0 || (io->ping_pong && io->sent != io->returned))
        return 0;
    if (n > frame[0].iov_len && n > capacity(frame, nframe))
        return 0;
    io->sent++;
    memset(vh, 0, sizeof(*vh));
    scatter(frame, nframe, ns_pktio_gen_frame, n);
    *len = n;
    return 1;
}

/* The TAP: the virtio-net header, then the frame over its pieces (a system
 * call, next to which a function call costs nothing). */
static __attribute__((noinline)) int tap_read(struct ns_pktio *io, struct virtio_net_hdr *vh, const struct iovec *frame,
                    unsigned nframe, size_t *len)
{
    struct iovec iov[1 + NS_PKTIO_FRAME_IOV] = { { vh, sizeof(*vh) } };
    size_t cap = capacity(frame, nframe);
    unsigned i;
    ssize_t n;

    for (i = 0; i < nframe; i++)
        iov[1 + i] = frame[i];
    n = readv(io->fd, iov, (int)(1 + nframe));
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    if ((size_t)n < sizeof(*vh)) {
        *len = 0;
        return 1;
    }
    *len = (size_t)n - sizeof(*vh);
    if (*len == cap)
        *len = cap + 1; /* filled the buffer: it may have been cut */
    return 1;
}

int ns_pktio_read_slow(struct ns_pktio *io, struct virtio_net_hdr *vh, const struct iovec *frame,
                       unsigned nframe, size_t *len)
{
    if (nframe > NS_PKTIO_FRAME_IOV)
        nframe = NS_PKTIO_FRAME_IOV;
    if (io->fd >= 0)
        return tap_read(io, vh, frame, nframe, len);
    if (io->echo)
        return echo_read(io, vh, frame, nframe, capacity(frame, nframe), len);
    return generate(io, vh, frame, nframe, len);
}

/* The TAP: the virtio-net header, then the frame (out of line, like tap_read). */
static __attribute__((noinline)) int tap_write(struct ns_pktio *io, const struct virtio_net_hdr *vh,
                                               const uint8_t *buf, size_t len)
{
    struct iovec iov[2] = { { (void *)vh, sizeof(*vh) }, { (void *)buf, len } };

    return writev(io->fd, iov, 2) < 0 ? -1 : 0;
}

int ns_pktio_write_slow(struct ns_pktio *io, const struct virtio_net_hdr *vh, const uint8_t *buf,
                        size_t len)
{
    unsigned tail;

    if (io->fd >= 0)
        return tap_write(io, vh, buf, len);
    /* The echo's sink: the frame was gathered; now it is echoed if there is room. */
    io->returned++;
    if (io->echo_count < NS_PKTIO_ECHO_SLOTS && len <= NS_PKTIO_ECHO_MAX) {
        tail = (io->echo_head + io->echo_count) % NS_PKTIO_ECHO_SLOTS;
        memcpy(io->echo_buf[tail], buf, len);
        io->echo_len[tail] = (uint32_t)len;
        io->echo_count++;
    }
    return 0;
}
