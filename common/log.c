/* Logging with a per-source rate limit (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

static const char *log_program = "netstage";
static enum ns_log_level log_max = NS_LOG_INFO;

void ns_log_init(const char *program, enum ns_log_level max_level)
{
    log_program = program;
    log_max = max_level;
}

uint64_t ns_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void log_line(enum ns_log_level level, const char *fmt, va_list ap)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };
    char line[512];

    vsnprintf(line, sizeof(line), fmt, ap);
    /* One fprintf per line so threads do not interleave within a line. */
    fprintf(stderr, "%s: %s: %s\n", log_program, names[level], line);
}

void ns_log(enum ns_log_level level, const char *fmt, ...)
{
    va_list ap;

    if (level > log_max)
        return;
    va_start(ap, fmt);
    log_line(level, fmt, ap);
    va_end(ap);
}

void ns_log_limited(struct ns_ratelimit *rl, enum ns_log_level level, const char *fmt, ...)
{
    uint64_t now = ns_now_ns();
    uint64_t refill = (now - rl->last_ns) / 1000000000u;
    va_list ap;

    if (level > log_max)
        return;
    if (rl->last_ns == 0 || refill > 0) {
        rl->tokens = refill >= NS_RATELIMIT_BURST || rl->last_ns == 0
                         ? NS_RATELIMIT_BURST
                         : rl->tokens + (unsigned)refill;
        if (rl->tokens > NS_RATELIMIT_BURST)
            rl->tokens = NS_RATELIMIT_BURST;
        rl->last_ns = now;
    }
    if (rl->tokens == 0) {
        rl->suppressed++;
        return;
    }
    rl->tokens--;
    if (rl->suppressed) {
        ns_log(level, "(%u similar lines suppressed)", rl->suppressed);
        rl->suppressed = 0;
    }
    va_start(ap, fmt);
    log_line(level, fmt, ap);
    va_end(ap);
}
