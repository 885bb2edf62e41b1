/*
 * netstage-rawring: the physical limit for `make bench`.  Two processes
 * (one producing, one consuming, like a frontend and a backend) move
 * packets of a given size through a plain shared-memory ring with memcpy
 * on both sides and no protocol: no grants, no validation, no event
 * channel (the consumer spins).  Batches are published with one release
 * store, as the drivers publish theirs.
 *
 *   netstage-rawring SIZE SECONDS     prints "<packets> <seconds>"
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 256u
#define SLOT_BYTES 2048u
#define BATCH 32u

struct ring {
    uint32_t prod __attribute__((aligned(64)));
    uint32_t cons __attribute__((aligned(64)));
    uint32_t stop __attribute__((aligned(64)));
    uint64_t consumed __attribute__((aligned(64)));
    uint8_t slot[SLOTS][SLOT_BYTES] __attribute__((aligned(64)));
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void produce(struct ring *r, unsigned size)
{
    uint8_t frame[SLOT_BYTES];
    uint32_t prod = 0;

    memset(frame, 0x5a, sizeof(frame));
    while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
        /* Acquire: the consumer has finished reading the slots we reuse. */
        uint32_t room = SLOTS - (prod - __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE));
        unsigned i, n = room < BATCH ? room : BATCH;

        for (i = 0; i < n; i++)
            memcpy(r->slot[(prod + i) % SLOTS], frame, size);
        prod += n;
        /* Release: the slot contents are visible before the index. */
        __atomic_store_n(&r->prod, prod, __ATOMIC_RELEASE);
    }
}

static void consume(struct ring *r, unsigned size)
{
    uint8_t frame[SLOT_BYTES];
    uint32_t cons = 0;
    uint64_t total = 0;

    while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
        /* Acquire: read the slots only after seeing the index. */
        uint32_t prod = __atomic_load_n(&r->prod, __ATOMIC_ACQUIRE);

        while (cons != prod) {
            memcpy(frame, r->slot[cons % SLOTS], size);
            cons++;
            total++;
        }
        /* Release: our reads of the slots are done before the producer reuses them. */
        __atomic_store_n(&r->cons, cons, __ATOMIC_RELEASE);
        __atomic_store_n(&r->consumed, total, __ATOMIC_RELAXED);
    }
    /* Keep the copies from being optimised away. */
    if (frame[0] != 0x5a && total)
        fputs("netstage-rawring: corrupted frame\n", stderr);
}

int main(int argc, char **argv)
{
    struct ring *r;
    unsigned size;
    double secs, t0, t1;
    uint64_t c0, c1;
    pid_t kids[2];
    int i;

    if (argc != 3 || (size = (unsigned)atoi(argv[1])) < 14 || size > SLOT_BYTES ||
        (secs = atof(argv[2])) <= 0 || secs > 600) {
        fprintf(stderr, "usage: netstage-rawring SIZE(14..%u) SECONDS(0..600]\n", SLOT_BYTES);
        return 2;
    }
    r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED) {
        perror("netstage-rawring: mmap");
        return 1;
    }
    for (i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] < 0) {
            perror("netstage-rawring: fork");
            return 1;
        }
        if (kids[i] == 0) {
            if (i == 0)
                produce(r, size);
            else
                consume(r, size);
            _exit(0);
        }
    }
    /* Skip the start-up, then measure over the given time. */
    usleep(100000);
    c0 = __atomic_load_n(&r->consumed, __ATOMIC_RELAXED);
    t0 = now();
    usleep((useconds_t)(secs * 1e6));
    c1 = __atomic_load_n(&r->consumed, __ATOMIC_RELAXED);
    t1 = now();
    __atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
    for (i = 0; i < 2; i++)
        waitpid(kids[i], NULL, 0);
    printf("%llu %.6f\n", (unsigned long long)(c1 - c0), t1 - t0);
    return 0;
}
