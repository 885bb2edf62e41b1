/*
 * libxensim: process membership.  A Xen domain's programs die with it; here
 * a domain's programs are processes, so each one holds a member connection
 * to the hypervisor, which kills the members of a domain when it dies.
 * Joined when the library is loaded (every program started with
 * `netstage sim exec`) and again in the child of every fork, so that the
 * pid the hypervisor has for a connection is always the pid of the process
 * holding it (an inherited connection is closed in the child).
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include "xensim/include/xensim.h"
#include "xensim/lib/sim_lib.h"

static struct sim_conn member = { .fd = -1 };

static int member_join(void)
{
    if (member.fd >= 0) {
        sim_conn_close(&member);
        member.fd = -1;
    }
    if (!sim_env_host())
        return -1;
    if (sim_conn_open(&member, NULL, HV_KIND_MEMBER, -1) < 0) {
        member.fd = -1;
        return -1;
    }
    return 0;
}

static void member_after_fork(void)
{
    int err = errno;
    member_join();
    errno = err;
}

SIM_EXPORT int xensim_process_join(void)
{
    return member_join();
}

/* Loaded into a program that is not on a simulated host: nothing to do. */
__attribute__((constructor)) static void member_init(void)
{
    if (!sim_env_host())
        return;
    int err = errno;
    member_join();
    pthread_atfork(NULL, NULL, member_after_fork);
    errno = err;
}
