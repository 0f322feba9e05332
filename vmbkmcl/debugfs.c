// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/vmbkmcl/<name>-<id>/{stats,state}: what a channel has
 * done and where it stands, one "key value" per line.
 *
 * A channel's directory appears at its first Enable (its friendly name is
 * known by then) and goes at Cleanup; debugfs waits for readers before
 * the files go away.  The files read under the channel's state_lock, so a
 * close cannot free the rings they look at.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "channel.h"
#include "receive.h"

static struct dentry *vmb_debugfs_root;
static atomic_t vmb_channel_ids = ATOMIC_INIT(0);

static void vmb_show_rx(struct seq_file *m, struct vmb_channel *c)
{
	struct vmb_rx_stats st;
	int i;

	vmbkmcl_channel_rx_stats(c, &st);
	seq_printf(m, "rx_packets %llu\n", st.packets);
	seq_printf(m, "rx_redelivered %llu\n", st.redelivered);
	seq_printf(m, "processing_complete_calls %llu\n", st.batches);
	seq_printf(m, "empty_wakeups %llu\n", st.empty_wakeups);
	seq_printf(m, "stalls %llu\n", st.stalls);
	for (i = 0; i < VMB_DROP_NR; i++)
		seq_printf(m, "dropped[%s] %llu\n", vmb_rx_drop_name(i),
			   st.dropped[i]);
	seq_printf(m, "ring_corrupt %llu\n", st.ring_corrupt);
	seq_printf(m, "completions_sent %llu\n", st.completions_sent);
	seq_printf(m, "completions_queued %llu\n", st.completions_parked);
	seq_printf(m, "completions_lost %llu\n", st.completions_lost);
}

static void vmb_show_tx(struct seq_file *m, struct vmb_channel *c)
{
	struct vmb_tx_stats st;

	vmbkmcl_channel_tx_stats(c, &st);
	seq_printf(m, "tx_sent %llu\n", st.sent);
	seq_printf(m, "tx_queued %llu\n", st.queued);
	seq_printf(m, "tx_completed %llu\n", st.completed);
	seq_printf(m, "tx_cancelled %llu\n", st.cancelled);
	seq_printf(m, "bad_completions %llu\n", st.bad_completions);
	seq_printf(m, "ring_full %llu\n", st.ring_full);
	seq_printf(m, "sends_waiting %u\n", READ_ONCE(c->tx.queued));
	if (c->tx.pool_mem)
		seq_printf(m, "transactions_live %u\n",
			   vmb_xact_live(&c->tx.xacts));
}

/**
 * vmb_channel_show_stats() - the stats file of @c, into @m.
 * @m: the seq_file.
 * @c: the channel.
 *
 * Context: process context; sleeps.
 */
void vmb_channel_show_stats(struct seq_file *m, struct vmb_channel *c)
{
	u32 held, taken;

	mutex_lock(&c->state_lock);
	vmb_show_rx(m, c);
	vmb_show_tx(m, c);
	vmbkmcl_channel_rx_slots(c, &held, &taken);
	seq_printf(m, "outstanding %u\n", held);
	seq_printf(m, "quota %u\n", READ_ONCE(c->rx.quota));
	if (c->vmbus) {
		/* Hyper-V's own counts: signals to the host, full rings. */
		seq_printf(m, "host_signals %llu\n", c->vmbus->intr_out_empty);
		seq_printf(m, "outbound_full %llu\n", c->vmbus->out_full_total);
	}
	mutex_unlock(&c->state_lock);
}
EXPORT_SYMBOL_GPL(vmb_channel_show_stats);

static int vmb_stats_show(struct seq_file *m, void *unused)
{
	vmb_channel_show_stats(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmb_stats);

static const char *vmb_state_name(enum vmb_channel_state state)
{
	switch (state) {
	case VMB_CHANNEL_ALLOCATED:
		return "allocated";
	case VMB_CHANNEL_ENABLED:
		return "enabled";
	case VMB_CHANNEL_DISABLED:
		return "disabled";
	case VMB_CHANNEL_WAITING:
		return "waiting for its target";
	case VMB_CHANNEL_GONE:
		return "gone";
	}
	return "?";
}

/**
 * vmb_channel_show_state() - the state file of @c, into @m.
 * @m: the seq_file.
 * @c: the channel.
 *
 * Context: process context; sleeps.
 */
void vmb_channel_show_state(struct seq_file *m, struct vmb_channel *c)
{
	mutex_lock(&c->state_lock);
	seq_printf(m, "state %s\n", vmb_state_name(c->state));
	seq_printf(m, "stop %#x\n", READ_ONCE(c->rx.stop));
	seq_printf(m, "passive %d\n", READ_ONCE(c->rx.passive));
	seq_printf(m, "max_packet_size %u\n", c->max_packet_size);
	seq_printf(m, "ring_pages_in %u\n", c->in_ring_pages);
	seq_printf(m, "ring_pages_out %u\n", c->out_ring_pages);
	mutex_unlock(&c->state_lock);
}
EXPORT_SYMBOL_GPL(vmb_channel_show_state);

static int vmb_state_show(struct seq_file *m, void *unused)
{
	vmb_channel_show_state(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmb_state);

/**
 * vmb_debugfs_add_channel() - give @c its directory, once.
 * @c: a channel being enabled.
 *
 * Context: process context; sleeps.
 */
void vmb_debugfs_add_channel(struct vmb_channel *c)
{
	char name[VMB_NAME_MAX + 12];

	if (c->debugfs || !vmb_debugfs_root)
		return;
	snprintf(name, sizeof(name), "%s-%d", c->name,
		 atomic_inc_return(&vmb_channel_ids));
	c->debugfs = debugfs_create_dir(name, vmb_debugfs_root);
	debugfs_create_file("stats", 0444, c->debugfs, c, &vmb_stats_fops);
	debugfs_create_file("state", 0444, c->debugfs, c, &vmb_state_fops);
}

/**
 * vmb_debugfs_remove_channel() - drop @c's directory.
 * @c: a channel being freed.
 *
 * Context: process context; sleeps until readers are done.
 */
void vmb_debugfs_remove_channel(struct vmb_channel *c)
{
	debugfs_remove_recursive(c->debugfs);
	c->debugfs = NULL;
}

/**
 * vmb_debugfs_init() - create /sys/kernel/debug/vmbkmcl.
 */
void vmb_debugfs_init(void)
{
	vmb_debugfs_root = debugfs_create_dir("vmbkmcl", NULL);
}

/**
 * vmb_debugfs_exit() - remove it.
 */
void vmb_debugfs_exit(void)
{
	debugfs_remove_recursive(vmb_debugfs_root);
	vmb_debugfs_root = NULL;
}
