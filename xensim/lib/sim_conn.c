/* libxensim: talking to the host's hypervisor daemon. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xensim/lib/sim_lib.h"

int sim_conn_open(struct sim_conn *c, const char *host, uint32_t kind, int pass_fd)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    uint32_t domid;
    if (!host)
        host = sim_env_host();
    if (!host)
        return -1;                            /* errno ENOENT, as with no /dev/xen */
    if (sim_env_domid(&domid) < 0)
        return -1;
    if (sim_path(sa.sun_path, sizeof(sa.sun_path), host, "%s", HV_SOCKET_NAME) < 0)
        return -1;
    c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int err = errno;
        close(c->fd);
        errno = err;
        return -1;
    }
    c->domid = domid;
    pthread_mutex_init(&c->lock, NULL);

    struct hv_msg m = { .op = HV_OP_HELLO, .a = { kind, domid } };
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (pass_fd >= 0) {
        memset(cbuf, 0, sizeof(cbuf));
        mh.msg_control = cbuf;
        mh.msg_controllen = sizeof(cbuf);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
    }
    int rc;
    if (sendmsg(c->fd, &mh, MSG_NOSIGNAL) < 0)
        rc = -errno;
    else if (recv(c->fd, &m, sizeof(m), 0) != (ssize_t)sizeof(m))
        rc = -EPROTO;
    else
        rc = m.rc;
    if (rc < 0) {
        close(c->fd);
        pthread_mutex_destroy(&c->lock);
        errno = -rc;
        return -1;
    }
    return 0;
}

void sim_conn_close(struct sim_conn *c)
{
    close(c->fd);
    pthread_mutex_destroy(&c->lock);
}

int sim_conn_call(struct sim_conn *c, struct hv_msg *m, const void *payload, size_t len,
                  void *reply_payload, size_t reply_max)
{
    char buf[HV_MSG_MAX];
    if (len > sizeof(buf) - sizeof(*m) || reply_max > sizeof(buf) - sizeof(*m)) {
        errno = E2BIG;
        return -E2BIG;
    }
    memcpy(buf, m, sizeof(*m));
    if (len)
        memcpy(buf + sizeof(*m), payload, len);
    uint32_t op = m->op;
    int rc;
    pthread_mutex_lock(&c->lock);
    ssize_t n = send(c->fd, buf, sizeof(*m) + len, MSG_NOSIGNAL);
    if (n >= 0) {
        do
            n = recv(c->fd, buf, sizeof(buf), 0);
        while (n < 0 && errno == EINTR);
    }
    pthread_mutex_unlock(&c->lock);
    if (n < (ssize_t)sizeof(*m)) {
        rc = n < 0 ? -errno : -EPIPE;        /* the hypervisor went away */
    } else {
        memcpy(m, buf, sizeof(*m));
        rc = m->op == op ? m->rc : -EPROTO;
        if (rc == 0 && reply_max)
            memcpy(reply_payload, buf + sizeof(*m),
                   (size_t)n - sizeof(*m) < reply_max ? (size_t)n - sizeof(*m) : reply_max);
    }
    if (rc < 0)
        errno = -rc;
    return rc;
}

int sim_conn_send(struct sim_conn *c, const struct hv_msg *m)
{
    pthread_mutex_lock(&c->lock);
    ssize_t n = send(c->fd, m, sizeof(*m), MSG_NOSIGNAL);
    pthread_mutex_unlock(&c->lock);
    return n == (ssize_t)sizeof(*m) ? 0 : -1;
}
