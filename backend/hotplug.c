/*
 * Running a vif's hotplug script ourselves (--run-hotplug), as libxl does
 * on a Xen host: the script named by the backend's "script" key, with
 * Xen's environment (vif, XENBUS_PATH, ...) and the command as argument.
 * vif-bridge attaches the TAP to the bridge and writes hotplug-status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "common/xs_util.h"

#define HOTPLUG_TIMEOUT_MS 30000
#define HOTPLUG_SCRIPT_DIR "/etc/xen/scripts"

static int wait_bounded(pid_t pid, const char *vif, const char *script)
{
    int status, waited;

    for (waited = 0; waited < HOTPLUG_TIMEOUT_MS; waited += 10) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid)
            return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
        if (r < 0 && errno != EINTR)
            return -1;
        nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
    }
    ns_log(NS_LOG_ERR, "%s: hotplug script %s did not finish in %d s; killed", vif, script,
           HOTPLUG_TIMEOUT_MS / 1000);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

int back_run_hotplug(struct back_vif *vif, const char *command)
{
    char path[160], script[256];
    char *key;
    pid_t pid;

    snprintf(path, sizeof(path), "%s/script", vif->be_dir);
    key = xsu_read(vif->be->xs, XBT_NULL, path);
    if (!key || !*key) {
        /* No script: nothing to attach; report the vif ready as a script would. */
        free(key);
        return xsu_printf(vif->be->xs, XBT_NULL, vif->be_dir, "hotplug-status", "connected");
    }
    if (key[0] == '/')
        snprintf(script, sizeof(script), "%s", key);
    else
        snprintf(script, sizeof(script), "%s/%s", HOTPLUG_SCRIPT_DIR, key);
    free(key);

    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setenv("vif", vif->name, 1);
        setenv("XENBUS_PATH", vif->be_dir, 1);
        setenv("XENBUS_TYPE", "vif", 1);
        setenv("XENBUS_BASE_PATH", "backend", 1);
        setenv("script", script, 1);
        setenv("command", command, 1);
        execl(script, script, command, (char *)NULL);
        fprintf(stderr, "netstage-back: %s: cannot run hotplug script %s: %s\n", vif->name,
                script, strerror(errno));
        _exit(127);
    }
    if (wait_bounded(pid, vif->name, script) < 0) {
        ns_log(NS_LOG_ERR, "%s: hotplug script %s %s failed", vif->name, script, command);
        return -1;
    }
    return 0;
}
