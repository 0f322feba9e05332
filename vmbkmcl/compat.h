/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels vmbkmcl builds for: Debian's 6.1 and
 * 6.12 cloud kernels, and the test kernel (6.1).  Differences are found by
 * looking at the headers (Kbuild), not at version numbers, so distribution
 * backports are handled too.
 */
#ifndef _VMBKMCL_COMPAT_H
#define _VMBKMCL_COMPAT_H

#include <linux/hyperv.h>

/*
 * (trace.h has the one for __assign_str(), which must sit with the
 * TRACE_EVENT definitions.)
 *
 * hv_driver.remove returns void from 6.3 (commit 96ec2939620c);
 * Kbuild defines VMBKMCL_HV_REMOVE_VOID when the headers say so.
 */
#ifdef VMBKMCL_HV_REMOVE_VOID
#define VMBK_HV_REMOVE_RET	void
#define VMBK_HV_REMOVED
#else
#define VMBK_HV_REMOVE_RET	int
#define VMBK_HV_REMOVED		0
#endif

/* drv_to_hv_drv() became a container_of_const() macro later on. */
static inline struct hv_driver *vmbk_hv_driver_of(struct hv_device *dev)
{
	return container_of(dev->device.driver, struct hv_driver, driver);
}

#endif /* _VMBKMCL_COMPAT_H */
