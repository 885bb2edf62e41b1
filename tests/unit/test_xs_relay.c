/*
 * test_xs_relay.c - the relay's I/O loop against a fake xenstored that
 * lives in a thread of this test and serves a private ring page.  The
 * xenevtchn calls the relay makes are defined here over two pipes.
 *
 * The fake server answers every request with an echo of its payload
 * (same type, same req_id), answers XS_WATCH with "OK" followed by one
 * event for the token, and publishes its replies in small pieces, so the
 * relay sees messages split at every possible place and across the wrap.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "xensim/relay/xs_relay.h"
#include "xensim/relay/xs_wire.h"

#define PORT 7u

/* ---- fake event channel ------------------------------------------------ */

struct xenevtchn_handle {
    int to_relay[2];    /* server -> relay notifications */
    int to_server[2];   /* relay -> server notifications */
};

int xenevtchn_fd(xenevtchn_handle *h)
{
    return h->to_relay[0];
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *h)
{
    uint32_t port;
    if (read(h->to_relay[0], &port, sizeof(port)) != sizeof(port))
        return -1;
    return (xenevtchn_port_or_error_t)port;
}

int xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
    (void)h;
    return port == PORT ? 0 : (errno = EINVAL, -1);
}

int xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
    uint32_t p = port;
    if (port != PORT) {
        errno = EINVAL;
        return -1;
    }
    /* A full pipe already holds a pending notification. */
    if (write(h->to_server[1], &p, sizeof(p)) < 0 && errno != EAGAIN)
        return -1;
    return 0;
}

/* ---- fake xenstored ---------------------------------------------------- */

struct server {
    struct xsw_ring_page *ring;
    xenevtchn_handle *xce;
    int stop;                       /* atomic */
    unsigned chunk;                 /* publish replies this many bytes at a time */
    char in[XSW_MSG_MAX];
    size_t in_len;
    uint32_t next_tx;
};

static void server_kick(struct server *s)
{
    uint32_t p = PORT;
    if (write(s->xce->to_relay[1], &p, sizeof(p)) < 0 && errno != EAGAIN)
        fail_msg("server notify: %s", strerror(errno));
}

/* Wait for a relay notification (or 5 ms). */
static void server_wait(struct server *s)
{
    struct pollfd p = { s->xce->to_server[0], POLLIN, 0 };
    uint32_t junk[64];

    if (poll(&p, 1, 5) > 0 &&
        read(s->xce->to_server[0], junk, sizeof(junk)) < 0 && errno != EAGAIN)
        fail_msg("server read: %s", strerror(errno));
}

/* Put one message on rsp[], `chunk` bytes per publication. */
static bool server_send(struct server *s, const struct xsw_msg_hdr *h,
                        const void *body)
{
    char msg[XSW_MSG_MAX];
    size_t len = XSW_HDR_SIZE + h->len, done = 0;

    memcpy(msg, h, XSW_HDR_SIZE);
    memcpy(msg + XSW_HDR_SIZE, body, h->len);
    while (done < len) {
        uint32_t cons = __atomic_load_n(&s->ring->rsp_cons, __ATOMIC_ACQUIRE);
        uint32_t prod = s->ring->rsp_prod;
        size_t n = len - done;

        if (__atomic_load_n(&s->stop, __ATOMIC_RELAXED))
            return false;
        if (prod - cons >= XSW_RING_SIZE) {
            server_wait(s);
            continue;
        }
        if (n > XSW_RING_SIZE - (prod - cons))
            n = XSW_RING_SIZE - (prod - cons);
        if (n > s->chunk)
            n = s->chunk;
        for (size_t i = 0; i < n; i++)
            s->ring->rsp[XSW_RING_MASK(prod + i)] = msg[done + i];
        /* Release: the bytes above before the index. */
        __atomic_store_n(&s->ring->rsp_prod, prod + (uint32_t)n,
                         __ATOMIC_RELEASE);
        done += n;
        server_kick(s);
    }
    return true;
}

static bool server_handle(struct server *s)
{
    struct xsw_msg_hdr h;
    char *body = s->in + XSW_HDR_SIZE;

    memcpy(&h, s->in, sizeof(h));
    if (h.type == XSW_TRANSACTION_START) {
        char num[16];
        int n = snprintf(num, sizeof(num), "%u", (unsigned)++s->next_tx);
        h.len = (uint32_t)n + 1;
        return server_send(s, &h, num);
    }
    if (h.type == XSW_WATCH) {
        struct xsw_msg_hdr ok = { XSW_WATCH, h.req_id, 0, 3 };
        struct xsw_msg_hdr ev = { XSW_WATCH_EVENT, 0, 0, h.len };
        return server_send(s, &ok, "OK") && server_send(s, &ev, body);
    }
    return server_send(s, &h, body);
}

static void *server_main(void *arg)
{
    struct server *s = arg;

    while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
        uint32_t prod = __atomic_load_n(&s->ring->req_prod, __ATOMIC_ACQUIRE);
        uint32_t cons = s->ring->req_cons;

        if (prod == cons) {
            server_wait(s);
            continue;
        }
        if (prod - cons > XSW_RING_SIZE)
            fail_msg("relay broke req indexes");
        while (cons != prod) {
            s->in[s->in_len++] = s->ring->req[XSW_RING_MASK(cons)];
            cons++;
            if (s->in_len >= XSW_HDR_SIZE) {
                struct xsw_msg_hdr h;
                memcpy(&h, s->in, sizeof(h));
                if (h.len > XSW_PAYLOAD_MAX)
                    fail_msg("relay sent an oversized message");
                if (s->in_len == XSW_HDR_SIZE + h.len) {
                    if (!server_handle(s))
                        return NULL;
                    s->in_len = 0;
                }
            }
        }
        /* Release: our reads of req[] before giving the space back. */
        __atomic_store_n(&s->ring->req_cons, cons, __ATOMIC_RELEASE);
        server_kick(s);
    }
    return NULL;
}

/* ---- fixture ------------------------------------------------------------ */

struct fixture {
    struct xsw_ring_page *ring;
    struct xenevtchn_handle xce;
    struct server srv;
    pthread_t srv_thread, relay_thread;
    int stop[2];
    int listen_fd;
    struct sockaddr_un addr;
    struct xs_relay_config cfg;
    int relay_rc;
};

static void *relay_main(void *arg)
{
    struct fixture *f = arg;
    f->relay_rc = xs_relay_serve(&f->cfg);
    return NULL;
}

static int setup_chunk(void **state, unsigned chunk, unsigned max_clients)
{
    struct fixture *f = calloc(1, sizeof(*f));
    static unsigned seq;

    assert_non_null(f);
    assert_int_equal(posix_memalign((void **)&f->ring, 4096, 4096), 0);
    memset(f->ring, 0, 4096);
    /* Start near the 32-bit wrap of the free-running indexes. */
    f->ring->req_cons = f->ring->req_prod = 0xfffffe00u;
    f->ring->rsp_cons = f->ring->rsp_prod = 0xffffff00u;
    assert_int_equal(pipe2(f->xce.to_relay, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(pipe2(f->xce.to_server, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(pipe2(f->stop, O_CLOEXEC), 0);

    f->addr.sun_family = AF_UNIX;
    snprintf(f->addr.sun_path, sizeof(f->addr.sun_path),
             "/tmp/test_xs_relay.%d.%u", (int)getpid(), seq++);
    unlink(f->addr.sun_path);
    f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(f->listen_fd >= 0);
    assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&f->addr,
                          sizeof(f->addr)), 0);
    assert_int_equal(listen(f->listen_fd, 64), 0);

    f->srv.ring = f->ring;
    f->srv.xce = &f->xce;
    f->srv.chunk = chunk;
    f->cfg = (struct xs_relay_config){ f->ring, &f->xce, PORT, f->listen_fd,
                                       f->stop[0], max_clients };
    assert_int_equal(pthread_create(&f->srv_thread, NULL, server_main,
                                    &f->srv), 0);
    assert_int_equal(pthread_create(&f->relay_thread, NULL, relay_main, f),
                     0);
    *state = f;
    return 0;
}

static int setup_small_chunks(void **state)
{
    return setup_chunk(state, 7, 16);
}

static int setup_big_chunks(void **state)
{
    return setup_chunk(state, 4096, 16);
}

static int setup_two_clients(void **state)
{
    return setup_chunk(state, 4096, 2);
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(write(f->stop[1], "x", 1), 1);
    pthread_join(f->relay_thread, NULL);
    assert_int_equal(f->relay_rc, 0);
    __atomic_store_n(&f->srv.stop, 1, __ATOMIC_RELAXED);
    pthread_join(f->srv_thread, NULL);
    close(f->listen_fd);
    unlink(f->addr.sun_path);
    close(f->stop[0]);
    close(f->stop[1]);
    close(f->xce.to_relay[0]);
    close(f->xce.to_relay[1]);
    close(f->xce.to_server[0]);
    close(f->xce.to_server[1]);
    free(f->ring);
    free(f);
    return 0;
}

/* ---- client helpers ----------------------------------------------------- */

static int client_open(struct fixture *f)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = { 5, 0 };

    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&f->addr,
                             sizeof(f->addr)), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* Send a message, `piece` bytes per write (0: all at once). */
static void client_send(int fd, uint32_t type, uint32_t req_id, uint32_t tx,
                        const void *body, uint32_t len, size_t piece)
{
    char msg[XSW_MSG_MAX + 16];
    struct xsw_msg_hdr h = { type, req_id, tx, len };
    size_t total = XSW_HDR_SIZE + len, done = 0;

    memcpy(msg, &h, sizeof(h));
    memcpy(msg + XSW_HDR_SIZE, body, len);
    if (piece == 0)
        piece = total;
    while (done < total) {
        size_t n = total - done < piece ? total - done : piece;
        ssize_t w = send(fd, msg + done, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        done += (size_t)w;
    }
}

static void read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r <= 0)
            fail_msg("client read: %zd %s", r, strerror(errno));
        got += (size_t)r;
    }
}

static struct xsw_msg_hdr client_recv(int fd, char *body)
{
    struct xsw_msg_hdr h;

    read_full(fd, &h, sizeof(h));
    assert_true(h.len <= XSW_PAYLOAD_MAX);
    read_full(fd, body, h.len);
    return h;
}

/* ---- tests -------------------------------------------------------------- */

static void test_echo_sizes(void **state)
{
    struct fixture *f = *state;
    static char body[XSW_PAYLOAD_MAX], got[XSW_PAYLOAD_MAX];
    int fd = client_open(f);

    for (uint32_t len = 0; len <= XSW_PAYLOAD_MAX; len += 97) {
        struct xsw_msg_hdr h;
        for (uint32_t i = 0; i < len; i++)
            body[i] = (char)(len + i);
        client_send(fd, XSW_READ, 1000 + len, 0, body, len, len % 3 ? 5 : 0);
        h = client_recv(fd, got);
        assert_int_equal(h.type, XSW_READ);
        assert_int_equal(h.req_id, 1000 + len);
        assert_int_equal(h.len, len);
        assert_memory_equal(got, body, len);
    }
    close(fd);
}

static void test_pipelined_clients(void **state)
{
    struct fixture *f = *state;
    enum { NC = 6, NREQ = 40 };
    int fd[NC];
    char body[600], got[XSW_PAYLOAD_MAX];

    for (int c = 0; c < NC; c++)
        fd[c] = client_open(f);
    /* Every client sends NREQ requests with the same req_ids, without
     * waiting; replies come back in order, each to its own client. */
    for (int i = 0; i < NREQ; i++) {
        for (int c = 0; c < NC; c++) {
            int n = snprintf(body, sizeof(body), "c%d-r%d-%0*d", c, i,
                             (i * 37) % 500, 0);
            client_send(fd[c], XSW_WRITE, (uint32_t)i, 0, body,
                        (uint32_t)n + 1, 0);
        }
    }
    for (int c = 0; c < NC; c++) {
        for (int i = 0; i < NREQ; i++) {
            struct xsw_msg_hdr h = client_recv(fd[c], got);
            int n = snprintf(body, sizeof(body), "c%d-r%d-%0*d", c, i,
                             (i * 37) % 500, 0);
            assert_int_equal(h.req_id, (uint32_t)i);
            assert_int_equal(h.len, (uint32_t)n + 1);
            assert_string_equal(got, body);
        }
        close(fd[c]);
    }
}

static void test_watch_and_tx(void **state)
{
    struct fixture *f = *state;
    int a = client_open(f), b = client_open(f);
    char got[XSW_PAYLOAD_MAX];
    struct xsw_msg_hdr h;
    uint32_t tx;

    client_send(a, XSW_WATCH, 1, 0, "/p\0tok", 7, 3);
    h = client_recv(a, got);
    assert_int_equal(h.type, XSW_WATCH);
    h = client_recv(a, got);
    assert_int_equal(h.type, XSW_WATCH_EVENT);
    assert_int_equal(h.len, 7);
    assert_memory_equal(got, "/p\0tok", 7);

    client_send(a, XSW_TRANSACTION_START, 2, 0, "", 1, 0);
    h = client_recv(a, got);
    assert_int_equal(h.type, XSW_TRANSACTION_START);
    tx = (uint32_t)strtoul(got, NULL, 10);
    client_send(b, XSW_READ, 3, tx, "/k", 3, 0);
    h = client_recv(b, got);
    assert_int_equal(h.type, XSW_ERROR);
    assert_string_equal(got, "ENOENT");
    client_send(a, XSW_READ, 4, tx, "/k", 3, 0);
    h = client_recv(a, got);
    assert_int_equal(h.type, XSW_READ);
    assert_int_equal(h.tx_id, tx);
    close(a);
    close(b);
}

static void test_oversized_request_drops_client(void **state)
{
    struct fixture *f = *state;
    int a = client_open(f), b = client_open(f);
    struct xsw_msg_hdr h = { XSW_WRITE, 1, 0, XSW_PAYLOAD_MAX + 1 };
    char got[XSW_PAYLOAD_MAX];

    assert_int_equal(send(a, &h, sizeof(h), MSG_NOSIGNAL), sizeof(h));
    assert_true(read(a, got, sizeof(got)) == 0);      /* dropped */
    client_send(b, XSW_READ, 9, 0, "/k", 3, 0);       /* b unaffected */
    h = client_recv(b, got);
    assert_int_equal(h.req_id, 9);
    close(a);
    close(b);
}

static void test_table_full_closes(void **state)
{
    struct fixture *f = *state;
    int a = client_open(f), b = client_open(f), c = client_open(f);
    char got[XSW_PAYLOAD_MAX];
    struct xsw_msg_hdr h;

    client_send(a, XSW_READ, 1, 0, "/k", 3, 0);
    h = client_recv(a, got);
    client_send(b, XSW_READ, 2, 0, "/k", 3, 0);
    h = client_recv(b, got);
    assert_int_equal(h.req_id, 2);
    assert_true(read(c, got, sizeof(got)) == 0);      /* third one refused */
    close(a);
    close(b);
    close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_sizes, setup_small_chunks,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_echo_sizes, setup_big_chunks,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_clients,
                                        setup_small_chunks, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_clients,
                                        setup_big_chunks, teardown),
        cmocka_unit_test_setup_teardown(test_watch_and_tx, setup_small_chunks,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oversized_request_drops_client,
                                        setup_big_chunks, teardown),
        cmocka_unit_test_setup_teardown(test_table_full_closes,
                                        setup_two_clients, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
