/*
 * xensim-domain REPORT_FD
 *
 * A simulated guest's kernel, as far as the simulation needs one.  It is the
 * domain's anchor (the domain dies when this process does), binds the
 * domain's xenstore event channel, maps its xenstore page and serves that
 * ring to the guest's programs through the xenstore relay.  Once ready it
 * writes the event-channel port, in decimal, to REPORT_FD and closes it, so
 * the toolstack can introduce the domain to xenstored.
 *
 * Runs with XENSIM_HOST and XENSIM_DOMID set; until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xenevtchn.h>

#include "xensim/include/xensim.h"
#include "xensim/lib/sim_lib.h"
#include "xensim/relay/xs_relay.h"

#define MAX_CLIENTS 64

static int listen_on(const char *host, uint32_t domid)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (sim_path(sa.sun_path, sizeof(sa.sun_path), host, "dom%u/xenstore.sock", domid) < 0)
        return -1;
    unlink(sa.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    uint32_t report_fd, domid;
    const char *host = sim_env_host();
    if (argc != 2 || sim_parse_u32(argv[1], 1024, &report_fd) < 0 || !host ||
        sim_env_domid(&domid) < 0 || domid == 0) {
        fprintf(stderr, "usage: XENSIM_HOST=DIR XENSIM_DOMID=N xensim-domain REPORT_FD\n");
        return 2;
    }
    struct sim_conn anchor;
    if (sim_conn_open(&anchor, host, HV_KIND_ANCHOR, -1) < 0) {
        fprintf(stderr, "xensim-domain d%u: cannot attach to the host: %s\n", domid,
                strerror(errno));
        return 1;
    }
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    xenevtchn_port_or_error_t port = xce ? xenevtchn_bind_unbound_port(xce, 0) : -1;
    void *ring = xensim_xenstore_page_map(host, domid);
    int listen_fd = listen_on(host, domid);
    if (port < 0 || !ring || listen_fd < 0) {
        fprintf(stderr, "xensim-domain d%u: setup failed: %s\n", domid, strerror(errno));
        return 1;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    int stop_fd = signalfd(-1, &stop, SFD_CLOEXEC);

    char num[16];
    int n = snprintf(num, sizeof(num), "%d\n", port);
    if (stop_fd < 0 || write((int)report_fd, num, (size_t)n) != n) {
        fprintf(stderr, "xensim-domain d%u: cannot report to the toolstack\n", domid);
        return 1;
    }
    close((int)report_fd);

    struct xs_relay_config cfg = {
        .ring = ring, .xce = xce, .port = (evtchn_port_t)port,
        .listen_fd = listen_fd, .stop_fd = stop_fd, .max_clients = MAX_CLIENTS,
    };
    int rc = xs_relay_serve(&cfg);
    if (rc < 0)
        fprintf(stderr, "xensim-domain d%u: xenstore relay failed: %s\n", domid, strerror(errno));
    xenevtchn_close(xce);
    xensim_xenstore_page_unmap(ring);
    sim_conn_close(&anchor);
    return rc < 0 ? 1 : 0;
}
