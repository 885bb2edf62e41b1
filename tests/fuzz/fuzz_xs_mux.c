/*
 * libFuzzer target: the guest xenstore relay's multiplexer (xs_mux.c), which
 * parses messages from the relay's clients and from xenstored's side of the
 * ring.  The input is a script of operations: add or drop a client, a
 * client request, a ring message that answers one of the requests the mux
 * forwarded (so replies, transaction ids and watch tokens line up often
 * enough to reach deep states), or a ring message made of raw bytes.
 * Invariants checked besides memory safety: the mux never forwards more than
 * it was given, never delivers to a client it does not have, and every
 * header it emits carries a length within the wire limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xensim/relay/xs_mux.h"

#define MAX_TRACKED 256

struct fuzz_state {
    uint32_t forwarded_ids[MAX_TRACKED];
    unsigned nr_forwarded;
    uint32_t clients[64];
    unsigned nr_clients;
};

static void to_ring(void *ctx, const struct xsw_msg_hdr *hdr, const void *payload)
{
    struct fuzz_state *s = ctx;
    if (hdr->len > XSW_PAYLOAD_MAX || (hdr->len && !payload))
        abort();
    s->forwarded_ids[s->nr_forwarded++ % MAX_TRACKED] = hdr->req_id;
}

static void to_client(void *ctx, uint32_t id, const struct xsw_msg_hdr *hdr, const void *payload)
{
    struct fuzz_state *s = ctx;
    if (hdr->len > XSW_PAYLOAD_MAX || (hdr->len && !payload))
        abort();
    for (unsigned i = 0; i < s->nr_clients; i++)
        if (s->clients[i] == id)
            return;
    abort();                          /* delivered to a client it does not have */
}

struct reader {
    const uint8_t *p;
    size_t left;
};

static int take(struct reader *r, void *out, size_t n)
{
    if (r->left < n)
        return -1;
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t payload[XSW_PAYLOAD_MAX + 64];
    struct fuzz_state s = { .nr_forwarded = 0 };
    struct xs_mux_limits lim;
    xs_mux_default_limits(&lim, 8);
    lim.max_inflight = 4;
    lim.max_transactions = 2;
    lim.max_watches = 3;
    struct xs_mux_sink sink = { to_ring, to_client, &s };
    struct xs_mux *mux = xs_mux_create(&lim, &sink);
    if (!mux)
        return 0;
    struct reader r = { data, size };
    uint8_t op;
    while (take(&r, &op, 1) == 0) {
        uint8_t pick = 0, type = 0;
        uint16_t len = 0;
        struct xsw_msg_hdr hdr;
        switch (op % 5) {
        case 0:
            if (s.nr_clients < 64 && xs_mux_client_add(mux, &s.clients[s.nr_clients]) == 0)
                s.nr_clients++;
            break;
        case 1:
            if (take(&r, &pick, 1) == 0 && s.nr_clients) {
                unsigned i = pick % s.nr_clients;
                xs_mux_client_drop(mux, s.clients[i]);
                s.clients[i] = s.clients[--s.nr_clients];
            }
            break;
        case 2: /* a client request */
        case 3: /* a reply to a forwarded request */
            if (take(&r, &pick, 1) < 0 || take(&r, &type, 1) < 0 || take(&r, &len, 2) < 0)
                goto out;
            memset(&hdr, 0, sizeof(hdr));
            hdr.type = type % 24;
            hdr.len = len % (XSW_PAYLOAD_MAX + 16);
            if (take(&r, &hdr.tx_id, 1) < 0)   /* small tx ids collide more */
                goto out;
            if (hdr.len > r.left)
                hdr.len = (uint32_t)r.left;
            memcpy(payload, r.p, hdr.len);
            r.p += hdr.len;
            r.left -= hdr.len;
            if (op % 5 == 2) {
                if (!s.nr_clients)
                    break;
                hdr.req_id = pick;
                xs_mux_client_request(mux, s.clients[pick % s.nr_clients], &hdr, payload);
            } else {
                unsigned n = s.nr_forwarded < MAX_TRACKED ? s.nr_forwarded : MAX_TRACKED;
                hdr.req_id = n ? s.forwarded_ids[pick % n] : pick;
                xs_mux_ring_message(mux, &hdr, payload);
            }
            break;
        case 4: /* raw bytes as a ring message header + payload */
            if (take(&r, &hdr, sizeof(hdr)) < 0)
                goto out;
            if (hdr.len > XSW_PAYLOAD_MAX)
                hdr.len = XSW_PAYLOAD_MAX;    /* the relay rejects longer ones before the mux */
            if (hdr.len > r.left)
                hdr.len = (uint32_t)r.left;
            memcpy(payload, r.p, hdr.len);
            r.p += hdr.len;
            r.left -= hdr.len;
            xs_mux_ring_message(mux, &hdr, payload);
            break;
        }
    }
out:
    xs_mux_destroy(mux);
    return 0;
}
