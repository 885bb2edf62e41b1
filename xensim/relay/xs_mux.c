/*
 * xs_mux.c - request/reply bookkeeping for the guest xenstore relay.
 * See xs_mux.h for the rules it applies.
 */
#include "xensim/relay/xs_mux.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A watch a client holds: its own "path\0token\0", as it sent it. */
struct mux_watch {
    char    *spec;
    uint32_t len;
};

struct mux_client {
    uint32_t          id;             /* 0: free slot */
    uint32_t         *tx;             /* owned transaction ids */
    unsigned          ntx;
    struct mux_watch *watches;
    unsigned          nwatches;
    unsigned          inflight;       /* its requests on the ring */
    unsigned          starts;         /* TRANSACTION_START among them */
    unsigned          watch_adds;     /* XS_WATCH among them */
};

/* One request on the ring, waiting for its reply. */
struct mux_pending {
    struct mux_pending *next;
    uint32_t relay_id;    /* req_id used on the ring */
    uint32_t client;      /* who asked; 0 for a cleanup request */
    uint32_t req_id;      /* the client's own req_id */
    uint32_t type;
    uint32_t tx_id;
    uint32_t spec_len;    /* WATCH / UNWATCH: the client's payload */
    char    *spec;
};

struct xs_mux {
    struct xs_mux_limits lim;
    struct xs_mux_sink   sink;
    struct mux_client   *clients;     /* lim.max_clients slots */
    unsigned             nclients;
    struct mux_pending  *head, *tail; /* in the order they were sent */
    unsigned             npending;
    unsigned             nclient_pending; /* those with client != 0 */
    unsigned             pending_cap;     /* bound on nclient_pending */
    uint32_t             next_client_id;
    bool                 client_ids_wrapped;
    uint32_t             next_relay_id;
    bool                 relay_ids_wrapped;
    struct xs_mux_stats  stats;
};

/* ---- small helpers ---------------------------------------------------- */

static struct mux_client *client_find(struct xs_mux *mux, uint32_t id)
{
    if (id == 0)
        return NULL;
    for (unsigned i = 0; i < mux->lim.max_clients; i++)
        if (mux->clients[i].id == id)
            return &mux->clients[i];
    return NULL;
}

static bool tx_owned(const struct mux_client *c, uint32_t tx)
{
    for (unsigned i = 0; i < c->ntx; i++)
        if (c->tx[i] == tx)
            return true;
    return false;
}

static void tx_forget(struct mux_client *c, uint32_t tx)
{
    for (unsigned i = 0; i < c->ntx; i++) {
        if (c->tx[i] == tx) {
            c->tx[i] = c->tx[--c->ntx];
            return;
        }
    }
}

/*
 * `p` (len bytes) is exactly two NUL-terminated strings.  On success
 * *second is the offset of the second one.
 */
static bool split_two(const char *p, uint32_t len, uint32_t *second)
{
    const char *nul1, *nul2;
    uint32_t off;

    if (len < 2)
        return false;
    nul1 = memchr(p, '\0', len);
    if (!nul1)
        return false;
    off = (uint32_t)(nul1 - p) + 1;
    if (off >= len)
        return false;
    nul2 = memchr(p + off, '\0', len - off);
    if (!nul2 || (uint32_t)(nul2 - p) != len - 1)
        return false;
    *second = off;
    return true;
}

static int watch_find(const struct mux_client *c, const char *spec,
                      uint32_t len)
{
    for (unsigned i = 0; i < c->nwatches; i++)
        if (c->watches[i].len == len && !memcmp(c->watches[i].spec, spec, len))
            return (int)i;
    return -1;
}

/* Does the token of a "path\0token\0" spec equal tok (tlen bytes)? */
static bool spec_token_is(const char *spec, uint32_t len, const char *tok,
                          size_t tlen)
{
    uint32_t off;

    if (!split_two(spec, len, &off))
        return false;
    return len - off - 1 == tlen && !memcmp(spec + off, tok, tlen);
}

/*
 * Rewrite a client's "path\0token\0" into "path\0<id>/token\0" in out
 * (XSW_PAYLOAD_MAX bytes).  Returns the new length, 0 if it does not fit.
 * The spec must already have passed split_two().
 */
static uint32_t spec_to_relay(uint32_t id, const char *spec, uint32_t len,
                              uint32_t second, char *out)
{
    char prefix[16];
    int n = snprintf(prefix, sizeof(prefix), "%u/", (unsigned)id);
    uint32_t tlen = len - second;         /* token with its NUL */

    if (n <= 0 || (size_t)n >= sizeof(prefix))
        return 0;
    if ((uint64_t)second + (uint32_t)n + tlen > XSW_PAYLOAD_MAX)
        return 0;
    memcpy(out, spec, second);
    memcpy(out + second, prefix, (size_t)n);
    memcpy(out + second + (uint32_t)n, spec + second, tlen);
    return second + (uint32_t)n + tlen;
}

/*
 * Parse the "<id>/" prefix of a relay token (tlen bytes, no NUL needed).
 * Returns the prefix length and sets *id, or 0 if there is no valid prefix.
 * Strict: 1..10 digits, no leading zero, value 1..UINT32_MAX, then '/'.
 */
static size_t token_prefix(const char *tok, size_t tlen, uint32_t *id)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < tlen && i < 11; i++) {
        char ch = tok[i];
        if (ch == '/')
            break;
        if (ch < '0' || ch > '9')
            return 0;
        if (i == 0 && ch == '0')
            return 0;
        v = v * 10 + (uint64_t)(ch - '0');
    }
    if (i == 0 || i >= tlen || tok[i] != '/' || v == 0 || v > UINT32_MAX)
        return 0;
    *id = (uint32_t)v;
    return i + 1;
}

/* Strict decimal transaction id: "123" plus optional trailing NUL. */
static bool parse_tx_id(const char *p, uint32_t len, uint32_t *tx)
{
    uint64_t v = 0;
    uint32_t n = len;

    if (n > 0 && p[n - 1] == '\0')
        n--;
    if (n == 0 || n > 10)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (v == 0 || v > UINT32_MAX)
        return false;
    *tx = (uint32_t)v;
    return true;
}

static bool relay_id_busy(const struct xs_mux *mux, uint32_t rid)
{
    for (const struct mux_pending *p = mux->head; p; p = p->next)
        if (p->relay_id == rid)
            return true;
    return false;
}

/* A req_id not used by anything in flight.  At most npending + 2 tries. */
static uint32_t relay_id_next(struct xs_mux *mux)
{
    for (unsigned tries = 0; tries < mux->npending + 2; tries++) {
        uint32_t rid = mux->next_relay_id++;
        if (mux->next_relay_id == 0) {
            mux->next_relay_id = 1;
            mux->relay_ids_wrapped = true;
        }
        if (rid == 0)
            continue;
        if (!mux->relay_ids_wrapped || !relay_id_busy(mux, rid))
            return rid;
    }
    return 0;   /* unreachable: npending + 1 candidates cannot all be busy */
}

static bool client_id_busy(const struct xs_mux *mux, uint32_t id)
{
    for (unsigned i = 0; i < mux->lim.max_clients; i++)
        if (mux->clients[i].id == id)
            return true;
    for (const struct mux_pending *p = mux->head; p; p = p->next)
        if (p->client == id)
            return true;
    return false;
}

/* ---- output ----------------------------------------------------------- */

static void send_ring(struct xs_mux *mux, uint32_t type, uint32_t rid,
                      uint32_t tx, const void *payload, uint32_t len)
{
    struct xsw_msg_hdr h = { .type = type, .req_id = rid, .tx_id = tx,
                             .len = len };
    mux->sink.to_ring(mux->sink.ctx, &h, payload);
}

static void send_client(struct xs_mux *mux, uint32_t id, uint32_t type,
                        uint32_t req_id, uint32_t tx, const void *payload,
                        uint32_t len)
{
    struct xsw_msg_hdr h = { .type = type, .req_id = req_id, .tx_id = tx,
                             .len = len };
    mux->sink.to_client(mux->sink.ctx, id, &h, payload);
}

static void local_error(struct xs_mux *mux, uint32_t id,
                        const struct xsw_msg_hdr *req, const char *err)
{
    mux->stats.local_errors++;
    send_client(mux, id, XSW_ERROR, req->req_id, req->tx_id, err,
                (uint32_t)strlen(err) + 1);
}

/*
 * Record a request and put it on the ring.  Takes ownership of spec (may
 * be NULL).  Returns false (and frees spec) only when out of memory.
 */
static bool issue(struct xs_mux *mux, uint32_t client, uint32_t req_id,
                  uint32_t type, uint32_t tx, char *spec, uint32_t spec_len,
                  const void *payload, uint32_t len)
{
    struct mux_pending *p = calloc(1, sizeof(*p));

    if (!p) {
        free(spec);
        return false;
    }
    p->relay_id = relay_id_next(mux);
    p->client = client;
    p->req_id = req_id;
    p->type = type;
    p->tx_id = tx;
    p->spec = spec;
    p->spec_len = spec_len;
    if (mux->tail)
        mux->tail->next = p;
    else
        mux->head = p;
    mux->tail = p;
    mux->npending++;
    if (client)
        mux->nclient_pending++;
    send_ring(mux, type, p->relay_id, tx, payload, len);
    return true;
}

/* Requests made on behalf of nobody: their replies are swallowed. */
static void cleanup_end(struct xs_mux *mux, uint32_t tx)
{
    if (issue(mux, 0, 0, XSW_TRANSACTION_END, tx, NULL, 0, "F", 2))
        mux->stats.cleanups++;
}

static void cleanup_unwatch(struct xs_mux *mux, uint32_t id, const char *spec,
                            uint32_t len)
{
    char out[XSW_PAYLOAD_MAX];
    uint32_t second, n;

    if (!split_two(spec, len, &second))
        return;
    n = spec_to_relay(id, spec, len, second, out);
    if (n && issue(mux, 0, 0, XSW_UNWATCH, 0, NULL, 0, out, n))
        mux->stats.cleanups++;
}

/* ---- lifecycle -------------------------------------------------------- */

void xs_mux_default_limits(struct xs_mux_limits *lim, unsigned max_clients)
{
    lim->max_clients = max_clients;
    lim->max_inflight = XS_MUX_DEFAULT_INFLIGHT;
    lim->max_transactions = XS_MUX_DEFAULT_TRANSACTIONS;
    lim->max_watches = XS_MUX_DEFAULT_WATCHES;
}

static bool limit_ok(unsigned v)
{
    return v >= 1 && v <= XS_MUX_MAX_PER_CLIENT;
}

struct xs_mux *xs_mux_create(const struct xs_mux_limits *lim,
                             const struct xs_mux_sink *sink)
{
    struct xs_mux *mux;

    if (!lim || !sink || !sink->to_ring || !sink->to_client ||
        lim->max_clients < 1 || lim->max_clients > XS_MUX_MAX_CLIENTS ||
        !limit_ok(lim->max_inflight) || !limit_ok(lim->max_transactions) ||
        !limit_ok(lim->max_watches)) {
        errno = EINVAL;
        return NULL;
    }
    mux = calloc(1, sizeof(*mux));
    if (!mux)
        return NULL;
    mux->lim = *lim;
    mux->sink = *sink;
    mux->clients = calloc(lim->max_clients, sizeof(*mux->clients));
    if (!mux->clients) {
        free(mux);
        return NULL;
    }
    mux->pending_cap = lim->max_clients * lim->max_inflight;
    mux->next_client_id = 1;
    mux->next_relay_id = 1;
    return mux;
}

static void client_release(struct mux_client *c)
{
    for (unsigned i = 0; i < c->nwatches; i++)
        free(c->watches[i].spec);
    free(c->watches);
    free(c->tx);
    memset(c, 0, sizeof(*c));
}

void xs_mux_destroy(struct xs_mux *mux)
{
    struct mux_pending *p, *next;

    if (!mux)
        return;
    for (unsigned i = 0; i < mux->lim.max_clients; i++)
        if (mux->clients[i].id)
            client_release(&mux->clients[i]);
    for (p = mux->head; p; p = next) {
        next = p->next;
        free(p->spec);
        free(p);
    }
    free(mux->clients);
    free(mux);
}

int xs_mux_client_add(struct xs_mux *mux, uint32_t *id)
{
    struct mux_client *slot = NULL;
    uint32_t nid = 0;

    for (unsigned i = 0; i < mux->lim.max_clients && !slot; i++)
        if (mux->clients[i].id == 0)
            slot = &mux->clients[i];
    if (!slot) {
        errno = ENOSPC;
        return -1;
    }
    /* Each candidate rejected is held by a live client or a pending
     * request, so max_clients + npending + 2 candidates always suffice. */
    for (unsigned tries = 0;
         tries < mux->lim.max_clients + mux->npending + 2; tries++) {
        uint32_t cand = mux->next_client_id++;
        if (mux->next_client_id == 0) {
            mux->next_client_id = 1;
            mux->client_ids_wrapped = true;
        }
        if (cand == 0)
            continue;
        if (!mux->client_ids_wrapped || !client_id_busy(mux, cand)) {
            nid = cand;
            break;
        }
    }
    if (nid == 0) {
        errno = ENOSPC;
        return -1;
    }
    slot->tx = calloc(mux->lim.max_transactions, sizeof(*slot->tx));
    slot->watches = calloc(mux->lim.max_watches, sizeof(*slot->watches));
    if (!slot->tx || !slot->watches) {
        free(slot->tx);
        free(slot->watches);
        slot->tx = NULL;
        slot->watches = NULL;
        errno = ENOMEM;
        return -1;
    }
    slot->id = nid;
    mux->nclients++;
    *id = nid;
    return 0;
}

/* Has client `id` got a request of `type` in flight matching tx / spec? */
static bool in_flight(const struct xs_mux *mux, uint32_t id, uint32_t type,
                      uint32_t tx, const char *spec, uint32_t len)
{
    for (const struct mux_pending *p = mux->head; p; p = p->next) {
        if (p->client != id || p->type != type)
            continue;
        if (type == XSW_TRANSACTION_END && p->tx_id == tx)
            return true;
        if (type == XSW_UNWATCH && p->spec_len == len &&
            !memcmp(p->spec, spec, len))
            return true;
    }
    return false;
}

int xs_mux_client_drop(struct xs_mux *mux, uint32_t id)
{
    struct mux_client *c = client_find(mux, id);

    if (!c) {
        errno = ENOENT;
        return -1;
    }
    /* An END or UNWATCH already in flight does the job for its target. */
    for (unsigned i = 0; i < c->ntx; i++)
        if (!in_flight(mux, id, XSW_TRANSACTION_END, c->tx[i], NULL, 0))
            cleanup_end(mux, c->tx[i]);
    for (unsigned i = 0; i < c->nwatches; i++) {
        const struct mux_watch *w = &c->watches[i];
        if (!in_flight(mux, id, XSW_UNWATCH, 0, w->spec, w->len))
            cleanup_unwatch(mux, id, w->spec, w->len);
    }
    client_release(c);
    mux->nclients--;
    return 0;
}

/* ---- client -> ring ----------------------------------------------------- */

static bool type_forwardable(uint32_t type)
{
    switch (type) {
    case XSW_CONTROL:
    case XSW_DIRECTORY:
    case XSW_READ:
    case XSW_GET_PERMS:
    case XSW_WATCH:
    case XSW_UNWATCH:
    case XSW_TRANSACTION_START:
    case XSW_TRANSACTION_END:
    case XSW_INTRODUCE:
    case XSW_RELEASE:
    case XSW_GET_DOMAIN_PATH:
    case XSW_WRITE:
    case XSW_MKDIR:
    case XSW_RM:
    case XSW_SET_PERMS:
    case XSW_IS_DOMAIN_INTRODUCED:
    case XSW_RESUME:
    case XSW_SET_TARGET:
    case XSW_DIRECTORY_PART:
        return true;
    default:    /* WATCH_EVENT, ERROR, RESET_WATCHES, unknown */
        return false;
    }
}

static int request_watch(struct xs_mux *mux, struct mux_client *c,
                         const struct xsw_msg_hdr *hdr, const char *payload)
{
    char out[XSW_PAYLOAD_MAX];
    uint32_t second, n;
    char *spec;

    if (!split_two(payload, hdr->len, &second)) {
        local_error(mux, c->id, hdr, "EINVAL");
        return 0;
    }
    if (hdr->type == XSW_WATCH &&
        c->nwatches + c->watch_adds >= mux->lim.max_watches) {
        local_error(mux, c->id, hdr, "E2BIG");
        return 0;
    }
    n = spec_to_relay(c->id, payload, hdr->len, second, out);
    if (n == 0) {
        local_error(mux, c->id, hdr, "E2BIG");
        return 0;
    }
    spec = malloc(hdr->len);
    if (!spec) {
        local_error(mux, c->id, hdr, "ENOMEM");
        return 0;
    }
    memcpy(spec, payload, hdr->len);
    if (!issue(mux, c->id, hdr->req_id, hdr->type, hdr->tx_id, spec,
               hdr->len, out, n)) {
        local_error(mux, c->id, hdr, "ENOMEM");
        return 0;
    }
    c->inflight++;
    if (hdr->type == XSW_WATCH)
        c->watch_adds++;
    mux->stats.forwarded++;
    return 0;
}

int xs_mux_client_request(struct xs_mux *mux, uint32_t id,
                          const struct xsw_msg_hdr *hdr, const void *payload)
{
    struct mux_client *c = client_find(mux, id);
    const char *body = payload;

    if (!c) {
        errno = ENOENT;
        return -1;
    }
    if (hdr->len > XSW_PAYLOAD_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    if (!type_forwardable(hdr->type)) {
        local_error(mux, id, hdr, "EINVAL");
        return 0;
    }
    if (hdr->tx_id != 0 && !tx_owned(c, hdr->tx_id)) {
        local_error(mux, id, hdr, "ENOENT");
        return 0;
    }
    if (c->inflight >= mux->lim.max_inflight ||
        mux->nclient_pending >= mux->pending_cap) {
        local_error(mux, id, hdr, "EBUSY");
        return 0;
    }

    switch (hdr->type) {
    case XSW_WATCH:
    case XSW_UNWATCH:
        return request_watch(mux, c, hdr, body);
    case XSW_TRANSACTION_START:
        if (c->ntx + c->starts >= mux->lim.max_transactions) {
            local_error(mux, id, hdr, "ENOSPC");
            return 0;
        }
        break;
    case XSW_TRANSACTION_END:
        if (hdr->len != 2 || body[1] != '\0' ||
            (body[0] != 'T' && body[0] != 'F')) {
            local_error(mux, id, hdr, "EINVAL");
            return 0;
        }
        break;
    default:
        break;
    }

    if (!issue(mux, id, hdr->req_id, hdr->type, hdr->tx_id, NULL, 0,
               payload, hdr->len)) {
        local_error(mux, id, hdr, "ENOMEM");
        return 0;
    }
    c->inflight++;
    if (hdr->type == XSW_TRANSACTION_START)
        c->starts++;
    mux->stats.forwarded++;
    return 0;
}

/* ---- ring -> client ----------------------------------------------------- */

static void route_event(struct xs_mux *mux, const struct xsw_msg_hdr *hdr,
                        const char *payload)
{
    char out[XSW_PAYLOAD_MAX];
    const char *nul1, *tok, *nul2;
    size_t tlen, plen, skip;
    struct mux_client *c;
    uint32_t id = 0;
    bool owned = false;

    nul1 = memchr(payload, '\0', hdr->len);
    if (!nul1)
        goto drop;
    plen = (size_t)(nul1 - payload) + 1;          /* path with its NUL */
    tok = nul1 + 1;
    nul2 = memchr(tok, '\0', hdr->len - plen);
    if (!nul2)
        goto drop;
    tlen = (size_t)(nul2 - tok);
    skip = token_prefix(tok, tlen, &id);
    if (skip == 0)
        goto drop;
    c = client_find(mux, id);
    if (!c)
        goto drop;
    /* The client must hold, or be registering, a watch with this token. */
    for (unsigned i = 0; i < c->nwatches && !owned; i++)
        owned = spec_token_is(c->watches[i].spec, c->watches[i].len,
                              tok + skip, tlen - skip);
    for (const struct mux_pending *p = mux->head; p && !owned; p = p->next)
        owned = p->client == id && p->type == XSW_WATCH &&
                spec_token_is(p->spec, p->spec_len, tok + skip, tlen - skip);
    if (!owned)
        goto drop;

    /* path, then the token minus its prefix, then whatever followed. */
    memcpy(out, payload, plen);
    memcpy(out + plen, tok + skip, hdr->len - plen - skip);
    mux->stats.events++;
    send_client(mux, id, XSW_WATCH_EVENT, 0, 0, out,
                hdr->len - (uint32_t)skip);
    return;
drop:
    mux->stats.dropped_events++;
}

/* Reply to a TRANSACTION_START: returns false if it must become EIO. */
static bool reply_start(struct xs_mux *mux, struct mux_client *c,
                        const struct xsw_msg_hdr *hdr, const char *payload)
{
    uint32_t tx;

    if (c)
        c->starts--;
    if (hdr->type == XSW_ERROR)
        return true;
    if (!parse_tx_id(payload, hdr->len, &tx)) {
        mux->stats.bad_replies++;
        return false;
    }
    if (!c)
        cleanup_end(mux, tx);               /* asker is gone: undo */
    else if (c->ntx < mux->lim.max_transactions && !tx_owned(c, tx))
        c->tx[c->ntx++] = tx;               /* room was reserved */
    return true;
}

static void reply_watch(struct xs_mux *mux, struct mux_client *c,
                        struct mux_pending *p, bool ok)
{
    int i;

    if (!c) {
        if (ok && p->type == XSW_WATCH)     /* asker is gone: undo */
            cleanup_unwatch(mux, p->client, p->spec, p->spec_len);
        return;
    }
    if (p->type == XSW_WATCH)
        c->watch_adds--;
    if (!ok)
        return;
    i = watch_find(c, p->spec, p->spec_len);
    if (p->type == XSW_WATCH && i < 0 && c->nwatches < mux->lim.max_watches) {
        /* The watch list takes over the pending record's copy. */
        c->watches[c->nwatches].spec = p->spec;
        c->watches[c->nwatches].len = p->spec_len;
        c->nwatches++;
        p->spec = NULL;
    } else if (p->type == XSW_UNWATCH && i >= 0) {
        free(c->watches[i].spec);
        c->watches[i] = c->watches[--c->nwatches];
    }
}

void xs_mux_ring_message(struct xs_mux *mux, const struct xsw_msg_hdr *hdr,
                         const void *payload)
{
    struct mux_pending *p, *prev = NULL;
    struct mux_client *c;
    bool ok, deliver = true;

    if (hdr->len > XSW_PAYLOAD_MAX) {
        mux->stats.bad_replies++;
        return;
    }
    if (hdr->type == XSW_WATCH_EVENT) {
        route_event(mux, hdr, payload);
        return;
    }
    for (p = mux->head; p; prev = p, p = p->next)
        if (p->relay_id == hdr->req_id)
            break;
    if (!p) {
        mux->stats.unknown_replies++;
        return;
    }
    if (prev)
        prev->next = p->next;
    else
        mux->head = p->next;
    if (mux->tail == p)
        mux->tail = prev;
    mux->npending--;
    if (p->client)
        mux->nclient_pending--;

    if (p->client == 0) {                  /* our own cleanup request */
        mux->stats.swallowed++;
        goto out;
    }
    c = client_find(mux, p->client);      /* NULL: the asker has gone */
    ok = hdr->type != XSW_ERROR;
    switch (p->type) {
    case XSW_TRANSACTION_START:
        deliver = reply_start(mux, c, hdr, payload);
        break;
    case XSW_TRANSACTION_END:
        /* xenstored consumes the transaction whatever the outcome. */
        if (c)
            tx_forget(c, p->tx_id);
        break;
    case XSW_WATCH:
    case XSW_UNWATCH:
        reply_watch(mux, c, p, ok);
        break;
    default:
        break;
    }
    if (!c) {
        mux->stats.swallowed++;
        goto out;
    }
    c->inflight--;
    mux->stats.replies++;
    if (deliver)
        send_client(mux, c->id, hdr->type, p->req_id, hdr->tx_id, payload,
                    hdr->len);
    else
        send_client(mux, c->id, XSW_ERROR, p->req_id, hdr->tx_id, "EIO", 4);
out:
    free(p->spec);
    free(p);
}

/* ---- inspection ------------------------------------------------------- */

const struct xs_mux_stats *xs_mux_get_stats(const struct xs_mux *mux)
{
    return &mux->stats;
}

unsigned xs_mux_client_count(const struct xs_mux *mux)
{
    return mux->nclients;
}

unsigned xs_mux_in_flight(const struct xs_mux *mux)
{
    return mux->npending;
}
