/*
 * Logging for the daemons: one line per event on stderr, prefixed with the
 * program and (when there is one) the vif.  Lines caused by the peer go
 * through a rate limit so a hostile guest cannot flood the log.
 */
#ifndef NETSTAGE_COMMON_LOG_H
#define NETSTAGE_COMMON_LOG_H

#include <stdint.h>

enum ns_log_level { NS_LOG_ERR, NS_LOG_WARN, NS_LOG_INFO, NS_LOG_DEBUG };

void ns_log_init(const char *program, enum ns_log_level max_level);
void ns_log(enum ns_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A token bucket: at most `burst` lines, refilled at one line per second. */
struct ns_ratelimit {
    uint64_t last_ns;
    unsigned tokens;
    unsigned suppressed;
};
#define NS_RATELIMIT_BURST 10

/* Log unless the limit is exhausted; says how many lines were suppressed. */
void ns_log_limited(struct ns_ratelimit *rl, enum ns_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

uint64_t ns_now_ns(void);

#endif
