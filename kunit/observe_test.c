// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_observe: what vmbkmcl shows of a channel from outside, its
 * tracepoints and its debugfs files, says what really happened.
 */
#include <kunit/test.h>
#include <linux/dcache.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "../vmbkmcl/trace.h"
#include "recorder.h"

#define LOG_CAP			64
#define PAYLOAD_LEN		64
#define PACKETS			3
#define READ_MAX		4096

/* What one per-packet tracepoint saw. */
struct obs_trace {
	u32 n;
	u64 ids[2 * PACKETS];
	u32 lens[2 * PACKETS];
};

struct obs_fixture {
	struct simhost *sh;
	struct recorder rec;
	atomic_t batches;
	atomic_t batched;
	struct obs_trace received;
	struct obs_trace delivered;
	struct obs_trace completed;
	char text[READ_MAX];
};

static int obs_init(struct kunit *test)
{
	struct obs_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	f->sh = recorder_kunit_start(test, &f->rec, LOG_CAP);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	return 0;
}

static void obs_exit(struct kunit *test)
{
	struct obs_fixture *f = test->priv;

	recorder_kunit_stop(&f->rec);
}

/*
 * The @nth burst (from 0) of PACKETS packets, ids on from nth * PACKETS +
 * 1, delivered as one batch.
 */
static void nth_batch(struct kunit *test, struct obs_fixture *f, u32 nth)
{
	u64 id;

	simhost_hold_interrupts(f->sh, true);
	for (id = nth * PACKETS + 1; id <= (nth + 1) * PACKETS; id++)
		KUNIT_ASSERT_EQ(test, rec_write(f->sh, id, PAYLOAD_LEN, 0), 0);
	simhost_hold_interrupts(f->sh, false);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, (nth + 1) * PACKETS,
					      nth + 1));
	simhost_sync(f->sh);
}

/* One burst of PACKETS packets, delivered as one batch. */
static void one_batch(struct kunit *test, struct obs_fixture *f)
{
	nth_batch(test, f, 0);
}

static void count_batch(void *data, const struct vmb_channel *c, u32 count)
{
	struct obs_fixture *f = data;

	atomic_inc(&f->batches);
	atomic_add(count, &f->batched);
}

static void batch_complete_tracepoint_fires_once_per_batch(struct kunit *test)
{
	struct obs_fixture *f = test->priv;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "the kernel has no tracepoints");
	KUNIT_ASSERT_EQ(test, register_trace_vmbkmcl_batch_complete(count_batch,
								    f), 0);
	one_batch(test, f);
	unregister_trace_vmbkmcl_batch_complete(count_batch, f);
	tracepoint_synchronize_unregister();

	KUNIT_EXPECT_EQ(test, atomic_read(&f->batches), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->batched), PACKETS);
}

/* Callbacks run one at a time: the runner's, then the test thread's. */
static void obs_note(struct obs_trace *t, u64 trans_id, u32 len)
{
	if (t->n < ARRAY_SIZE(t->ids)) {
		t->ids[t->n] = trans_id;
		t->lens[t->n] = len;
	}
	t->n++;
}

static void note_received(void *data, const struct vmb_channel *c,
			  u64 trans_id, u32 len)
{
	obs_note(&((struct obs_fixture *)data)->received, trans_id, len);
}

static void note_delivered(void *data, const struct vmb_channel *c,
			   u64 trans_id, u32 len)
{
	obs_note(&((struct obs_fixture *)data)->delivered, trans_id, len);
}

static void note_completed(void *data, const struct vmb_channel *c,
			   u64 trans_id, u32 len)
{
	obs_note(&((struct obs_fixture *)data)->completed, trans_id, len);
}

static void expect_trace(struct kunit *test, const struct obs_trace *t,
			 u32 len)
{
	u32 i;

	KUNIT_ASSERT_EQ(test, t->n, 2 * PACKETS);
	for (i = 0; i < t->n; i++) {
		KUNIT_EXPECT_EQ(test, t->ids[i], (u64)i + 1);
		KUNIT_EXPECT_EQ(test, t->lens[i], len);
	}
}

/*
 * The fast paths test the watch word, not the tracepoints (watch.h): with
 * a probe on each per-packet tracepoint, every packet is seen received,
 * delivered and completed, completed inside ProcessPacket or kept past
 * it; with the probes gone, none is.
 */
static void packet_tracepoints_fire_for_every_packet(struct kunit *test)
{
	struct obs_fixture *f = test->priv;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		kunit_skip(test, "the kernel has no tracepoints");
	KUNIT_ASSERT_EQ(test, register_trace_vmbkmcl_packet_received(note_received,
								     f), 0);
	KUNIT_ASSERT_EQ(test,
			register_trace_vmbkmcl_packet_delivered(note_delivered,
								f), 0);
	KUNIT_ASSERT_EQ(test,
			register_trace_vmbkmcl_packet_completed(note_completed,
								f), 0);
	nth_batch(test, f, 0);			/* completed inside */
	f->rec.policy = REC_HOLD;
	nth_batch(test, f, 1);			/* kept, then completed */
	KUNIT_EXPECT_EQ(test, recorder_complete_held(&f->rec, U32_MAX),
			(u32)PACKETS);
	unregister_trace_vmbkmcl_packet_received(note_received, f);
	unregister_trace_vmbkmcl_packet_delivered(note_delivered, f);
	unregister_trace_vmbkmcl_packet_completed(note_completed, f);
	tracepoint_synchronize_unregister();

	/* Received: the whole packet; delivered: its payload; completed:
	 * the recorder's completion, its tag.
	 */
	expect_trace(test, &f->received,
		     sizeof(struct vmpacket_descriptor) + PAYLOAD_LEN);
	expect_trace(test, &f->delivered, PAYLOAD_LEN);
	expect_trace(test, &f->completed, sizeof(u64));

	f->rec.policy = REC_COMPLETE_INLINE;
	nth_batch(test, f, 2);
	KUNIT_EXPECT_EQ(test, f->received.n, 2 * PACKETS);
	KUNIT_EXPECT_EQ(test, f->delivered.n, 2 * PACKETS);
	KUNIT_EXPECT_EQ(test, f->completed.n, 2 * PACKETS);
}

/*
 * Render one of the channel's debugfs files into f->text.  debugfs files
 * cannot be read from the kernel on 6.1, so the file's own show function
 * fills a seq_file here; the file itself must exist.
 */
static void read_debugfs(struct kunit *test, struct obs_fixture *f,
			 const char *file)
{
	struct seq_file m = { .buf = f->text, .size = sizeof(f->text) - 1 };
	struct vmb_channel *c = f->rec.channel;
	struct dentry *d;

	KUNIT_ASSERT_NOT_NULL(test, c->debugfs);
	d = debugfs_lookup(file, c->debugfs);
	KUNIT_EXPECT_NOT_NULL(test, d);
	dput(d);
	if (!strcmp(file, "stats"))
		vmb_channel_show_stats(&m, c);
	else
		vmb_channel_show_state(&m, c);
	KUNIT_ASSERT_GT(test, m.count, (size_t)0);
	KUNIT_ASSERT_LT(test, m.count, m.size);
	f->text[m.count] = '\0';
}

static void debugfs_stats_count_what_happened(struct kunit *test)
{
	struct obs_fixture *f = test->priv;

	one_batch(test, f);
	read_debugfs(test, f, "stats");
	KUNIT_EXPECT_TRUE(test, str_has_prefix(f->text, "rx_packets 3\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->text,
					   "\nprocessing_complete_calls 1\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->text, "\noutstanding 0\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->text, "\nquota 32\n"));

	read_debugfs(test, f, "state");
	KUNIT_EXPECT_NOT_NULL(test, strstr(f->text, "state enabled\n"));
}

static struct kunit_case obs_cases[] = {
	KUNIT_CASE(batch_complete_tracepoint_fires_once_per_batch),
	KUNIT_CASE(packet_tracepoints_fire_for_every_packet),
	KUNIT_CASE(debugfs_stats_count_what_happened),
	{}
};

static struct kunit_suite obs_suite = {
	.name = "vmbkmcl_observe",
	.init = obs_init,
	.exit = obs_exit,
	.test_cases = obs_cases,
};

kunit_test_suite(obs_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's tracepoints and debugfs statistics");
MODULE_LICENSE("GPL");
