/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simhost's transfer-page side: packets naming byte ranges of a receive
 * buffer the guest shared by GPADL.  See simhost_xfer.c for the model.
 */
#ifndef _VMBKMCL_SIMHOST_XFER_H
#define _VMBKMCL_SIMHOST_XFER_H

#include <linux/hyperv.h>

#include "simhost_gpadl.h"

int simhost_write_xfer_pages(struct simhost *sh, u16 flags, u64 trans_id,
			     u16 set_id,
			     const struct vmtransfer_page_range *ranges,
			     u32 nranges, const void *data, u32 len);

#endif /* _VMBKMCL_SIMHOST_XFER_H */
