/*
 * xs_relay.c - the relay's I/O loop: unix-socket clients on one side, the
 * guest's xenstore ring page and event channel on the other.  All routing
 * decisions are xs_mux.c's; this file moves bytes and enforces bounds.
 */
#include "xensim/relay/xs_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xensim/relay/xs_mux.h"
#include "xensim/relay/xs_wire.h"

#define CLIENT_IN_MAX     (2u * XSW_MSG_MAX)  /* read-ahead per client */
#define ACCEPTS_PER_WAKE  16u
#define WRITES_PER_FLUSH  64u
#define ROUNDS_PER_WAKE   4u

/* A byte FIFO: data[head .. head+len) is queued, never more than max. */
struct bytes {
    char  *data;
    size_t head, len, cap, max;
};

struct client {
    int      fd;          /* -1: free slot */
    uint32_t id;          /* the mux's name for it */
    bool     doomed;      /* drop at the next sweep */
    char    *in;          /* CLIENT_IN_MAX bytes of read-ahead */
    size_t   in_len;
    struct bytes out;
};

struct relay {
    const struct xs_relay_config *cfg;
    struct xsw_ring_page *ring;
    struct xs_mux  *mux;
    struct client  *clients;          /* cfg->max_clients slots */
    unsigned        nclients;
    struct pollfd  *pfd;              /* cfg->max_clients + 3 */
    int             evfd;
    struct bytes    queue;            /* requests not yet on the ring */
    char            rsp[XSW_MSG_MAX]; /* one reply being reassembled */
    size_t          rsp_len;
    bool            accept_paused;    /* out of fds: wait for a drop */
    bool            doomed_any;
    int             fatal;            /* errno of a fatal error, or 0 */
};

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("xs_relay: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void set_fatal(struct relay *r, int err, const char *what)
{
    if (r->fatal)
        return;
    r->fatal = err ? err : EIO;
    logmsg("fatal: %s: %s", what, strerror(r->fatal));
}

/* ---- byte FIFO -------------------------------------------------------- */

/* Append a+b (an, bn bytes).  False if that would pass b->max or no memory. */
static bool bytes_put(struct bytes *b, const void *a, size_t an,
                      const void *c, size_t cn)
{
    size_t need = an + cn;

    if (need > b->max - b->len)
        return false;
    if (b->head + b->len + need > b->cap) {
        if (b->head) {                /* slide queued bytes to the front */
            memmove(b->data, b->data + b->head, b->len);
            b->head = 0;
        }
        if (b->len + need > b->cap) {
            size_t ncap = b->cap ? b->cap : 8192;
            char *nd;
            while (ncap < b->len + need)
                ncap *= 2;
            if (ncap > b->max)
                ncap = b->max;
            nd = realloc(b->data, ncap);
            if (!nd)
                return false;
            b->data = nd;
            b->cap = ncap;
        }
    }
    memcpy(b->data + b->head + b->len, a, an);
    if (cn)
        memcpy(b->data + b->head + b->len + an, c, cn);
    b->len += need;
    return true;
}

static void bytes_take(struct bytes *b, size_t n)
{
    b->head += n;
    b->len -= n;
    if (b->len == 0)
        b->head = 0;
}

static void bytes_free(struct bytes *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* ---- mux callbacks ---------------------------------------------------- */

static struct client *client_by_id(struct relay *r, uint32_t id)
{
    for (unsigned i = 0; i < r->cfg->max_clients; i++)
        if (r->clients[i].fd >= 0 && r->clients[i].id == id)
            return &r->clients[i];
    return NULL;
}

/* Mark a client for dropping; why == NULL for an ordinary hang-up. */
static void doom(struct relay *r, struct client *c, const char *why)
{
    if (c->doomed)
        return;
    if (why)
        logmsg("dropping client %u: %s", (unsigned)c->id, why);
    c->doomed = true;
    r->doomed_any = true;
}

static void sink_ring(void *ctx, const struct xsw_msg_hdr *hdr,
                      const void *payload)
{
    struct relay *r = ctx;

    if (!bytes_put(&r->queue, hdr, sizeof(*hdr), payload, hdr->len))
        set_fatal(r, ENOBUFS, "ring queue");
}

static void sink_client(void *ctx, uint32_t id, const struct xsw_msg_hdr *hdr,
                        const void *payload)
{
    struct relay *r = ctx;
    struct client *c = client_by_id(r, id);

    if (!c || c->doomed)
        return;
    if (!bytes_put(&c->out, hdr, sizeof(*hdr), payload, hdr->len))
        doom(r, c, "not reading its replies");
}

/* ---- the ring --------------------------------------------------------- */

/* Feed the reply reassembly with bytes from rsp[]; false on a bad length. */
static bool take_rsp(struct relay *r, uint32_t *cons, uint32_t avail)
{
    struct xsw_msg_hdr hdr;
    const uint32_t passes = 2 * avail + 2;

    /* Each pass copies at least one byte or completes a message, and a
     * message completes at most once per header, so 2 * avail + 2 passes
     * is a safe bound. */
    for (uint32_t pass = 0; pass < passes; pass++) {
        size_t need, chunk, off;

        if (r->rsp_len >= XSW_HDR_SIZE) {
            memcpy(&hdr, r->rsp, sizeof(hdr));
            if (hdr.len > XSW_PAYLOAD_MAX) {
                set_fatal(r, EPROTO, "reply longer than 4096 bytes");
                return false;
            }
            if (r->rsp_len == XSW_HDR_SIZE + hdr.len) {
                xs_mux_ring_message(r->mux, &hdr, r->rsp + XSW_HDR_SIZE);
                r->rsp_len = 0;
                continue;
            }
            need = XSW_HDR_SIZE + hdr.len - r->rsp_len;
        } else {
            need = XSW_HDR_SIZE - r->rsp_len;
        }
        if (avail == 0)
            break;
        off = XSW_RING_MASK(*cons);
        chunk = need;
        if (chunk > avail)
            chunk = avail;
        if (chunk > XSW_RING_SIZE - off)
            chunk = XSW_RING_SIZE - off;
        memcpy(r->rsp + r->rsp_len, r->ring->rsp + off, chunk);
        r->rsp_len += chunk;
        *cons += (uint32_t)chunk;
        avail -= (uint32_t)chunk;
    }
    return true;
}

/* Consume replies and events.  Returns true if rsp_cons moved. */
static bool ring_read(struct relay *r)
{
    struct xsw_ring_page *ring = r->ring;
    uint32_t prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_RELAXED);
    uint32_t cons = __atomic_load_n(&ring->rsp_cons, __ATOMIC_RELAXED);
    uint32_t start = cons;

    if (prod - cons > XSW_RING_SIZE) {
        set_fatal(r, EPROTO, "rsp_prod - rsp_cons exceeds the ring");
        return false;
    }
    if (prod == cons)
        return false;
    /* Orders the rsp_prod load above before the loads from rsp[] in
     * take_rsp(): bytes xenstored published before moving rsp_prod are
     * visible to us. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (!take_rsp(r, &cons, prod - cons))
        return false;
    /* Full barrier: orders our loads from rsp[] above before the rsp_cons
     * store below, so xenstored cannot refill those bytes while we are
     * still copying them. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&ring->rsp_cons, cons, __ATOMIC_RELAXED);
    return cons != start;
}

/* Move queued requests into req[].  Returns true if req_prod moved. */
static bool ring_write(struct relay *r)
{
    struct xsw_ring_page *ring = r->ring;
    uint32_t cons, prod, space, n, done = 0;

    if (r->queue.len == 0)
        return false;
    cons = __atomic_load_n(&ring->req_cons, __ATOMIC_RELAXED);
    prod = __atomic_load_n(&ring->req_prod, __ATOMIC_RELAXED);
    if (prod - cons > XSW_RING_SIZE) {
        set_fatal(r, EPROTO, "req_prod - req_cons exceeds the ring");
        return false;
    }
    space = XSW_RING_SIZE - (prod - cons);
    if (space == 0)
        return false;
    /* Full barrier: orders the req_cons load above before our stores to
     * req[] below, so we never overwrite bytes xenstored has yet to read. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    n = r->queue.len < space ? (uint32_t)r->queue.len : space;
    while (done < n) {                 /* at most two chunks (wrap) */
        uint32_t off = XSW_RING_MASK(prod + done);
        uint32_t chunk = n - done;
        if (chunk > XSW_RING_SIZE - off)
            chunk = XSW_RING_SIZE - off;
        memcpy(ring->req + off, r->queue.data + r->queue.head + done, chunk);
        done += chunk;
    }
    /* Write barrier: orders the stores to req[] above before the req_prod
     * store below, so xenstored never sees the index ahead of the bytes. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&ring->req_prod, prod + n, __ATOMIC_RELAXED);
    bytes_take(&r->queue, n);
    return true;
}

/* Both directions, then one notification.  Returns true if anything moved. */
static bool ring_service(struct relay *r)
{
    uint32_t feat = __atomic_load_n(&r->ring->server_features,
                                    __ATOMIC_RELAXED);
    bool moved;

    if ((feat & XSW_FEATURE_ERROR) &&
        __atomic_load_n(&r->ring->error, __ATOMIC_RELAXED) != XSW_ERROR_NONE) {
        set_fatal(r, EPROTO, "xenstored flagged an error on the ring");
        return false;
    }
    moved = ring_read(r);
    moved |= ring_write(r);
    if (moved && !r->fatal &&
        xenevtchn_notify(r->cfg->xce, r->cfg->port) < 0)
        set_fatal(r, errno, "xenevtchn_notify");
    return moved;
}

static void evtchn_ack(struct relay *r)
{
    xenevtchn_port_or_error_t port = xenevtchn_pending(r->cfg->xce);

    if (port < 0) {
        if (errno != EAGAIN && errno != EINTR)
            set_fatal(r, errno, "xenevtchn_pending");
        return;
    }
    /* Unmask before looking at the ring, so a notification sent while we
     * work raises a fresh event instead of being lost. */
    if (xenevtchn_unmask(r->cfg->xce, (evtchn_port_t)port) < 0) {
        if ((evtchn_port_t)port == r->cfg->port)
            set_fatal(r, errno, "xenevtchn_unmask");
        else
            logmsg("event on unexpected port %d", port);
    }
}

/* ---- clients ---------------------------------------------------------- */

static void client_close(struct relay *r, struct client *c)
{
    if (xs_mux_client_drop(r->mux, c->id) < 0)
        logmsg("client %u unknown to the mux", (unsigned)c->id);
    close(c->fd);
    free(c->in);
    bytes_free(&c->out);
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    r->nclients--;
    r->accept_paused = false;
}

static bool sweep(struct relay *r)
{
    bool any = false;

    if (!r->doomed_any)
        return false;
    r->doomed_any = false;
    for (unsigned i = 0; i < r->cfg->max_clients; i++) {
        if (r->clients[i].fd >= 0 && r->clients[i].doomed) {
            client_close(r, &r->clients[i]);
            any = true;
        }
    }
    return any;
}

static void client_accept(struct relay *r)
{
    for (unsigned n = 0; n < ACCEPTS_PER_WAKE; n++) {
        struct client *c = NULL;
        int fd = accept4(r->cfg->listen_fd, NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        uint32_t id;

        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                errno == ENOMEM) {
                logmsg("accept: %s; waiting for a client to leave",
                       strerror(errno));
                r->accept_paused = true;
                return;
            }
            set_fatal(r, errno, "accept");
            return;
        }
        for (unsigned i = 0; i < r->cfg->max_clients && !c; i++)
            if (r->clients[i].fd < 0)
                c = &r->clients[i];
        if (!c || xs_mux_client_add(r->mux, &id) < 0) {
            logmsg("refusing a client: %u connected", r->nclients);
            close(fd);
            continue;
        }
        c->in = malloc(CLIENT_IN_MAX);
        if (!c->in) {
            xs_mux_client_drop(r->mux, id);
            logmsg("refusing a client: out of memory");
            close(fd);
            continue;
        }
        c->fd = fd;
        c->id = id;
        c->doomed = false;
        c->in_len = 0;
        memset(&c->out, 0, sizeof(c->out));
        c->out.max = XS_RELAY_OUT_MAX;
        r->nclients++;
    }
}

/* Hand every whole message in c->in to the mux. */
static void client_parse(struct relay *r, struct client *c)
{
    size_t pos = 0;

    /* Each pass consumes at least one 16-byte header. */
    while (!c->doomed && c->in_len - pos >= XSW_HDR_SIZE) {
        struct xsw_msg_hdr hdr;

        memcpy(&hdr, c->in + pos, sizeof(hdr));
        if (hdr.len > XSW_PAYLOAD_MAX) {
            doom(r, c, "request longer than 4096 bytes");
            return;
        }
        if (c->in_len - pos < XSW_HDR_SIZE + hdr.len)
            break;
        if (xs_mux_client_request(r->mux, c->id, &hdr,
                                  c->in + pos + XSW_HDR_SIZE) < 0) {
            doom(r, c, strerror(errno));
            return;
        }
        pos += XSW_HDR_SIZE + hdr.len;
    }
    if (pos) {
        memmove(c->in, c->in + pos, c->in_len - pos);
        c->in_len -= pos;
    }
}

static void client_read(struct relay *r, struct client *c)
{
    ssize_t n = read(c->fd, c->in + c->in_len, CLIENT_IN_MAX - c->in_len);

    if (n == 0) {
        doom(r, c, NULL);
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            doom(r, c, strerror(errno));
        return;
    }
    c->in_len += (size_t)n;
    client_parse(r, c);
}

static void client_flush(struct relay *r, struct client *c)
{
    for (unsigned n = 0; n < WRITES_PER_FLUSH && c->out.len && !c->doomed;
         n++) {
        ssize_t w = send(c->fd, c->out.data + c->out.head, c->out.len,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno != EINTR)
                doom(r, c, strerror(errno));
            continue;
        }
        bytes_take(&c->out, (size_t)w);
    }
}

static void flush_all(struct relay *r)
{
    for (unsigned i = 0; i < r->cfg->max_clients; i++) {
        struct client *c = &r->clients[i];
        if (c->fd >= 0 && c->out.len && !c->doomed)
            client_flush(r, c);
    }
}

/* ---- the loop --------------------------------------------------------- */

static bool relay_init(struct relay *r, const struct xs_relay_config *cfg)
{
    struct xs_mux_limits lim;
    struct xs_mux_sink sink = { sink_ring, sink_client, r };
    size_t per_client;
    int fl;

    memset(r, 0, sizeof(*r));
    r->cfg = cfg;
    r->ring = cfg->ring;
    r->evfd = xenevtchn_fd(cfg->xce);
    if (r->evfd < 0) {
        logmsg("xenevtchn_fd: %s", strerror(errno));
        return false;
    }
    fl = fcntl(cfg->listen_fd, F_GETFL);
    if (fl < 0 || fcntl(cfg->listen_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        logmsg("listen_fd: %s", strerror(errno));
        return false;
    }
    r->clients = calloc(cfg->max_clients, sizeof(*r->clients));
    if (!r->clients) {
        logmsg("setup: %s", strerror(ENOMEM));
        return false;
    }
    for (unsigned i = 0; i < cfg->max_clients; i++)
        r->clients[i].fd = -1;
    xs_mux_default_limits(&lim, cfg->max_clients);
    r->mux = xs_mux_create(&lim, &sink);
    r->pfd = calloc((size_t)cfg->max_clients + 3, sizeof(*r->pfd));
    if (!r->mux || !r->pfd) {
        logmsg("setup: %s", strerror(errno ? errno : ENOMEM));
        return false;
    }
    /*
     * Hard bound on the request queue.  Past XS_RELAY_QUEUE_SOFT no client
     * is read and none accepted, so growth from then on is at most, per
     * client slot: the read-ahead already buffered, plus the cleanup for
     * its transactions and watches, plus one cleanup per request it had
     * in flight (a reply for a client that left).
     */
    per_client = CLIENT_IN_MAX +
                 ((size_t)lim.max_transactions + lim.max_watches +
                  lim.max_inflight) * XSW_MSG_MAX;
    r->queue.max = XS_RELAY_QUEUE_SOFT + 2 * per_client * cfg->max_clients;
    return true;
}

static void relay_fini(struct relay *r)
{
    if (r->mux) {
        const struct xs_mux_stats *st = xs_mux_get_stats(r->mux);
        logmsg("stopping: forwarded %llu, refused %llu, replies %llu, "
               "events %llu (dropped %llu), cleanups %llu, swallowed %llu, "
               "unknown replies %llu, bad replies %llu",
               (unsigned long long)st->forwarded,
               (unsigned long long)st->local_errors,
               (unsigned long long)st->replies,
               (unsigned long long)st->events,
               (unsigned long long)st->dropped_events,
               (unsigned long long)st->cleanups,
               (unsigned long long)st->swallowed,
               (unsigned long long)st->unknown_replies,
               (unsigned long long)st->bad_replies);
    }
    if (r->clients) {
        for (unsigned i = 0; i < r->cfg->max_clients; i++) {
            struct client *c = &r->clients[i];
            if (c->fd >= 0) {
                close(c->fd);
                free(c->in);
                bytes_free(&c->out);
            }
        }
    }
    xs_mux_destroy(r->mux);
    bytes_free(&r->queue);
    free(r->clients);
    free(r->pfd);
}

/* Fill the poll set; *map gets the client slot of each client entry. */
static nfds_t build_poll(struct relay *r, unsigned *map)
{
    bool open = r->queue.len < XS_RELAY_QUEUE_SOFT;
    nfds_t n = 0;

    r->pfd[n++] = (struct pollfd){ .fd = r->cfg->stop_fd, .events = POLLIN };
    r->pfd[n++] = (struct pollfd){ .fd = r->evfd, .events = POLLIN };
    r->pfd[n++] = (struct pollfd){
        .fd = (open && !r->accept_paused) ? r->cfg->listen_fd : -1,
        .events = POLLIN };
    for (unsigned i = 0; i < r->cfg->max_clients; i++) {
        struct client *c = &r->clients[i];
        short ev = 0;

        if (c->fd < 0 || c->doomed)
            continue;
        if (open)
            ev |= POLLIN;
        if (c->out.len)
            ev |= POLLOUT;
        map[n] = i;
        r->pfd[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
    }
    return n;
}

static void handle_poll(struct relay *r, nfds_t n, const unsigned *map)
{
    if (r->pfd[1].revents & POLLIN)
        evtchn_ack(r);
    else if (r->pfd[1].revents & (POLLHUP | POLLERR | POLLNVAL))
        set_fatal(r, EPIPE, "event channel fd");
    if (r->pfd[2].revents & POLLNVAL)
        set_fatal(r, EBADF, "listen_fd");
    for (nfds_t k = 3; k < n && !r->fatal; k++) {
        struct client *c = &r->clients[map[k]];
        short rev = r->pfd[k].revents;

        /* POLLIN is only asked for below the queue's soft bound; a
         * hang-up reported without it drops the client unread. */
        if (rev & POLLNVAL)
            doom(r, c, "invalid fd");
        else if (rev & POLLIN)
            client_read(r, c);
        else if (rev & (POLLHUP | POLLERR))
            doom(r, c, NULL);
        if ((rev & POLLOUT) && !c->doomed)
            client_flush(r, c);
    }
    if (!r->fatal && (r->pfd[2].revents & POLLIN))
        client_accept(r);
}

int xs_relay_serve(const struct xs_relay_config *cfg)
{
    struct relay r;
    unsigned *map = NULL;
    bool busy = true;
    int ret = -1, err = EINVAL;

    if (!cfg || !cfg->ring || !cfg->xce || cfg->listen_fd < 0 ||
        cfg->stop_fd < 0 || cfg->max_clients < 1 ||
        cfg->max_clients > XS_MUX_MAX_CLIENTS) {
        logmsg("bad configuration");
        errno = EINVAL;
        return -1;
    }
    if (!relay_init(&r, cfg)) {
        err = errno ? errno : EIO;
        goto out;
    }
    map = calloc((size_t)cfg->max_clients + 3, sizeof(*map));
    if (!map) {
        err = ENOMEM;
        goto out;
    }

    while (!r.fatal) {
        nfds_t n;
        int rc;

        /* Settle: drop doomed clients (their cleanup joins the queue),
         * move ring traffic, push replies out.  Repeat while that made
         * progress, a bounded number of times; if still busy, poll
         * without sleeping. */
        busy = false;
        for (unsigned round = 0; round < ROUNDS_PER_WAKE && !r.fatal;
             round++) {
            bool progress = sweep(&r);
            progress |= ring_service(&r);
            flush_all(&r);
            busy = progress || r.doomed_any;
            if (!busy)
                break;
        }
        if (r.fatal)
            break;

        n = build_poll(&r, map);
        rc = poll(r.pfd, n, busy ? 0 : -1);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            set_fatal(&r, errno, "poll");
            break;
        }
        if (r.pfd[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
            ret = 0;
            break;
        }
        if (rc > 0)
            handle_poll(&r, n, map);
    }
    if (ret != 0)
        err = r.fatal ? r.fatal : EIO;
out:
    free(map);
    relay_fini(&r);
    if (ret != 0)
        errno = err;
    return ret;
}
