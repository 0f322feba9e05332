// SPDX-License-Identifier: GPL-2.0
/*
 * Per-channel statistics in words, for the log (and debugfs).
 */
#include <linux/module.h>

#include "channel.h"

/**
 * vmb_channel_log_stats() - one log line of a channel's counters.
 * @c: the channel.
 */
static void vmb_channel_log_stats(struct vmb_channel *c)
{
	struct vmb_rx_stats rx;
	struct vmb_tx_stats tx;

	vmbkmcl_channel_rx_stats(c, &rx);
	vmbkmcl_channel_tx_stats(c, &tx);
	pr_info("vmbkmcl: %s: rx %llu packets in %llu batches (%llu empty wakeups), %llu dropped, %llu stalls; completions %llu sent %llu queued %llu lost; tx %llu sent, %llu queued, %llu completed, %llu bad completions\n",
		c->name, rx.packets, rx.batches, rx.empty_wakeups,
		vmb_rx_total_drops(&rx), rx.stalls, rx.completions_sent,
		rx.completions_parked, rx.completions_lost, tx.sent,
		tx.queued, tx.completed, tx.bad_completions);
}

/**
 * vmbkmcl_device_log_stats() - log the counters of @dev's channels.
 * @dev: the device.
 *
 * Context: process context; sleeps.
 */
void vmbkmcl_device_log_stats(struct hv_device *dev)
{
	vmb_device_visit_channels(dev, vmb_channel_log_stats);
}
EXPORT_SYMBOL_GPL(vmbkmcl_device_log_stats);
