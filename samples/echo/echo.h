/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device class the echo sample serves, for the hosts that offer it
 * (the simulated host, the emulated Hyper-V, make demo, the tests).
 */
#ifndef _VMBKMCL_SAMPLE_ECHO_H
#define _VMBKMCL_SAMPLE_ECHO_H

#include <linux/uuid.h>

/* vmbkmcl's echo class: {b8e3c4f2-0d1a-4e4b-9a61-6f3c2d5e7a90}. */
#define ECHO_CLASS_GUID \
	GUID_INIT(0xb8e3c4f2, 0x0d1a, 0x4e4b, 0x9a, 0x61, 0x6f, 0x3c, 0x2d, \
		  0x5e, 0x7a, 0x90)

#endif /* _VMBKMCL_SAMPLE_ECHO_H */
