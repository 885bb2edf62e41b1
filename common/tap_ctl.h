/*
 * Adjusting a TAP once the drivers know what the peer negotiated: which
 * queues carry traffic, and how large a GSO frame the kernel may hand us.
 */
#ifndef NETSTAGE_COMMON_TAP_CTL_H
#define NETSTAGE_COMMON_TAP_CTL_H

#include <stdbool.h>

#include "common/tap.h"

/*
 * Attach or detach queue q of a multi-queue TAP.  A detached queue gets no
 * frames from the kernel, so queues the peer did not negotiate hold
 * nothing back.  A single-queue TAP is left alone.  0 or -1 with errno.
 */
int tap_queue_enable(struct tap_dev *t, unsigned q, bool on);

/*
 * Limit the GSO frames the kernel builds for this interface (rtnetlink
 * IFLA_GSO_MAX_SIZE): a netif TX packet is at most 65535 octets, and a
 * TAP would otherwise hand us 64 KiB plus headers.  0 or -1 with errno.
 */
int tap_set_gso_max_size(const char *name, unsigned size);

#endif
