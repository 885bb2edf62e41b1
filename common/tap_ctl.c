/* TAP adjustments after creation (see tap_ctl.h). */
#include <errno.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/tap_ctl.h"

int tap_queue_enable(struct tap_dev *t, unsigned q, bool on)
{
    struct ifreq ifr;

    if (t->nr_queues < 2)
        return 0;
    if (q >= t->nr_queues || t->fd[q] < 0) {
        errno = EINVAL;
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = on ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
    if (ioctl(t->fd[q], TUNSETQUEUE, &ifr) < 0) {
        /* Already in the wanted state: the kernel says EINVAL. */
        return errno == EINVAL ? 0 : -1;
    }
    return 0;
}

int tap_set_gso_max_size(const char *name, unsigned size)
{
    struct {
        struct nlmsghdr nh;
        struct ifinfomsg ifi;
        char attrs[64];
    } req;
    struct {
        struct nlmsghdr nh;
        struct nlmsgerr err;
    } ack;
    struct timeval tmo = { .tv_sec = 2 };
    struct rtattr *rta;
    unsigned ifindex = if_nametoindex(name);
    int fd, rc = -1;
    ssize_t n;

    if (!ifindex)
        return -1;
    memset(&req, 0, sizeof(req));
    req.nh.nlmsg_type = RTM_NEWLINK;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.ifi.ifi_family = AF_UNSPEC;
    req.ifi.ifi_index = (int)ifindex;
    rta = (struct rtattr *)req.attrs;
    rta->rta_type = IFLA_GSO_MAX_SIZE;
    rta->rta_len = RTA_LENGTH(sizeof(uint32_t));
    memcpy(RTA_DATA(rta), &size, sizeof(uint32_t));
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi)) + RTA_ALIGN(rta->rta_len);

    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
    if (send(fd, &req, req.nh.nlmsg_len, 0) == (ssize_t)req.nh.nlmsg_len) {
        n = recv(fd, &ack, sizeof(ack), 0);
        if (n >= (ssize_t)sizeof(ack) && ack.nh.nlmsg_type == NLMSG_ERROR) {
            rc = ack.err.error ? -1 : 0;
            if (ack.err.error)
                errno = -ack.err.error;
        }
    }
    close(fd);
    return rc;
}
