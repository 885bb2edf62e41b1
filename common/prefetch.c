/* CPU support for the write prefetch (see prefetch.h). */
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "common/prefetch.h"

bool ns_cpu_prefetchw;

/* Before main, so no datapath thread can see it change. */
__attribute__((constructor)) static void detect_prefetchw(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;

    /* CPUID 0x80000001, ECX bit 8: PREFETCHW (AMD's 3DNowPrefetch, Intel's PRFCHW). */
    if (__get_cpuid(0x80000001, &a, &b, &c, &d))
        ns_cpu_prefetchw = (c & bit_PRFCHW) != 0;
#endif
}
