/*
 * netstage's per-vif settings in an xl domain config: the list
 *
 *     netstage_vif = [ 'staging=on,slot-len-max=512,queues=1', ... ]
 *
 * whose Nth entry belongs to the Nth entry of `vif` (xl ignores settings it
 * does not know).  Parsing is pure so that it can be tested on its own.
 */
#ifndef NETSTAGE_VIF_SETTINGS_H
#define NETSTAGE_VIF_SETTINGS_H

#include <stddef.h>

#define VIF_SETTINGS_KEY "netstage_vif"

/* A field left at 0 is not set: the backend daemon's default applies. */
struct vif_settings {
    int staging;            /* 0 unset, 1 off, 2 on */
    unsigned slot_len_max;  /* a power of two in 64..4096 */
    unsigned queues;        /* 1..VIF_SETTINGS_MAX_QUEUES */
};
#define VIF_SETTINGS_MAX_QUEUES 16u

/* Parse one entry; 0, or -1 with a message naming the offending option. */
int vif_settings_parse(const char *spec, struct vif_settings *out, char *err, size_t errlen);

/* The device id xl gives the vif entry `index`: its devid= option, else the index. */
int vif_spec_devid(const char *vif_spec, unsigned index, unsigned *devid);

#endif
