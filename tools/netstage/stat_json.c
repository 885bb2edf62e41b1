/*
 * netstage stat --json: one document,
 *   {"vifs":[{"role":"back","vif":"vif5.0",...,"queues":[{...,"counters":{...}}]}]}
 * with every counter under its stable name (ns_counters[]).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "tools/netstage/stat.h"

/* Length of the valid UTF-8 sequence at s, 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    /* Lead byte pattern, sequence length, smallest code point it may
     * encode (anything below is an overlong form). */
    static const struct { unsigned char mask, lead; size_t n; uint32_t min; } forms[] = {
        { 0xe0, 0xc0, 2, 0x80 }, { 0xf0, 0xe0, 3, 0x800 }, { 0xf8, 0xf0, 4, 0x10000 },
    };
    if (s[0] < 0x80)
        return 1;
    for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
        if ((s[0] & forms[f].mask) != forms[f].lead)
            continue;
        uint32_t cp = s[0] & (unsigned char)~forms[f].mask;
        for (size_t i = 1; i < forms[f].n; i++) {
            /* A NUL fails this test, so we never read past the string. */
            if ((s[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        bool ok = cp >= forms[f].min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
        return ok ? forms[f].n : 0;
    }
    return 0;
}

/* A JSON string.  JSON must be UTF-8, and names need not be: a byte that
 * is not part of valid UTF-8 becomes U+FFFD. */
static void put_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    while (*s) {
        size_t n = utf8_len(s);
        if (*s == '"' || *s == '\\') {
            fputc('\\', out);
            fputc(*s, out);
        } else if (*s < 0x20) {
            fprintf(out, "\\u%04x", *s);
        } else if (n == 0) {
            fputs("\\ufffd", out);
            n = 1;
        } else {
            fwrite(s, 1, n, out);
        }
        s += n;
    }
    fputc('"', out);
}

static const char *boolean(int v)
{
    return v ? "true" : "false";
}

static void put_queue(FILE *out, const struct ns_queue_info *info,
                      const struct ns_queue_stats *q)
{
    fprintf(out, "{\"tx_slot_len\":%u,\"rx_slot_len\":%u,\"data_ring_order\":%u,"
            "\"split_evtchn\":%s,\"counters\":{",
            info->tx_slot_len, info->rx_slot_len, info->data_ring_order,
            boolean(info->split_evtchn));
    for (size_t c = 0; c < NS_NR_COUNTERS; c++)
        fprintf(out, "%s\"%s\":%" PRIu64, c ? "," : "", ns_counters[c].name,
                ns_counter_value(q, &ns_counters[c]));
    fputs("}}", out);
}

static void put_vif(FILE *out, const struct stat_vif *v)
{
    const struct ns_stats_file *s = &v->s;
    fputs("{\"role\":", out);
    put_string(out, s->role);
    fputs(",\"vif\":", out);
    put_string(out, s->vif);
    fprintf(out, ",\"domid\":%u,\"devid\":%u,\"pid\":%u,\"stale\":%s,\"state\":", s->domid,
            s->devid, s->pid, boolean(v->stale));
    put_string(out, s->state);
    fprintf(out, ",\"connected\":%s,\"remainder\":\"%s\",\"queues\":[", boolean(s->connected),
            s->remainder_map ? "map" : "copy");
    for (uint32_t q = 0; q < s->nr_queues; q++) {
        if (q)
            fputc(',', out);
        put_queue(out, &s->info[q], &s->q[q]);
    }
    fputs("]}", out);
}

void stat_print_json(FILE *out, const struct stat_vif *v, size_t n)
{
    fputs("{\"vifs\":[", out);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        put_vif(out, &v[i]);
    }
    fputs("]}\n", out);
}
