/*
 * simkid: guest programs played by forked children, for tests that run as
 * Domain-0 on a simulated host (see simtest.h).
 *
 * A child runs body(ctx) as domain domid.  The parent drives it with u32
 * commands on one pipe and the child reports u32 values on another, so the
 * two sides move in lockstep without sleeping.  Children never use cmocka:
 * body returns a small step number (0 = fine) as the exit status, and the
 * parent checks it.
 *
 * Every wait is bounded, so a broken simulator fails a test instead of
 * hanging the run: each child ends itself after KID_MAX_SECONDS, each
 * binary should set alarm(TEST_MAX_SECONDS), and kid_kill_all() in a
 * test's teardown kills and reaps whatever a failed test left behind.
 */
#ifndef NETSTAGE_SIMKID_H
#define NETSTAGE_SIMKID_H

#include <stdint.h>
#include <sys/types.h>

#include "xensim/include/xensim.h"

#define T_EVENT 5000              /* ms: something that must happen */
#define T_CHILD 20000             /* ms: a child waiting for its next command */
#define KID_MAX_SECONDS 60        /* no child outlives this */
#define TEST_MAX_SECONDS 120      /* nor the whole binary (run-tests.sh allows 300 s) */
#define MAX_KIDS 12               /* children alive at once */

/* The command that ends a child's command loop. */
#define KID_QUIT 0xffff0000u

/* The parent's view of a child. */
struct kid {
    pid_t pid;       /* 0: free slot */
    int cmd;         /* parent -> child */
    int ev;          /* child -> parent */
};

/* The child's view of itself. */
struct kid_ctx {
    int cmd, ev;                     /* the child's ends */
    int parent_cmd, parent_ev;       /* the parent's ends, closed in the child */
    int (*body)(struct kid_ctx *);
    uint32_t arg;                    /* what the test gave kid_spawn() */
    const char *str;
};

/* ---- parent side --------------------------------------------------------- */

/* Fork a child running body as domain domid; NULL if none could be made. */
struct kid *kid_spawn(uint32_t domid, int (*body)(struct kid_ctx *), uint32_t arg,
                      const char *str);

int kid_send(struct kid *k, uint32_t cmd);
/* The child's next report, within T_EVENT; 0 or -1. */
int kid_recv(struct kid *k, uint32_t *v);
/* The child's next report, which must be `want`; 0 or -1. */
int kid_expect(struct kid *k, uint32_t want);
/* One command, acknowledged by the child with the same value; 0 or -1. */
int kid_cmd(struct kid *k, uint32_t cmd);
/* KID_QUIT, then reap: the child's exit status, or -1 if it could not be told. */
int kid_quit(struct kid *k);

/*
 * Reap a child that is expected to finish by itself: its exit status, or
 * 128 + signal.  Blocks for as long as the child lives, which its own
 * alarm bounds.
 */
int kid_wait(struct kid *k);
/* The same within timeout_ms, for a child that must end promptly; one that
 * does not is killed and reaped, and -1 returned. */
int kid_reap(struct kid *k, int timeout_ms);
/* SIGKILL a child and reap it; 128 + SIGKILL expected. */
int kid_kill(struct kid *k);
/* Teardown: kill and reap every child still alive. */
void kid_kill_all(void);

/* kid_reap() for any child process, e.g. one a guest program forked. */
int simkid_reap_pid(pid_t pid, int timeout_ms);

/* ---- child side ---------------------------------------------------------- */

int kid_report(struct kid_ctx *c, uint32_t v);
/* The parent's next command, within T_CHILD; 0 or -1. */
int kid_next(struct kid_ctx *c, uint32_t *cmd);
/* The parent's next command, which must be `want`; 0 or -1. */
int kid_await(struct kid_ctx *c, uint32_t want);

/* ---- bounded waits for what the children do ------------------------------- */

/*
 * Poll a non-blocking source: calls try_next(src) until it returns non-NULL,
 * and in between waits for fd (the source's descriptor) to become readable.
 * NULL once timeout_ms has passed, or when try_next fails with an errno other
 * than EAGAIN.
 */
void *simkid_poll(int fd, void *(*try_next)(void *src), void *src, int timeout_ms);

/* Until the simulator shows domid's port in `state` (and, unless FREE, with
 * remote domain rdom); 0, or -1 after timeout_ms. */
int simkid_wait_port(uint32_t domid, uint32_t port, uint32_t state, uint32_t rdom,
                     int timeout_ms);
/* Until domid's resource usage is exactly *want; 0, or -1 after timeout_ms. */
int simkid_wait_usage(uint32_t domid, const struct xensim_domain_usage *want, int timeout_ms);

#endif
