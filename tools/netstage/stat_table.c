/*
 * netstage stat: the tables, one block per vif and role:
 *
 *   back vif5.0  domid 5  devid 0  pid 812  state connected  queues 2  remainder copy
 *     queue 0: tx slot 256, rx slot off, split evtchn
 *     queue 1: tx slot 256, rx slot off, split evtchn
 *     counter                    q0     q1  total
 *     tx_packets                 10     12     22
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tools/netstage/stat.h"

/* Texts come from a file: a damaged one must not send escape sequences to
 * the terminal. */
static void put_text(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

static void print_header(FILE *out, const struct stat_vif *v)
{
    const struct ns_stats_file *s = &v->s;
    put_text(out, s->role);
    fputc(' ', out);
    put_text(out, s->vif);
    fprintf(out, "  domid %u  devid %u  pid %u%s  state ", s->domid, s->devid, s->pid,
            v->stale ? " (stale: no such process)" : "");
    put_text(out, s->state);
    fprintf(out, "  queues %u  remainder %s\n", s->nr_queues, s->remainder_map ? "map" : "copy");
}

static void print_slot(FILE *out, const char *dir, uint16_t len, uint8_t ring_order)
{
    if (!len)
        fprintf(out, "%s slot off", dir);
    else if (ring_order)
        fprintf(out, "%s data ring %u", dir, len);
    else
        fprintf(out, "%s slot %u", dir, len);
}

static void print_queue_info(FILE *out, const struct ns_stats_file *s)
{
    for (uint32_t q = 0; q < s->nr_queues; q++) {
        fprintf(out, "  queue %u: ", q);
        print_slot(out, "tx", s->info[q].tx_slot_len, s->info[q].data_ring_order);
        fputs(", ", out);
        print_slot(out, "rx", s->info[q].rx_slot_len, s->info[q].data_ring_order);
        if (s->info[q].data_ring_order)
            fprintf(out, " (ring order %u)", s->info[q].data_ring_order);
        fprintf(out, ", %s evtchn\n", s->info[q].split_evtchn ? "split" : "single");
    }
}

static uint64_t total(const struct ns_stats_file *s, const struct ns_counter_desc *d)
{
    uint64_t sum = 0;
    for (uint32_t q = 0; q < s->nr_queues; q++)
        sum += ns_counter_value(&s->q[q], d);
    return sum;
}

/* Drops, errors and fallbacks are news only when they happen. */
static int shown(const struct ns_stats_file *s, const struct ns_counter_desc *d)
{
    return !d->anomaly || total(s, d) != 0;
}

static int digits(uint64_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static void print_counters(FILE *out, const struct ns_stats_file *s)
{
    /* Every column as wide as the widest number in the block (a total is
     * never smaller than a queue's count), names as wide as the longest. */
    int name_w = (int)strlen("counter"), val_w = (int)strlen("total");
    for (size_t c = 0; c < NS_NR_COUNTERS; c++) {
        const struct ns_counter_desc *d = &ns_counters[c];
        if (!shown(s, d))
            continue;
        if ((int)strlen(d->name) > name_w)
            name_w = (int)strlen(d->name);
        if (digits(total(s, d)) > val_w)
            val_w = digits(total(s, d));
    }
    fprintf(out, "  %-*s", name_w, "counter");
    for (uint32_t q = 0; q < s->nr_queues; q++) {
        char col[16];
        snprintf(col, sizeof(col), "q%u", q);
        fprintf(out, "  %*s", val_w, col);
    }
    fprintf(out, "  %*s\n", val_w, "total");
    for (size_t c = 0; c < NS_NR_COUNTERS; c++) {
        const struct ns_counter_desc *d = &ns_counters[c];
        if (!shown(s, d))
            continue;
        fprintf(out, "  %-*s", name_w, d->name);
        for (uint32_t q = 0; q < s->nr_queues; q++)
            fprintf(out, "  %*" PRIu64, val_w, ns_counter_value(&s->q[q], d));
        fprintf(out, "  %*" PRIu64 "\n", val_w, total(s, d));
    }
}

void stat_print_table(FILE *out, const struct stat_vif *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc('\n', out);
        print_header(out, &v[i]);
        if (v[i].s.nr_queues == 0) {
            fputs("  no queues connected\n", out);
            continue;
        }
        print_queue_info(out, &v[i].s);
        print_counters(out, &v[i].s);
    }
}
