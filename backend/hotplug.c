/*
 * Running a vif's hotplug script ourselves (--run-hotplug), as libxl does
 * on a Xen host: the script named by the backend's "script" key, with
 * Xen's environment (vif, XENBUS_PATH, ...) and the command as argument.
 * vif-bridge attaches the TAP to the bridge and writes hotplug-status.
 *
 * The script gets a clean environment: Xen's variables, PATH, and
 * XENSTORED_PATH (how its xenstore-* commands reach xenstored when it is
 * not at the default socket).  Nothing else of ours leaks into it, in
 * particular no LD_PRELOAD: preloaded libraries meant for this daemon (a
 * simulator, sanitizer runtimes) have no business in ip(8) or logger(1),
 * and a sanitizer runtime preloaded into logger(1) deadlocks it.
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

/*
 * The script's environment, built before fork: the child of a threaded
 * process may only call async-signal-safe functions, so it just execs.
 */
struct hotplug_env {
    char var[8][300];
    char *envp[9];
};

static void build_env(struct hotplug_env *e, const struct back_vif *vif, const char *script,
                      const char *command)
{
    const char *path = getenv("PATH");
    const char *xs = getenv("XENSTORED_PATH");
    int n = 0, i;

    snprintf(e->var[n++], sizeof(e->var[0]), "PATH=%s",
             path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    if (xs)
        snprintf(e->var[n++], sizeof(e->var[0]), "XENSTORED_PATH=%s", xs);
    snprintf(e->var[n++], sizeof(e->var[0]), "vif=%s", vif->name);
    snprintf(e->var[n++], sizeof(e->var[0]), "XENBUS_PATH=%s", vif->be_dir);
    snprintf(e->var[n++], sizeof(e->var[0]), "XENBUS_TYPE=vif");
    snprintf(e->var[n++], sizeof(e->var[0]), "XENBUS_BASE_PATH=backend");
    snprintf(e->var[n++], sizeof(e->var[0]), "script=%s", script);
    snprintf(e->var[n++], sizeof(e->var[0]), "command=%s", command);
    for (i = 0; i < n; i++)
        e->envp[i] = e->var[i];
    e->envp[n] = NULL;
}

int back_run_hotplug(struct back_vif *vif, const char *command)
{
    char path[160], script[256];
    struct hotplug_env env;
    char *argv[3];
    char *key;
    pid_t pid;

    snprintf(path, sizeof(path), "%s/script", vif->be_dir);
    key = xsu_read(vif->be->xs, XBT_NULL, path);
    if (!key || !*key) {
        /* No script: nothing to attach; report the vif ready as a script
         * would.  Going offline there is nothing to report (and the
         * directory may be gone: writing would bring it back). */
        free(key);
        if (strcmp(command, "online"))
            return 0;
        return xsu_printf_present(vif->be->xs, vif->be_dir, "hotplug-status", "connected");
    }
    if (key[0] == '/')
        snprintf(script, sizeof(script), "%s", key);
    else
        snprintf(script, sizeof(script), "%s/%s", HOTPLUG_SCRIPT_DIR, key);
    free(key);
    build_env(&env, vif, script, command);
    argv[0] = script;
    argv[1] = (char *)command;
    argv[2] = NULL;

    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execve(script, argv, env.envp);
        _exit(127);
    }
    if (wait_bounded(pid, vif->name, script) < 0) {
        ns_log(NS_LOG_ERR, "%s: hotplug script %s %s failed (127: cannot be run)", vif->name,
               script, command);
        return -1;
    }
    return 0;
}
