/*
 * TAP devices; see tap.h.
 */
#include "common/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#define TUN_DEV "/dev/net/tun"

/* tap.h spells the name's size out to stay free of <net/if.h>. */
_Static_assert(sizeof(((struct tap_dev *)0)->name) == IFNAMSIZ, "tap_dev.name is not IFNAMSIZ");

static void set_err(char *err, size_t errlen, const char *name, const char *step, int e)
{
    if (errlen > 0)
        snprintf(err, errlen, "tap %s: %s: %s", name, step, strerror(e));
}

/* Open one queue of the device and attach it.  The first call may get a
 * name chosen by the kernel (an empty or "%d" name); ifr_name holds the
 * real name afterwards, and later queues ask for exactly that one. */
static int open_queue(struct ifreq *ifr, const char **step)
{
    int fd = open(TUN_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        *step = "open " TUN_DEV;
        return -1;
    }
    if (ioctl(fd, TUNSETIFF, ifr) < 0) {
        int e = errno;

        close(fd);
        errno = e;
        *step = "TUNSETIFF";
        return -1;
    }
    return fd;
}

/* The header size and the offloads belong to the device, not to a queue:
 * setting them once, through the first queue, covers all. */
static int configure(int fd, bool offloads, const char **step)
{
    int hdr_len = (int)sizeof(struct virtio_net_hdr);
    /* The kernel refuses TSO without TUN_F_CSUM: segmenting needs the
     * checksum left to the reader as well. */
    unsigned features = offloads ? TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 : 0;

    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0) {
        *step = "TUNSETVNETHDRSZ";
        return -1;
    }
    if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)features) < 0) {
        *step = "TUNSETOFFLOAD";
        return -1;
    }
    return 0;
}

int tap_open(struct tap_dev *t, const char *name, unsigned nr_queues, bool offloads,
             char *err, size_t errlen)
{
    struct ifreq ifr;
    const char *step = NULL;

    memset(t, 0, sizeof(*t));
    for (unsigned q = 0; q < TAP_MAX_QUEUES; q++)
        t->fd[q] = -1;
    if (!name || strlen(name) >= sizeof(ifr.ifr_name)) {
        set_err(err, errlen, name ? name : "(null)", "name", ENAMETOOLONG);
        errno = ENAMETOOLONG;
        return -1;
    }
    if (nr_queues == 0 || nr_queues > TAP_MAX_QUEUES) {
        set_err(err, errlen, name, "number of queues", EINVAL);
        errno = EINVAL;
        return -1;
    }

    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (nr_queues > 1)
        ifr.ifr_flags |= IFF_MULTI_QUEUE;

    for (unsigned q = 0; q < nr_queues; q++) {
        t->fd[q] = open_queue(&ifr, &step);
        if (t->fd[q] < 0 || (q == 0 && configure(t->fd[0], offloads, &step) < 0)) {
            int e = errno;

            set_err(err, errlen, ifr.ifr_name, step, e);
            tap_close(t);
            errno = e;
            return -1;
        }
        t->nr_queues = q + 1;
    }
    memcpy(t->name, ifr.ifr_name, sizeof(t->name));
    return 0;
}

void tap_close(struct tap_dev *t)
{
    for (unsigned q = 0; q < TAP_MAX_QUEUES; q++) {
        if (t->fd[q] >= 0)
            close(t->fd[q]);
        t->fd[q] = -1;
    }
    t->nr_queues = 0;
}

/* One SIOCSIF* request on a throwaway socket: the ioctls act on the
 * interface, any socket of the namespace will do. */
static int if_ioctl(unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int rc, e;

    if (s < 0)
        return -1;
    rc = ioctl(s, req, ifr);
    e = errno;
    close(s);
    errno = e;
    return rc < 0 ? -1 : 0;
}

static int ifr_init(struct ifreq *ifr, const char *name)
{
    memset(ifr, 0, sizeof(*ifr));
    if (strlen(name) >= sizeof(ifr->ifr_name)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(ifr->ifr_name, name);
    return 0;
}

int tap_set_mac(const char *name, const uint8_t mac[6])
{
    struct ifreq ifr;

    if (ifr_init(&ifr, name) < 0)
        return -1;
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
    return if_ioctl(SIOCSIFHWADDR, &ifr);
}

int tap_set_mtu(const char *name, unsigned mtu)
{
    struct ifreq ifr;

    if (ifr_init(&ifr, name) < 0)
        return -1;
    if (mtu > INT32_MAX) {
        errno = EINVAL;
        return -1;
    }
    ifr.ifr_mtu = (int)mtu;
    return if_ioctl(SIOCSIFMTU, &ifr);
}

int tap_set_up(const char *name, bool up)
{
    struct ifreq ifr;

    if (ifr_init(&ifr, name) < 0 || if_ioctl(SIOCGIFFLAGS, &ifr) < 0)
        return -1;
    if (up)
        ifr.ifr_flags |= IFF_UP;
    else
        ifr.ifr_flags &= ~IFF_UP;
    return if_ioctl(SIOCSIFFLAGS, &ifr);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int tap_parse_mac(const char *s, uint8_t mac[6])
{
    if (!s)
        return -1;
    for (unsigned i = 0; i < 6; i++) {
        const char *p = s + i * 3;
        int hi = hex_digit(p[0]);
        int lo = hi < 0 ? -1 : hex_digit(p[1]);
        /* The pair is followed by ':' except after the last, which ends
         * the string.  Checking p[0] and p[1] first keeps every read
         * before the terminator. */
        char sep = i < 5 ? ':' : '\0';

        if (lo < 0 || p[2] != sep)
            return -1;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
