/*
 * TAP devices as the drivers use them: Ethernet frames without the packet
 * information prefix, each preceded by a 10-byte struct virtio_net_hdr
 * (<linux/virtio_net.h>) carrying its checksum and segmentation state, one
 * file descriptor per queue.  Callers read, readv and writev t->fd[q]
 * themselves; see common/offload.h for the header's contents.
 */
#ifndef NETSTAGE_COMMON_TAP_H
#define NETSTAGE_COMMON_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAP_MAX_QUEUES 8

struct tap_dev {
    char name[16];         /* the kernel's name for it, NUL-terminated */
    unsigned nr_queues;
    int fd[TAP_MAX_QUEUES];
};

/*
 * Create the TAP `name`, or attach to it if it exists, with nr_queues
 * queues (1..TAP_MAX_QUEUES; more than one makes it multi-queue).  The
 * descriptors are non-blocking and close-on-exec.  With `offloads` the
 * kernel may hand us checksum-partial and TCP GSO frames (TUN_F_CSUM,
 * TSO4, TSO6); without, every frame we read is complete.  Frames we write
 * may use the offloads either way.  On failure returns -1, leaves nothing
 * open and writes a message naming the device and the failing step into
 * err (when errlen > 0).
 */
int tap_open(struct tap_dev *t, const char *name, unsigned nr_queues, bool offloads,
             char *err, size_t errlen);

/* Close every queue; the device goes away with its last queue unless it
 * was made persistent by someone else. */
void tap_close(struct tap_dev *t);

/* Interface settings, by name (any interface, not only TAPs).  0, or -1
 * with errno set. */
int tap_set_mac(const char *name, const uint8_t mac[6]);
int tap_set_mtu(const char *name, unsigned mtu);
int tap_set_up(const char *name, bool up);

/* "00:16:3e:12:34:56": exactly 6 pairs of hex digits separated by ':',
 * nothing before or after.  0, or -1 leaving mac unspecified. */
int tap_parse_mac(const char *s, uint8_t mac[6]);

#endif
