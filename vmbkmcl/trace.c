// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints' one definition (vmbkmcl/trace.h).  Those a test or a
 * client may attach a probe to are exported.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(vmbkmcl_batch_complete);
EXPORT_TRACEPOINT_SYMBOL_GPL(vmbkmcl_packet_dropped);
EXPORT_TRACEPOINT_SYMBOL_GPL(vmbkmcl_state_change);
