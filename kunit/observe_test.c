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

struct obs_fixture {
	struct simhost *sh;
	struct recorder rec;
	atomic_t batches;
	atomic_t batched;
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

/* One burst of PACKETS packets, delivered as one batch. */
static void one_batch(struct kunit *test, struct obs_fixture *f)
{
	u64 id;

	simhost_hold_interrupts(f->sh, true);
	for (id = 1; id <= PACKETS; id++)
		KUNIT_ASSERT_EQ(test, rec_write(f->sh, id, PAYLOAD_LEN, 0), 0);
	simhost_hold_interrupts(f->sh, false);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, PACKETS, 1));
	simhost_sync(f->sh);
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
