/*
 * The per-vif stats file (stats.h): published by a daemon, read by
 * `netstage stat`.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/stats.h"

#define NS_STATS_VERSION 1

#define COUNTER(name, field, anomaly) { name, offsetof(struct ns_queue_stats, field), anomaly }
const struct ns_counter_desc ns_counters[] = {
    COUNTER("tx_packets", tx_packets, false),
    COUNTER("tx_bytes", tx_bytes, false),
    COUNTER("rx_packets", rx_packets, false),
    COUNTER("rx_bytes", rx_bytes, false),
    COUNTER("tx_staged", tx_staged, false),
    COUNTER("rx_staged", rx_staged, false),
    COUNTER("tx_staged_bytes", tx_staged_bytes, false),
    COUNTER("rx_staged_bytes", rx_staged_bytes, false),
    COUNTER("staging_buffer_tx", staging_buffer_tx, false),
    COUNTER("grant_copy_ops", grant_copy_ops, false),
    COUNTER("grant_copy_segs", grant_copy_segs, false),
    COUNTER("grant_map_ops", grant_map_ops, false),
    COUNTER("fallback_not_negotiated", fallback[NS_FALLBACK_NOT_NEGOTIATED], true),
    COUNTER("fallback_beyond_slot", fallback[NS_FALLBACK_BEYOND_SLOT], true),
    COUNTER("fallback_ring_full", fallback[NS_FALLBACK_RING_FULL], true),
    COUNTER("notify_sent", notify_sent, false),
    COUNTER("notify_recv", notify_recv, false),
    COUNTER("spurious_wakeups", spurious_wakeups, false),
    COUNTER("busy_poll_hits", busy_poll_hits, false),
    COUNTER("drop_malformed", drops[NS_DROP_MALFORMED], true),
    COUNTER("drop_grant_failed", drops[NS_DROP_GRANT_FAILED], true),
    COUNTER("drop_no_rx_buffers", drops[NS_DROP_NO_RX_BUFFERS], true),
    COUNTER("drop_too_big", drops[NS_DROP_TOO_BIG], true),
    COUNTER("drop_offload", drops[NS_DROP_OFFLOAD], true),
    COUNTER("drop_tap", drops[NS_DROP_TAP], true),
    COUNTER("error_peer_fatal", errors[NS_ERROR_PEER_FATAL], true),
    COUNTER("error_tap_io", errors[NS_ERROR_TAP_IO], true),
    COUNTER("error_evtchn", errors[NS_ERROR_EVTCHN], true),
};
#undef COUNTER
/* A counter added to struct ns_queue_stats needs its name here too. */
_Static_assert(sizeof(ns_counters) / sizeof(ns_counters[0]) == NS_NR_COUNTERS,
               "ns_counters[] must name every counter of struct ns_queue_stats");
_Static_assert(sizeof(struct ns_queue_stats) % sizeof(uint64_t) == 0,
               "struct ns_queue_stats holds only 64-bit counters");

uint64_t ns_counter_value(const struct ns_queue_stats *q, const struct ns_counter_desc *d)
{
    uint64_t v;
    memcpy(&v, (const char *)q + d->offset, sizeof(v));
    return v;
}

const char *ns_run_dir(void)
{
    /* Looked up on every call: tests point it at a directory of their own. */
    const char *env = getenv("NETSTAGE_RUN_DIR");
    return env && *env ? env : "/run/netstage";
}

/* mkdir -p: /run is a fresh tmpfs after every boot. */
static int mkdir_p(const char *dir, mode_t mode)
{
    char buf[PATH_MAX];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof(buf)) {
        errno = len ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(buf, dir, len + 1);
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -1;
        if (c == '\0')
            return 0;
        *p = c;
    }
}

/* "<run dir>/<role>-<vif>.stats", checking that both names fit the header. */
static int stats_path(char *buf, size_t len, const char *role, const char *vif)
{
    if ((strcmp(role, "back") && strcmp(role, "front")) || !*vif || strchr(vif, '/')) {
        errno = EINVAL;
        return -1;
    }
    int n = snprintf(buf, len, "%s/%s-%s.stats", ns_run_dir(), role, vif);
    if (strlen(vif) >= NS_STATS_NAME_MAX || n < 0 || (size_t)n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

struct ns_stats_file *ns_stats_create(const char *role, const char *vif, uint32_t domid,
                                      uint32_t devid)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    if (stats_path(path, sizeof(path), role, vif) < 0 || mkdir_p(ns_run_dir(), 0755) < 0)
        return NULL;
    /* Built under a hidden name and renamed into place, so a reader never
     * sees a file whose header is still being written. */
    int n = snprintf(tmp, sizeof(tmp), "%s/.%s-%s.XXXXXX", ns_run_dir(), role, vif);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return NULL;
    void *map = MAP_FAILED;
    /* mkostemp makes it 0600; `netstage stat` run by anyone must read it. */
    if (fchmod(fd, 0644) == 0 && ftruncate(fd, sizeof(struct ns_stats_file)) == 0)
        map = mmap(NULL, sizeof(struct ns_stats_file), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int saved = errno;
    close(fd);                       /* the mapping keeps the file */
    if (map == MAP_FAILED) {
        unlink(tmp);
        errno = saved;
        return NULL;
    }
    struct ns_stats_file *f = map;   /* zero-filled by ftruncate */
    f->magic = NS_STATS_MAGIC;
    f->version = NS_STATS_VERSION;
    snprintf(f->role, sizeof(f->role), "%s", role);
    snprintf(f->vif, sizeof(f->vif), "%s", vif);
    f->domid = domid;
    f->devid = devid;
    f->pid = (uint32_t)getpid();
    ns_stats_set_state(f, "initialising");
    if (rename(tmp, path) < 0) {
        saved = errno;
        munmap(map, sizeof(*f));
        unlink(tmp);
        errno = saved;
        return NULL;
    }
    return f;
}

/* The pid recorded in the file at path, or 0 if it cannot be read. */
static uint32_t file_pid(const char *path)
{
    uint32_t pid = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return 0;
    if (pread(fd, &pid, sizeof(pid), offsetof(struct ns_stats_file, pid)) != sizeof(pid))
        pid = 0;
    close(fd);
    return pid;
}

void ns_stats_destroy(struct ns_stats_file *f, const char *role, const char *vif)
{
    char path[PATH_MAX];
    if (!f)
        return;
    uint32_t pid = f->pid;
    munmap(f, sizeof(*f));
    /* A daemon started since for the same vif may have replaced the file:
     * remove it only while it is still this process's. */
    if (stats_path(path, sizeof(path), role, vif) == 0 && file_pid(path) == pid)
        unlink(path);
}

void ns_stats_set_state(struct ns_stats_file *f, const char *state)
{
    /* The last byte is never written (it stays 0 from ftruncate): a reader
     * copying meanwhile may get a mix of old and new text, but always a
     * terminated string. */
    size_t i = 0;
    for (; i < sizeof(f->state) - 1 && state[i]; i++)
        f->state[i] = state[i];
    for (; i < sizeof(f->state) - 1; i++)
        f->state[i] = '\0';
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Header by plain copy; counters one relaxed atomic load each, the way the
 * writer stores them, so none is torn. */
static void copy_stats(struct ns_stats_file *out, const struct ns_stats_file *map)
{
    memcpy(out, map, offsetof(struct ns_stats_file, q));
    for (size_t q = 0; q < NS_STATS_MAX_QUEUES; q++) {
        for (size_t c = 0; c < NS_NR_COUNTERS; c++) {
            size_t off = ns_counters[c].offset;
            const uint64_t *src = (const uint64_t *)((const char *)&map->q[q] + off);
            uint64_t *dst = (uint64_t *)((char *)&out->q[q] + off);
            *dst = __atomic_load_n(src, __ATOMIC_RELAXED);
        }
    }
}

static int check_string(const char *path, const char *what, const char *s, size_t size,
                        char *err, size_t errlen)
{
    if (memchr(s, '\0', size))
        return 0;
    return fail(err, errlen, "%s: damaged stats file: its %s is not a terminated string", path,
                what);
}

static int check_snapshot(const char *path, const struct ns_stats_file *s, char *err,
                          size_t errlen)
{
    if (s->nr_queues > NS_STATS_MAX_QUEUES)
        return fail(err, errlen, "%s: damaged stats file: %u queues, at most %d exist", path,
                    s->nr_queues, NS_STATS_MAX_QUEUES);
    if (check_string(path, "role", s->role, sizeof(s->role), err, errlen) < 0 ||
        check_string(path, "vif name", s->vif, sizeof(s->vif), err, errlen) < 0 ||
        check_string(path, "state", s->state, sizeof(s->state), err, errlen) < 0)
        return -1;
    return 0;
}

int ns_stats_snapshot(const char *path, struct ns_stats_file *out, char *err, size_t errlen)
{
    struct stat st;
    uint32_t id[2];                  /* magic, version */
    /* O_NONBLOCK: a FIFO that happens to be named *.stats must not hang us. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    int rc = -1;
    if (fstat(fd, &st) < 0)
        fail(err, errlen, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        fail(err, errlen, "%s: not a regular file", path);
    else if (pread(fd, id, sizeof(id), 0) != (ssize_t)sizeof(id))
        fail(err, errlen, "%s: truncated stats file (%lld bytes)", path, (long long)st.st_size);
    else if (id[0] != NS_STATS_MAGIC)
        fail(err, errlen, "%s: not a netstage stats file (magic 0x%08x)", path, id[0]);
    else if (id[1] != NS_STATS_VERSION)
        fail(err, errlen, "%s: stats format version %u; this netstage reads version %d", path,
             id[1], NS_STATS_VERSION);
    else if (st.st_size != (off_t)sizeof(*out))
        fail(err, errlen, "%s: truncated or damaged stats file: %lld bytes, not %zu", path,
             (long long)st.st_size, sizeof(*out));
    else
        rc = 0;
    void *map = MAP_FAILED;
    if (rc == 0) {
        map = mmap(NULL, sizeof(*out), PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            rc = fail(err, errlen, "%s: cannot map it: %s", path, strerror(errno));
    }
    close(fd);
    if (rc < 0)
        return -1;
    copy_stats(out, map);
    munmap(map, sizeof(*out));
    return check_snapshot(path, out, err, errlen);
}

bool ns_stats_stale(const struct ns_stats_file *snap)
{
    /* kill(0, ...) would mean our own process group, and no pid exceeds
     * INT_MAX: either way no daemon can be behind the file. */
    if (snap->pid == 0 || snap->pid > INT_MAX)
        return true;
    return kill((pid_t)snap->pid, 0) < 0 && errno == ESRCH;
}
