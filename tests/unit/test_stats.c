/*
 * test_stats.c - the per-vif stats file (common/stats.c) and `netstage stat`
 * reading it.  The CLI tests run the binary named by $NETSTAGE
 * (tests/run-tests.sh sets it); they are skipped without it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/stats.h"

struct fixture {
    char tmp[64];                        /* removed by teardown */
    char run[128];                       /* $NETSTAGE_RUN_DIR, not created yet */
    char out[4096], err[4096];           /* the last CLI run's stdout and stderr */
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    snprintf(fx->tmp, sizeof(fx->tmp), "/tmp/netstage-stats.XXXXXX");
    if (!mkdtemp(fx->tmp)) {
        free(fx);
        return -1;
    }
    /* Two levels that do not exist yet: ns_stats_create must make both. */
    snprintf(fx->run, sizeof(fx->run), "%s/run/netstage", fx->tmp);
    setenv("NETSTAGE_RUN_DIR", fx->run, 1);
    *state = fx;
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    unsetenv("NETSTAGE_RUN_DIR");
    int rc = nftw(fx->tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return rc;
}

static void file_path(char *buf, size_t len, const struct fixture *fx, const char *name)
{
    assert_true((size_t)snprintf(buf, len, "%s/%s", fx->run, name) < len);
}

/* A vif as a connected daemon would publish it, with some traffic. */
static struct ns_stats_file *busy_vif(const char *role, const char *vif, uint32_t domid,
                                      uint32_t nr_queues)
{
    struct ns_stats_file *f = ns_stats_create(role, vif, domid, 0);
    assert_non_null(f);
    f->nr_queues = nr_queues;
    f->connected = 1;
    for (uint32_t q = 0; q < nr_queues; q++) {
        f->info[q].tx_slot_len = 256;
        f->info[q].split_evtchn = 1;
        NS_STAT_ADD(f->q[q].tx_packets, 7 + q);
        NS_STAT_ADD(f->q[q].tx_bytes, 1000 * (q + 1));
        NS_STAT_INC(f->q[q].tx_staged);
        NS_STAT_ADD(f->q[q].grant_copy_ops, 3);
        NS_STAT_INC(f->q[q].drops[NS_DROP_TAP]);
    }
    ns_stats_set_state(f, "connected");
    return f;
}

static void test_counter_names(void **state)
{
    (void)state;
    unsigned char named[NS_NR_COUNTERS] = { 0 };
    for (size_t c = 0; c < NS_NR_COUNTERS; c++) {
        const struct ns_counter_desc *d = &ns_counters[c];
        assert_int_equal(d->offset % sizeof(uint64_t), 0);
        assert_true(d->offset < sizeof(struct ns_queue_stats));
        named[d->offset / sizeof(uint64_t)]++;
        for (size_t o = 0; o < c; o++)
            assert_string_not_equal(d->name, ns_counters[o].name);
        bool anomaly = !strncmp(d->name, "drop_", 5) || !strncmp(d->name, "error_", 6) ||
                       !strncmp(d->name, "fallback_", 9);
        assert_int_equal(d->anomaly, anomaly);
    }
    for (size_t i = 0; i < NS_NR_COUNTERS; i++)
        assert_int_equal(named[i], 1);   /* every counter has exactly one name */
}

static void test_create_publishes_header(void **state)
{
    struct fixture *fx = *state;
    char path[256];
    struct stat st;
    struct ns_stats_file *f = ns_stats_create("back", "vif5.0", 5, 1);
    assert_non_null(f);
    file_path(path, sizeof(path), fx, "back-vif5.0.stats");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, sizeof(struct ns_stats_file));
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(f->magic, NS_STATS_MAGIC);
    assert_int_equal(f->version, 1);
    assert_string_equal(f->role, "back");
    assert_string_equal(f->vif, "vif5.0");
    assert_int_equal(f->domid, 5);
    assert_int_equal(f->devid, 1);
    assert_int_equal(f->pid, getpid());
    assert_int_equal(f->nr_queues, 0);
    assert_string_equal(f->state, "initialising");
    assert_string_equal(ns_run_dir(), fx->run);

    /* Only the published file: the temporary one was renamed, not copied. */
    DIR *d = opendir(fx->run);
    struct dirent *e;
    int entries = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            entries++;
    closedir(d);
    assert_int_equal(entries, 1);

    ns_stats_destroy(f, "back", "vif5.0");
    assert_int_equal(access(path, F_OK), -1);
}

static void test_create_rejects_bad_names(void **state)
{
    (void)state;
    assert_null(ns_stats_create("middle", "vif1.0", 1, 0));
    assert_int_equal(errno, EINVAL);
    assert_null(ns_stats_create("back", "a/b", 1, 0));
    assert_int_equal(errno, EINVAL);
    assert_null(ns_stats_create("front", "", 1, 0));
    assert_int_equal(errno, EINVAL);
    assert_null(ns_stats_create("front", "0123456789abcdef0123456789abcdef", 1, 0));
    assert_int_equal(errno, ENAMETOOLONG);
}

static void test_snapshot_round_trip(void **state)
{
    struct fixture *fx = *state;
    char path[256], err[512] = "";
    struct ns_stats_file snap;
    struct ns_stats_file *f = busy_vif("front", "eth0", 0, 2);
    NS_STAT_ADD(f->q[1].fallback[NS_FALLBACK_BEYOND_SLOT], 42);
    NS_STAT_ADD(f->q[1].errors[NS_ERROR_EVTCHN], UINT64_MAX);
    file_path(path, sizeof(path), fx, "front-eth0.stats");
    assert_int_equal(ns_stats_snapshot(path, &snap, err, sizeof(err)), 0);
    assert_memory_equal(&snap, f, sizeof(snap));
    assert_int_equal(ns_counter_value(&snap.q[1], &ns_counters[0]), 8);  /* tx_packets */
    assert_false(ns_stats_stale(&snap));
    ns_stats_destroy(f, "front", "eth0");
}

static void test_state_truncated_and_terminated(void **state)
{
    (void)state;
    struct ns_stats_file *f = ns_stats_create("back", "vif1.0", 1, 0);
    assert_non_null(f);
    ns_stats_set_state(f, "disabled: a reason far longer than thirty-one bytes");
    assert_string_equal(f->state, "disabled: a reason far longer t");
    ns_stats_set_state(f, "ok");
    assert_string_equal(f->state, "ok");
    for (size_t i = 2; i < sizeof(f->state); i++)
        assert_int_equal(f->state[i], 0);   /* no tail of the old text */
    ns_stats_destroy(f, "back", "vif1.0");
}

static void test_destroy_spares_successor(void **state)
{
    struct fixture *fx = *state;
    char path[256];
    file_path(path, sizeof(path), fx, "back-vif2.0.stats");
    struct ns_stats_file *old = ns_stats_create("back", "vif2.0", 2, 0);
    struct ns_stats_file *successor = ns_stats_create("back", "vif2.0", 2, 0);
    assert_non_null(old);
    assert_non_null(successor);
    successor->pid = (uint32_t)getpid() + 1;     /* as if another daemon made it */
    ns_stats_destroy(old, "back", "vif2.0");
    assert_int_equal(access(path, F_OK), 0);
    successor->pid = (uint32_t)getpid();
    ns_stats_destroy(successor, "back", "vif2.0");
    assert_int_equal(access(path, F_OK), -1);
}

/* A valid file image, for the rejection tests to damage. */
static void good_image(struct ns_stats_file *f)
{
    memset(f, 0, sizeof(*f));
    f->magic = NS_STATS_MAGIC;
    f->version = 1;
    strcpy(f->role, "back");
    strcpy(f->vif, "vif3.0");
    strcpy(f->state, "connected");
    f->nr_queues = NS_STATS_MAX_QUEUES;
    f->pid = (uint32_t)getpid();
}

static void write_image(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

/* Snapshot of the image in dir must fail with a message holding want. */
static void expect_rejected(const char *path, const struct ns_stats_file *img, size_t len,
                            const char *want)
{
    char err[512] = "";
    struct ns_stats_file snap;
    write_image(path, img, len);
    assert_int_equal(ns_stats_snapshot(path, &snap, err, sizeof(err)), -1);
    if (!strstr(err, want) || !strstr(err, path))
        fail_msg("expected '%s' and the path in '%s'", want, err);
}

static void test_snapshot_rejects_damage(void **state)
{
    struct fixture *fx = *state;
    char path[256], err[512];
    struct ns_stats_file img, snap;
    snprintf(path, sizeof(path), "%s/x.stats", fx->tmp);

    good_image(&img);
    write_image(path, &img, sizeof(img));
    assert_int_equal(ns_stats_snapshot(path, &snap, err, sizeof(err)), 0);

    good_image(&img);
    img.magic ^= 1;
    expect_rejected(path, &img, sizeof(img), "not a netstage stats file");
    good_image(&img);
    img.version = 2;
    expect_rejected(path, &img, sizeof(img), "version 2");
    good_image(&img);
    expect_rejected(path, &img, sizeof(img) / 2, "truncated");
    expect_rejected(path, &img, 3, "truncated");
    expect_rejected(path, &img, 0, "truncated");
    img.nr_queues = NS_STATS_MAX_QUEUES + 1;
    expect_rejected(path, &img, sizeof(img), "9 queues");
    good_image(&img);
    memset(img.role, 'r', sizeof(img.role));
    expect_rejected(path, &img, sizeof(img), "role is not a terminated string");
    good_image(&img);
    memset(img.vif, 'v', sizeof(img.vif));
    expect_rejected(path, &img, sizeof(img), "vif name is not a terminated string");
    good_image(&img);
    memset(img.state, 's', sizeof(img.state));
    expect_rejected(path, &img, sizeof(img), "state is not a terminated string");

    assert_int_equal(ns_stats_snapshot(fx->tmp, &snap, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a regular file"));
    unlink(path);
    assert_int_equal(ns_stats_snapshot(path, &snap, err, sizeof(err)), -1);
    assert_non_null(strstr(err, strerror(ENOENT)));
}

/* The pid of a process that has exited and been reaped. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    return pid;
}

static void test_stale(void **state)
{
    (void)state;
    struct ns_stats_file snap;
    memset(&snap, 0, sizeof(snap));
    snap.pid = (uint32_t)getpid();
    assert_false(ns_stats_stale(&snap));
    snap.pid = (uint32_t)dead_pid();
    assert_true(ns_stats_stale(&snap));
    snap.pid = 0;
    assert_true(ns_stats_stale(&snap));
    snap.pid = UINT32_MAX;
    assert_true(ns_stats_stale(&snap));
}

/* --- the CLI --------------------------------------------------------- */

static void read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, len - 1);
    assert_true(n >= 0 && (size_t)n < len - 1);  /* all of it */
    buf[n] = '\0';
    close(fd);
}

/* Run `netstage ARGS...` (NULL-terminated); returns its exit status with
 * stdout and stderr in fx->out and fx->err. */
static int run_cli(struct fixture *fx, ...)
{
    const char *bin = getenv("NETSTAGE");
    char *argv[16] = { (char *)"netstage" };
    char out[128], err[128];
    va_list ap;
    va_start(ap, fx);
    for (int i = 1; i < 15 && (argv[i] = va_arg(ap, char *)); i++)
        ;
    va_end(ap);
    snprintf(out, sizeof(out), "%s/out", fx->tmp);
    snprintf(err, sizeof(err), "%s/err", fx->tmp);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        execv(bin, argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    read_file(out, fx->out, sizeof(fx->out));
    read_file(err, fx->err, sizeof(fx->err));
    return WEXITSTATUS(status);
}

static void need_cli(void)
{
    if (!getenv("NETSTAGE"))
        skip();
}

static void expect_in(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("'%s' not found in:\n%s", needle, haystack);
}

/* A JSON syntax check (RFC 8259 grammar): each returns the text after the
 * value, or NULL. */
static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *json_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    for (; *p != '"'; p++) {
        if ((unsigned char)*p < 0x20)
            return NULL;             /* also the end of the text */
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!p[i] || !strchr("0123456789abcdefABCDEF", p[i]))
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return p + 1;
}

static const char *json_members(const char *p, char close, bool keys)
{
    p = json_ws(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (keys) {
            p = json_string(json_ws(p));
            if (!p || *(p = json_ws(p)) != ':')
                return NULL;
            p++;
        }
        p = json_value(p);
        if (!p)
            return NULL;
        p = json_ws(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *json_value(const char *p)
{
    p = json_ws(p);
    if (*p == '{')
        return json_members(p, '}', true);
    if (*p == '[')
        return json_members(p, ']', false);
    if (*p == '"')
        return json_string(p);
    if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
        return p + 4;
    if (!strncmp(p, "false", 5))
        return p + 5;
    const char *start = p;
    p += *p == '-';
    while (*p >= '0' && *p <= '9')
        p++;
    return p > start && p[-1] != '-' ? p : NULL;
}

static void expect_json(const char *text)
{
    const char *end = json_value(text);
    if (!end || *json_ws(end) != '\0')
        fail_msg("not one JSON document:\n%s", text);
}

static void test_cli_json(void **state)
{
    struct fixture *fx = *state;
    need_cli();
    struct ns_stats_file *back = busy_vif("back", "vif5.0", 5, 2);
    struct ns_stats_file *front = busy_vif("front", "eth0", 0, 1);
    front->remainder_map = 1;
    ns_stats_set_state(front, "disabled: \"x\"\\\n\x01");
    assert_int_equal(run_cli(fx, "stat", "--json", NULL), 0);
    expect_json(fx->out);
    expect_in(fx->out, "{\"vifs\":[{\"role\":\"front\",\"vif\":\"eth0\",\"domid\":0,");
    expect_in(fx->out, "\"state\":\"disabled: \\\"x\\\"\\\\\\u000a\\u0001\"");
    expect_in(fx->out, "\"remainder\":\"map\"");
    expect_in(fx->out, "{\"role\":\"back\",\"vif\":\"vif5.0\",\"domid\":5,\"devid\":0,"
                       "\"pid\":");
    expect_in(fx->out, "\"stale\":false,\"state\":\"connected\",\"connected\":true,"
                       "\"remainder\":\"copy\",\"queues\":[{\"tx_slot_len\":256,"
                       "\"rx_slot_len\":0,\"data_ring_order\":0,\"split_evtchn\":true,\"counters\":{"
                       "\"tx_packets\":7,\"tx_bytes\":1000,");
    expect_in(fx->out, "\"tx_packets\":8,\"tx_bytes\":2000,");
    /* Every counter is in the JSON, zero or not. */
    for (size_t c = 0; c < NS_NR_COUNTERS; c++) {
        char key[64];
        snprintf(key, sizeof(key), "\"%s\":", ns_counters[c].name);
        expect_in(fx->out, key);
    }
    assert_string_equal(fx->err, "");
    ns_stats_destroy(back, "back", "vif5.0");
    ns_stats_destroy(front, "front", "eth0");
}

/* The numbers on the table row of counter name, at most 4. */
static int table_row(const char *text, const char *name, unsigned long long v[4])
{
    char key[64];
    snprintf(key, sizeof(key), "\n  %s ", name);
    const char *row = strstr(text, key);
    if (!row)
        return 0;
    int n = sscanf(row + strlen(key), "%llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]);
    return n < 0 ? 0 : n;
}

static void test_cli_table_for_one_vif(void **state)
{
    struct fixture *fx = *state;
    unsigned long long v[4];
    need_cli();
    struct ns_stats_file *back = busy_vif("back", "vif5.0", 5, 2);
    struct ns_stats_file *other = busy_vif("back", "vif6.0", 6, 1);
    assert_int_equal(run_cli(fx, "stat", "vif5.0", NULL), 0);
    expect_in(fx->out, "back vif5.0  domid 5  devid 0  pid ");
    expect_in(fx->out, "  state connected  queues 2  remainder copy\n");
    expect_in(fx->out, "  queue 0: tx slot 256, rx slot off, split evtchn\n");
    expect_in(fx->out, "  queue 1: tx slot 256, rx slot off, split evtchn\n");
    assert_null(strstr(fx->out, "vif6.0"));
    assert_int_equal(table_row(fx->out, "counter", v), 0);  /* header: q0 q1 total */
    expect_in(fx->out, "q0");
    expect_in(fx->out, "total\n");
    assert_int_equal(table_row(fx->out, "tx_packets", v), 3);
    assert_true(v[0] == 7 && v[1] == 8 && v[2] == 15);
    assert_int_equal(table_row(fx->out, "tx_bytes", v), 3);
    assert_true(v[0] == 1000 && v[1] == 2000 && v[2] == 3000);
    assert_int_equal(table_row(fx->out, "drop_tap", v), 3);
    assert_int_equal(v[2], 2);
    /* Main rows always, quiet trouble counters never. */
    assert_int_equal(table_row(fx->out, "rx_packets", v), 3);
    assert_int_equal(table_row(fx->out, "notify_sent", v), 3);
    assert_int_equal(table_row(fx->out, "grant_map_ops", v), 3);
    assert_null(strstr(fx->out, "drop_malformed"));
    assert_null(strstr(fx->out, "fallback_"));
    assert_null(strstr(fx->out, "error_"));
    ns_stats_destroy(back, "back", "vif5.0");
    ns_stats_destroy(other, "back", "vif6.0");
}

static void test_cli_shows_both_roles(void **state)
{
    struct fixture *fx = *state;
    need_cli();
    struct ns_stats_file *front = busy_vif("front", "vif7.0", 0, 1);
    struct ns_stats_file *back = ns_stats_create("back", "vif7.0", 7, 0);
    assert_non_null(back);
    assert_int_equal(run_cli(fx, "stat", "vif7.0", NULL), 0);
    const char *b = strstr(fx->out, "back vif7.0  domid 7");
    const char *f = strstr(fx->out, "front vif7.0  domid 0");
    assert_non_null(b);
    assert_non_null(f);
    assert_true(b < f);
    expect_in(b, "state initialising  queues 0  remainder copy\n  no queues connected\n");
    ns_stats_destroy(back, "back", "vif7.0");
    ns_stats_destroy(front, "front", "vif7.0");
}

static void test_cli_stale(void **state)
{
    struct fixture *fx = *state;
    need_cli();
    struct ns_stats_file *f = busy_vif("back", "vif8.0", 8, 1);
    f->pid = (uint32_t)dead_pid();
    assert_int_equal(run_cli(fx, "stat", "--json", "vif8.0", NULL), 0);
    expect_json(fx->out);
    expect_in(fx->out, "\"stale\":true");
    assert_int_equal(run_cli(fx, "stat", "vif8.0", NULL), 0);
    expect_in(fx->out, " (stale: no such process)  state connected");
    f->pid = (uint32_t)getpid();
    ns_stats_destroy(f, "back", "vif8.0");
}

static void test_cli_unknown_vif(void **state)
{
    struct fixture *fx = *state;
    char want[256];
    need_cli();
    struct ns_stats_file *f = busy_vif("back", "vif5.0", 5, 1);
    assert_int_equal(run_cli(fx, "stat", "vif9.0", NULL), 1);
    snprintf(want, sizeof(want),
             "netstage: no netstage daemon has published stats for vif9.0 in %s\n", fx->run);
    assert_string_equal(fx->err, want);
    assert_string_equal(fx->out, "");
    ns_stats_destroy(f, "back", "vif5.0");
}

static void test_cli_missing_run_dir(void **state)
{
    struct fixture *fx = *state;
    char want[256];
    need_cli();
    assert_int_equal(run_cli(fx, "stat", NULL), 1);
    snprintf(want, sizeof(want), "netstage: no netstage daemon has published stats in %s\n",
             fx->run);
    assert_string_equal(fx->err, want);
    assert_int_equal(run_cli(fx, "stat", "--json", "--run-dir", "/nonexistent/netstage", NULL),
                     1);
    expect_in(fx->err, "no netstage daemon has published stats in /nonexistent/netstage\n");
}

static void test_cli_run_dir_option_and_damage(void **state)
{
    struct fixture *fx = *state;
    char bad[256];
    need_cli();
    struct ns_stats_file *f = busy_vif("back", "vif5.0", 5, 1);
    file_path(bad, sizeof(bad), fx, "back-vif4.0.stats");
    write_image(bad, "junk", 4);
    /* The option wins over the environment. */
    setenv("NETSTAGE_RUN_DIR", "/nonexistent", 1);
    assert_int_equal(run_cli(fx, "stat", "--run-dir", fx->run, NULL), 0);
    expect_in(fx->out, "back vif5.0");
    expect_in(fx->err, "netstage: skipping ");
    expect_in(fx->err, "back-vif4.0.stats: truncated stats file (4 bytes)\n");
    setenv("NETSTAGE_RUN_DIR", fx->run, 1);
    ns_stats_destroy(f, "back", "vif5.0");

    /* Nothing published: an empty list, not an error. */
    unlink(bad);
    assert_int_equal(run_cli(fx, "stat", "--json", NULL), 0);
    assert_string_equal(fx->out, "{\"vifs\":[]}\n");
}

static void test_cli_usage(void **state)
{
    struct fixture *fx = *state;
    need_cli();
    assert_int_equal(run_cli(fx, "stat", "--help", NULL), 0);
    expect_in(fx->out, "usage: netstage stat [--json] [--run-dir DIR] [VIF]\n");
    assert_int_equal(run_cli(fx, "stat", "--bogus", NULL), 2);
    expect_in(fx->err, "unexpected argument '--bogus'");
    assert_int_equal(run_cli(fx, "help", NULL), 0);
    expect_in(fx->out, "  stat ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_names),
        cmocka_unit_test_setup_teardown(test_create_publishes_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_rejects_bad_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_truncated_and_terminated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy_spares_successor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_rejects_damage, setup, teardown),
        cmocka_unit_test(test_stale),
        cmocka_unit_test_setup_teardown(test_cli_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_table_for_one_vif, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_shows_both_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_unknown_vif, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_missing_run_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_run_dir_option_and_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_usage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
