/*
 * Support for tests that run on a simulated host.  tests/run-tests.sh starts
 * a fresh host for each test binary and runs it as Domain-0 with
 * `netstage sim exec`, so XENSIM_HOST, XENSIM_DOMID=0, XENSTORED_PATH and the
 * preloaded libxensim are in place; NETSTAGE names the CLI.
 *
 * Other domains are played by forked children: simtest_spawn_as() sets the
 * child's XENSIM_DOMID and XENSTORED_PATH before it opens any handle (Xen
 * handles are not inherited across fork, so a child always opens its own).
 */
#ifndef NETSTAGE_SIMTEST_H
#define NETSTAGE_SIMTEST_H

#include <stdint.h>
#include <sys/types.h>

#include "xensim/include/xensim.h"

const char *simtest_host(void);

/* `netstage sim create NAME` / `destroy NAME`; 0 on success. */
int simtest_create_guest(const char *name, uint32_t *domid);
int simtest_destroy_guest(const char *name);

/* Fork a child that runs fn(arg) as domain domid and exits with its result. */
pid_t simtest_spawn_as(uint32_t domid, int (*fn)(void *arg), void *arg);
/* Wait for a child; its exit status, or 128 + signal. */
int simtest_wait(pid_t pid);

/* Poll until cond(arg) is true, up to timeout_ms; 0 if it became true. */
int simtest_wait_until(int (*cond)(void *arg), void *arg, int timeout_ms);

/* Pipes for lockstep between parent and children. */
int simtest_send_u32(int fd, uint32_t v);
int simtest_recv_u32(int fd, uint32_t *v, int timeout_ms);

#endif
