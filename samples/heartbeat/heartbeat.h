/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device classes the heartbeat sample serves.
 *
 * A real Hyper-V host offers its heartbeat integration component in the
 * heartbeat class, which Linux's hv_utils serves.  The sample must never
 * take it by accident of load order, so by default it serves only a class
 * of its own, which no host offers (simulated hosts, make demo, the
 * tests); it claims the real class only when loaded with
 * claim_heartbeat=1 (Documentation/porting-guide.rst).
 */
#ifndef _VMBKMCL_SAMPLE_HEARTBEAT_H
#define _VMBKMCL_SAMPLE_HEARTBEAT_H

#include <linux/uuid.h>

/* The sample's own class: {3a0f4d2c-7b51-4e86-9c1d-6b6d6b686231}. */
#define HB_SAMPLE_CLASS_GUID \
	GUID_INIT(0x3a0f4d2c, 0x7b51, 0x4e86, 0x9c, 0x1d, 0x6b, 0x6d, 0x6b, \
		  0x68, 0x62, 0x31)

/* Hyper-V's heartbeat class, HV_HEART_BEAT_GUID. */
#define HB_HYPERV_CLASS_GUID \
	GUID_INIT(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, \
		  0xd5, 0x42, 0x2d)

#endif /* _VMBKMCL_SAMPLE_HEARTBEAT_H */
