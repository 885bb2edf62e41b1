/*
 * The layout of a simulated host, shared by the hypervisor daemon and
 * libxensim.
 *
 * A host is a directory (normally on tmpfs):
 *   hv.sock            the hypervisor daemon's socket
 *   hv.pid             its pid
 *   dom<N>/mem         domain N's memory: page frame F at byte F * 4096
 *   dom<N>/gnttab      domain N's grant table: SIM_NR_GRANTS 64-bit words
 *   dom<N>/xenstore.sock   the relay guest programs reach xenstored through
 *   xenstored/socket   xenstored's socket (dom0 programs use it directly)
 *   procxen/xsd_port, procxen/xsd_kva   what xenstored reads from /proc/xen
 *
 * A grant entry is one 64-bit word, read and changed atomically:
 *   bits  0-15  flags (GTF_permit_access, GTF_readonly as in Xen's v1 table)
 *   bits 16-31  domid the frame is granted to
 *   bits 32-63  frame number in the granting domain's memory file
 * Who is using a grant is not kept in the entry but in per-handle mapping
 * records (see sim_record_*), so a process that dies while mapping or copying
 * cannot leave a grant pinned forever: its records go with its handle.
 */
#ifndef XENSIM_SIMHOST_H
#define XENSIM_SIMHOST_H

#include <stdint.h>
#include <stddef.h>

#define SIM_PAGE_SIZE      4096u
#define SIM_NR_GRANTS      32768u     /* 64 v1 grant frames, Xen's default */
#define SIM_FIRST_FREE_REF 8u         /* 0..7 are reserved (console, xenstore, ...) */
#define SIM_REF_XENSTORE   1u
#define SIM_NR_FRAMES      262144u    /* 1 GiB of sparse memory per domain */
#define SIM_FRAME_XENSTORE 0u
#define SIM_NR_PORTS       4096u
#define SIM_MAX_RECORDS    65536u     /* maps + copies one gnttab handle may hold */
#define SIM_MAX_DOMID      0x7FEFu    /* DOMID_FIRST_RESERVED - 1 */

#define SIM_GTF_permit_access 0x1u
#define SIM_GTF_readonly      0x4u

static inline uint64_t sim_grant_word(uint16_t flags, uint16_t domid, uint32_t frame)
{
    return (uint64_t)flags | ((uint64_t)domid << 16) | ((uint64_t)frame << 32);
}
static inline uint16_t sim_grant_flags(uint64_t w) { return (uint16_t)w; }
static inline uint16_t sim_grant_domid(uint64_t w) { return (uint16_t)(w >> 16); }
static inline uint32_t sim_grant_frame(uint64_t w) { return (uint32_t)(w >> 32); }

/*
 * A mapping record: "this handle is using granter's ref".  Zero = empty.
 *   bit 63 valid, bit 62 writable, bits 32-47 granter domid, 0-31 ref.
 */
static inline uint64_t sim_record(uint32_t granter, uint32_t ref, int writable)
{
    return (1ull << 63) | ((uint64_t)(writable ? 1 : 0) << 62) |
           ((uint64_t)(granter & 0xFFFF) << 32) | ref;
}
static inline uint32_t sim_record_granter(uint64_t r) { return (uint32_t)(r >> 32) & 0xFFFF; }
static inline uint32_t sim_record_ref(uint64_t r) { return (uint32_t)r; }

/* "<host>/<fmt...>" into buf; -1 (ENAMETOOLONG) if it does not fit. */
int sim_path(char *buf, size_t len, const char *host, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The host directory from the environment, or NULL (errno ENOENT). */
const char *sim_env_host(void);
/* This process's domid from the environment: 0 if unset, -1 if malformed. */
int sim_env_domid(uint32_t *domid);

/* Strict decimal parse of a whole string into [0, max]. */
int sim_parse_u32(const char *s, uint32_t max, uint32_t *out);

/*
 * A gnttab handle's mapping records, in a memfd the handle shares with the
 * daemon.  The handle writes a record before it checks the grant entry and
 * clears it after it stops using the frame; the daemon scans records (below
 * hwm) after it withdraws permission from an entry.  Both sides use
 * sequentially consistent atomics, so either the handle sees the withdrawn
 * entry or the daemon sees the record (never neither).
 */
struct sim_records {
    uint32_t hwm;          /* records at or above hwm are all empty */
    uint32_t pad[15];
    uint64_t rec[SIM_MAX_RECORDS];
};
#endif
