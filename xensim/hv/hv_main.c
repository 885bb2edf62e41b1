/*
 * xensim-hv HOST_DIR LIBXENSIM [READY_FD]
 *
 * The simulated host's hypervisor daemon: accepts library handles on
 * HOST_DIR/hv.sock, runs xenstored on top of the simulation and serves until
 * HV_OP_HOST_SHUTDOWN.  READY_FD, if given, receives one byte once xenstored
 * answers and dom0's xenstore tree exists.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xensim/hv/hv.h"

#define RETRY_TICK_MS 20

void hv_log(const char *fmt, ...)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(stderr, "[%ld.%03ld] xensim-hv: ", (long)ts.tv_sec, ts.tv_nsec / 1000000);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static struct hv_conn *conn_new(struct hv *hv, int fd)
{
    struct hv_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->fd = fd;
    c->id = ++hv->next_conn_id;
    c->upcall_fd = -1;
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
        c->pid = cred.pid;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    if (epoll_ctl(hv->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        free(c);
        return NULL;
    }
    c->next = hv->conns;
    hv->conns = c;
    return c;
}

void hv_conn_close(struct hv *hv, struct hv_conn *c)
{
    for (struct hv_conn **pp = &hv->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    epoll_ctl(hv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    switch (c->kind) {
    case HV_KIND_GNTTAB:
        if (c->records)
            munmap(c->records, sizeof(*c->records));
        c->records = NULL;
        break;
    case HV_KIND_GNTSHR:
        hv_grant_revoke_conn(hv, c);
        break;
    case HV_KIND_EVTCHN:
        hv_evtchn_close_conn(hv, c);
        break;
    case HV_KIND_ANCHOR:
        hv_domain_kill(hv, c->domid, 0);
        break;
    default:
        break;
    }
    if (c->upcall_fd >= 0)
        close(c->upcall_fd);
    free(c);
}

static void reply(struct hv_conn *c, struct hv_msg *m, int rc, const void *extra, size_t extra_len)
{
    char buf[HV_MSG_MAX];
    m->rc = rc;
    memcpy(buf, m, sizeof(*m));
    if (extra_len)
        memcpy(buf + sizeof(*m), extra, extra_len);
    if (send(c->fd, buf, sizeof(*m) + extra_len, MSG_NOSIGNAL) < 0)
        hv_log("conn %u (pid %d): reply lost: %s", c->id, (int)c->pid, strerror(errno));
}

/* Check a hello and attach what it passed.  Returns 0 with *passed_fd
 * taken (set to -1) when the handle keeps it, else leaves it to the caller. */
static int hello_attach(struct hv *hv, struct hv_conn *c, uint32_t kind, uint32_t domid,
                        int *passed_fd)
{
    struct hv_domain *d = hv_domain_get(hv, domid);
    if (c->kind)
        return -EINVAL;
    if (!d || d->dying)
        return -ESRCH;
    switch (kind) {
    case HV_KIND_GNTTAB: {
        struct stat st;
        /* A record file shorter than the records would fault the scans. */
        if (*passed_fd < 0 || fstat(*passed_fd, &st) < 0 ||
            st.st_size < (off_t)sizeof(struct sim_records))
            return -EINVAL;
        void *p = mmap(NULL, sizeof(struct sim_records), PROT_READ, MAP_SHARED, *passed_fd, 0);
        if (p == MAP_FAILED)
            return -errno;
        c->records = p;
        return 0;
    }
    case HV_KIND_EVTCHN:
        if (*passed_fd < 0)
            return -EINVAL;
        c->upcall_fd = *passed_fd;
        *passed_fd = -1;
        return 0;
    case HV_KIND_ANCHOR:
        if (domid == 0)
            return -EINVAL;
        for (struct hv_conn *o = hv->conns; o; o = o->next)
            if (o->kind == HV_KIND_ANCHOR && o->domid == domid)
                return -EEXIST;
        return 0;
    case HV_KIND_CONTROL:
    case HV_KIND_GNTSHR:
    case HV_KIND_MEMBER:
        return 0;
    default:
        return -EINVAL;
    }
}

static int hello(struct hv *hv, struct hv_conn *c, const struct hv_msg *m, int passed_fd)
{
    int rc = hello_attach(hv, c, m->a[0], m->a[1], &passed_fd);
    if (passed_fd >= 0)
        close(passed_fd);      /* mapped or refused: the descriptor is not kept */
    if (rc == 0) {
        c->kind = m->a[0];
        c->domid = m->a[1];
    }
    return rc;
}

/* Domain ids are handed out in increasing order and reused only after
 * wrapping, as Xen does, so a stale view of a dead domain is rarely met. */
static int domain_create(struct hv *hv)
{
    for (uint32_t tries = 1; tries < XENSIM_MAX_DOMAINS; tries++) {
        uint32_t domid = hv->next_domid;
        hv->next_domid = domid + 1 < XENSIM_MAX_DOMAINS ? domid + 1 : 1;
        if (hv->doms[domid])
            continue;
        int rc = hv_domain_create(hv, domid);
        return rc < 0 ? rc : (int)domid;
    }
    return -ENOSPC;
}

static int list_domains(struct hv *hv, uint32_t first, uint32_t max, struct hv_dominfo *out)
{
    int n = 0;
    for (uint32_t i = first; i < XENSIM_MAX_DOMAINS && (uint32_t)n < max; i++) {
        if (!hv->doms[i])
            continue;
        out[n].domid = i;
        out[n].dying = hv->doms[i]->dying;
        n++;
    }
    return n;
}

static void shutdown_host(struct hv *hv, struct hv_conn *requester)
{
    hv->stopping = true;
    /* Only processes that joined as members: a pid recorded for a handle
     * may belong to a process that has since exited. */
    for (struct hv_conn *c = hv->conns; c; c = c->next)
        if (c->kind == HV_KIND_MEMBER && c->pid > 0 && c->pid != requester->pid &&
            c->pid != getpid() && c->pid != hv->xenstored_pid)
            kill(c->pid, SIGKILL);
}

static void dispatch(struct hv *hv, struct hv_conn *c, char *buf, size_t len, int passed_fd)
{
    struct hv_msg *m = (struct hv_msg *)buf;
    const uint32_t *payload = (const uint32_t *)(buf + sizeof(*m));
    size_t payload_words = (len - sizeof(*m)) / 4;
    uint32_t words[2 * HV_MAX_SHARE_PAGES];
    int rc;

    if (m->op != HV_OP_HELLO && !c->kind) {
        reply(c, m, -EPROTO, NULL, 0);
        return;
    }
    switch (m->op) {
    case HV_OP_HELLO:
        rc = hello(hv, c, m, passed_fd);
        passed_fd = -1;
        reply(c, m, rc, NULL, 0);
        break;
    case HV_OP_EVTCHN_BIND_UNBOUND:
    case HV_OP_EVTCHN_BIND_INTERDOMAIN:
    case HV_OP_EVTCHN_BIND_VIRQ:
        if (c->kind != HV_KIND_EVTCHN)
            rc = -EBADF;
        else if (m->op == HV_OP_EVTCHN_BIND_UNBOUND)
            rc = hv_evtchn_bind_unbound(hv, c, m->a[0]);
        else if (m->op == HV_OP_EVTCHN_BIND_INTERDOMAIN)
            rc = hv_evtchn_bind_interdomain(hv, c, m->a[0], m->a[1]);
        else
            rc = hv_evtchn_bind_virq(hv, c, m->a[0]);
        m->a[0] = rc > 0 ? (uint32_t)rc : 0;
        reply(c, m, rc < 0 ? rc : 0, NULL, 0);
        break;
    case HV_OP_EVTCHN_UNBIND:
        reply(c, m, c->kind == HV_KIND_EVTCHN ? hv_evtchn_unbind(hv, c, m->a[0]) : -EBADF,
              NULL, 0);
        break;
    case HV_OP_EVTCHN_NOTIFY:
        if (c->kind == HV_KIND_EVTCHN)
            hv_evtchn_notify(hv, c, m->a[0]);
        break;
    case HV_OP_EVTCHN_UNMASK:
        if (c->kind == HV_KIND_EVTCHN)
            hv_evtchn_unmask(hv, c, m->a[0]);
        break;
    case HV_OP_EVTCHN_STATUS: {
        struct hv_domain *d = hv_domain_get(hv, m->a[0]);
        if (!d || m->a[1] == 0 || m->a[1] >= SIM_NR_PORTS) {
            reply(c, m, -EINVAL, NULL, 0);
            break;
        }
        const struct hv_port *p = &d->ports[m->a[1]];
        m->a[0] = p->state;
        m->a[1] = p->remote_domid;
        m->a[2] = p->remote_port;
        reply(c, m, 0, NULL, 0);
        break;
    }
    case HV_OP_GNTSHR_SHARE:
        if (c->kind != HV_KIND_GNTSHR || m->a[1] == 0 || m->a[1] > HV_MAX_SHARE_PAGES) {
            reply(c, m, c->kind != HV_KIND_GNTSHR ? -EBADF : -EINVAL, NULL, 0);
            break;
        }
        rc = hv_grant_share(hv, c, m->a[0], m->a[1], m->a[2] != 0, words, words + m->a[1]);
        reply(c, m, rc, words, rc == 0 ? 2 * 4 * (size_t)m->a[1] : 0);
        break;
    case HV_OP_GNTSHR_UNSHARE:
        if (c->kind != HV_KIND_GNTSHR || m->a[1] > payload_words) {
            reply(c, m, c->kind != HV_KIND_GNTSHR ? -EBADF : -EINVAL, NULL, 0);
            break;
        }
        reply(c, m, hv_grant_unshare(hv, c, payload, m->a[1]), NULL, 0);
        break;
    case HV_OP_GRANT_QUERY: {
        struct hv_domain *d = hv_domain_get(hv, m->a[0]);
        if (!d || m->a[1] >= SIM_NR_GRANTS) {
            reply(c, m, d ? -EINVAL : -ESRCH, NULL, 0);
            break;
        }
        uint64_t w = __atomic_load_n(&d->gnttab[m->a[1]], __ATOMIC_SEQ_CST);
        uint32_t in_use = hv_grant_in_use(hv, m->a[0], m->a[1]);
        m->a[0] = sim_grant_flags(w);
        m->a[1] = sim_grant_domid(w);
        m->a[2] = in_use;
        reply(c, m, 0, NULL, 0);
        break;
    }
    case HV_OP_DOMAIN_CREATE:
        rc = c->domid == 0 ? domain_create(hv) : -EPERM;
        m->a[0] = rc > 0 ? (uint32_t)rc : 0;
        reply(c, m, rc < 0 ? rc : 0, NULL, 0);
        break;
    case HV_OP_DOMAIN_DESTROY:
        if (c->domid != 0 || m->a[0] == 0 || !hv_domain_get(hv, m->a[0])) {
            reply(c, m, c->domid != 0 ? -EPERM : -ESRCH, NULL, 0);
            break;
        }
        hv_domain_kill(hv, m->a[0], c->pid);
        reply(c, m, 0, NULL, 0);
        break;
    case HV_OP_DOMAIN_LIST: {
        struct hv_dominfo info[XENSIM_MAX_DOMAINS];
        uint32_t max = m->a[1] < XENSIM_MAX_DOMAINS ? m->a[1] : XENSIM_MAX_DOMAINS;
        if (max > (HV_MSG_MAX - sizeof(*m)) / sizeof(info[0]))
            max = (HV_MSG_MAX - sizeof(*m)) / sizeof(info[0]);
        int n = list_domains(hv, m->a[0], max, info);
        m->a[0] = (uint32_t)n;
        reply(c, m, 0, info, (size_t)n * sizeof(info[0]));
        break;
    }
    case HV_OP_DOMAIN_USAGE: {
        struct xensim_domain_usage u;
        hv_grant_usage(hv, m->a[0], &u);
        m->a[0] = u.grants_active;
        m->a[1] = u.grants_deferred;
        m->a[2] = u.maps_held;
        m->a[3] = u.foreign_maps;
        m->a[4] = u.ports_bound;
        m->a[5] = u.handles;
        reply(c, m, 0, NULL, 0);
        break;
    }
    case HV_OP_HOST_SHUTDOWN:
        if (c->domid != 0) {
            reply(c, m, -EPERM, NULL, 0);
            break;
        }
        shutdown_host(hv, c);
        reply(c, m, 0, NULL, 0);
        break;
    default:
        reply(c, m, -ENOSYS, NULL, 0);
        break;
    }
    if (passed_fd >= 0)
        close(passed_fd);
}

/* Read one message (and an fd passed with it); false when the peer is gone. */
static bool conn_read(struct hv *hv, struct hv_conn *c)
{
    char buf[HV_MSG_MAX];
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
    ssize_t n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n <= 0)
        return false;
    int passed_fd = -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
            cm->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(&passed_fd, CMSG_DATA(cm), sizeof(int));
    if ((size_t)n < sizeof(struct hv_msg) || (mh.msg_flags & MSG_TRUNC)) {
        if (passed_fd >= 0)
            close(passed_fd);
        return false;                /* not our library: drop it */
    }
    dispatch(hv, c, buf, (size_t)n, passed_fd);
    return true;
}

static int listen_socket(const char *host)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (sim_path(sa.sun_path, sizeof(sa.sun_path), host, "%s", HV_SOCKET_NAME) < 0)
        return -1;
    unlink(sa.sun_path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    static struct hv hv;
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: xensim-hv HOST_DIR LIBXENSIM [READY_FD]\n");
        return 2;
    }
    hv.host = argv[1];
    hv.lib = argv[2];
    hv.next_domid = 1;
    uint32_t ready_fd = 0;
    int have_ready = argc == 4 && sim_parse_u32(argv[3], 1024, &ready_fd) == 0;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);

    hv.epfd = epoll_create1(EPOLL_CLOEXEC);
    hv.listen_fd = listen_socket(hv.host);
    if (hv.epfd < 0 || hv.listen_fd < 0) {
        hv_log("cannot listen in %s: %s", hv.host, strerror(errno));
        return 1;
    }
    struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(hv.epfd, EPOLL_CTL_ADD, hv.listen_fd, &lev);
    int rc = hv_domain_create(&hv, 0);
    if (rc < 0) {
        hv_log("cannot create dom0: %s", strerror(-rc));
        return 1;
    }
    if (hv_toolstack_start(&hv, have_ready ? (int)ready_fd : -1) < 0)
        return 1;

    int64_t last_retry_ms = 0;
    while (!hv.stopping) {
        struct epoll_event evs[64];
        int timeout = hv_domains_busy(&hv) ? RETRY_TICK_MS : -1;
        int n = epoll_wait(hv.epfd, evs, 64, timeout);
        if (n < 0 && errno != EINTR) {
            hv_log("epoll: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            struct hv_conn *c = evs[i].data.ptr;
            if (!c) {
                int fd = accept4(hv.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd >= 0 && !conn_new(&hv, fd))
                    close(fd);
                continue;
            }
            /* A connection closed earlier in this batch (by a domain death)
             * is no longer on the list; skip its stale event. */
            struct hv_conn *live = hv.conns;
            while (live && live != c)
                live = live->next;
            if (!live)
                continue;
            if (!conn_read(&hv, c))
                hv_conn_close(&hv, c);
        }
        /* Deferred revokes and dying domains are retried on a 20 ms tick,
         * not after every message: a notify-heavy guest must not make each
         * of its notifications pay for a grant-table scan. */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
        if (now_ms - last_retry_ms >= RETRY_TICK_MS) {
            last_retry_ms = now_ms;
            hv_grant_retry_deferred(&hv);
            hv_domains_reap(&hv);
        }
    }
    hv_toolstack_stop(&hv);
    hv_log("host %s shut down", hv.host);
    return 0;
}
