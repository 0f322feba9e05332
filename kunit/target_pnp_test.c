// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_target_pnp: VmbClientChannelInitSetTargetPnp.
 *
 * A recorder's channel is allocated on one simulated device (the parent,
 * never offered) and targets an interface type, and sometimes an
 * instance, that other simulated devices are offered in.  Enable returns
 * at once; the channel must open the matching offer whenever it appears,
 * with Opened, Started and PostStarted, and carry its packets; report a
 * failed open or a wait that ran out through EvtChannelPnpFailure with
 * the status, and no other callback; close on a rescind like any channel;
 * and two channels must open two instances, each its own.  A second
 * driver enabling such a channel from its add() must not deadlock.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/module.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "../vmbkmcl/channel.h"
#include "recorder.h"

#define LOG_CAP			64
#define PAYLOAD			16
#define SHORT_WAIT_MS		200
/* Long enough for a worker to have run if it was going to. */
#define SETTLE_MS		50

static const guid_t target_type =
	GUID_INIT(0x6f0a3bd1, 0x7c1e, 0x4a3b, 0x9d, 0x52, 0x11, 0x3e, 0x6c,
		  0x0b, 0x8a, 0x21);
static const guid_t parent_type =
	GUID_INIT(0x2b1f6a40, 0x51d3, 0x4c9e, 0x8f, 0x07, 0x6a, 0x93, 0x2e,
		  0x14, 0xc5, 0x7d);

struct pnp_fixture {
	struct simhost *parent;
	struct simhost *a;
	struct simhost *b;
	struct recorder r1;
	struct recorder r2;
	spinlock_t lock;	/* the failure log */
	wait_queue_head_t wq;
	u32 failures;
	NTSTATUS failure_status;
	VMBCHANNEL failed_channel;
	unsigned int old_wait;
};

static struct pnp_fixture *pnp_current;

static VOID pnp_failure(VMBCHANNEL ch, NTSTATUS status)
{
	struct pnp_fixture *f = pnp_current;
	unsigned long flags;

	spin_lock_irqsave(&f->lock, flags);
	f->failures++;
	f->failure_status = status;
	f->failed_channel = ch;
	spin_unlock_irqrestore(&f->lock, flags);
	wake_up(&f->wq);
}

static bool pnp_wait_failures(struct pnp_fixture *f, u32 n)
{
	return wait_event_timeout(f->wq, READ_ONCE(f->failures) >= n,
				  msecs_to_jiffies(10000)) > 0;
}

static struct simhost *pnp_host(struct kunit *test)
{
	struct simhost *sh = simhost_create();

	KUNIT_ASSERT_NOT_NULL(test, sh);
	simhost_set_class(sh, &target_type);
	return sh;
}

static int pnp_init(struct kunit *test)
{
	struct pnp_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	pnp_current = f;
	spin_lock_init(&f->lock);
	init_waitqueue_head(&f->wq);
	f->old_wait = vmbkmcl_target_wait_ms(10000);
	f->parent = simhost_create();
	KUNIT_ASSERT_NOT_NULL(test, f->parent);
	simhost_set_class(f->parent, &parent_type);
	f->a = pnp_host(test);
	f->b = pnp_host(test);
	KUNIT_ASSERT_EQ(test, recorder_init(&f->r1, f->parent, LOG_CAP), 0);
	KUNIT_ASSERT_EQ(test, recorder_init(&f->r2, f->parent, LOG_CAP), 0);
	return 0;
}

static void pnp_exit(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;

	recorder_destroy(&f->r1);
	recorder_destroy(&f->r2);
	simhost_destroy(f->a);
	simhost_destroy(f->b);
	simhost_destroy(f->parent);
	vmbkmcl_target_wait_ms(f->old_wait);
	pnp_current = NULL;
}

static void target(struct kunit *test, struct recorder *r,
		   const guid_t *instance)
{
	NTSTATUS status = VmbClientChannelInitSetTargetPnp(r->channel,
							   &target_type,
							   instance,
							   pnp_failure);

	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
}

static void instance_of(struct simhost *sh, guid_t *g)
{
	guid_copy(g, &simhost_device(sh)->dev_instance);
}

/* Opened, Started, PostStarted; then a packet from @sh reaches @r. */
static void expect_open_on(struct kunit *test, struct recorder *r,
			   struct simhost *sh, u64 id)
{
	guid_t got, want;

	KUNIT_ASSERT_TRUE(test, recorder_wait_count(r, REC_POST_STARTED, 1));
	KUNIT_EXPECT_EQ(test, recorder_count(r, REC_OPENED), 1U);
	KUNIT_EXPECT_EQ(test, r->events[0].kind, (u8)REC_OPENED);
	KUNIT_EXPECT_EQ(test, r->events[1].kind, (u8)REC_STARTED);
	KUNIT_EXPECT_EQ(test, r->events[2].kind, (u8)REC_POST_STARTED);
	VmbChannelGetInterfaceInstance(r->channel, &got);
	instance_of(sh, &want);
	KUNIT_EXPECT_TRUE(test, guid_equal(&got, &want));
	KUNIT_ASSERT_EQ(test, rec_write(sh, id, PAYLOAD, 0), 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(r, 1, 0));
	KUNIT_EXPECT_EQ(test, r->packets, 1U);
}

static void target_offered_before_enable_is_opened(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);
	target(test, &f->r1, NULL);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	expect_open_on(test, &f->r1, f->a, 1);
	KUNIT_EXPECT_EQ(test, f->failures, 0U);
}

static void target_offered_after_enable_is_opened(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;
	guid_t got;

	target(test, &f->r1, NULL);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	msleep(SETTLE_MS);
	/* Waiting: no callback yet, any instance, and no second Enable. */
	KUNIT_EXPECT_EQ(test, f->r1.nevents, 0U);
	VmbChannelGetInterfaceInstance(f->r1.channel, &got);
	KUNIT_EXPECT_TRUE(test, guid_is_null(&got));
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel),
			STATUS_INVALID_DEVICE_STATE);

	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);
	expect_open_on(test, &f->r1, f->a, 1);
	KUNIT_EXPECT_EQ(test, f->failures, 0U);
}

static void target_never_offered_reports_failure(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;

	vmbkmcl_target_wait_ms(SHORT_WAIT_MS);
	target(test, &f->r1, NULL);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, pnp_wait_failures(f, 1));
	msleep(SETTLE_MS);

	KUNIT_EXPECT_EQ(test, f->failures, 1U);
	KUNIT_EXPECT_EQ(test, f->failure_status, STATUS_NO_SUCH_DEVICE);
	KUNIT_EXPECT_PTR_EQ(test, f->failed_channel, f->r1.channel);
	KUNIT_EXPECT_EQ(test, f->r1.nevents, 0U);

	/* Disabled: Enable again waits again, and opens. */
	vmbkmcl_target_wait_ms(10000);
	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	expect_open_on(test, &f->r1, f->a, 1);
}

struct connect_failure {
	const char *name;
	int open_err;		/* the host refuses the open */
	NTSTATUS veto;		/* EvtChannelOpened fails */
	NTSTATUS status;	/* EvtChannelPnpFailure's */
	u32 opened;		/* Opened calls */
};

static const struct connect_failure connect_failures[] = {
	{ "the host refuses the open", -EAGAIN, STATUS_SUCCESS,
	  STATUS_DEVICE_NOT_READY, 0 },
	{ "EvtChannelOpened vetoes it", 0, STATUS_INSUFFICIENT_RESOURCES,
	  STATUS_INSUFFICIENT_RESOURCES, 1 },
};

static void connect_failure_desc(const struct connect_failure *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(connect_failure, connect_failures, connect_failure_desc);

static void failed_connect_reports_its_status(struct kunit *test)
{
	const struct connect_failure *c = test->param_value;
	struct pnp_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);
	if (c->open_err)
		simhost_fail_next_open(f->a, c->open_err);
	f->r1.opened_status = c->veto;
	target(test, &f->r1, NULL);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, pnp_wait_failures(f, 1));

	KUNIT_EXPECT_EQ(test, f->failure_status, c->status);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->r1, REC_OPENED), c->opened);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->r1, REC_STARTED), 0U);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->r1, REC_CLOSED), 0U);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->a));

	/* The offer was given back: a retry opens it. */
	f->r1.opened_status = STATUS_SUCCESS;
	f->r1.nevents = 0;
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	expect_open_on(test, &f->r1, f->a, 1);
	KUNIT_EXPECT_EQ(test, f->failures, 1U);
}

static void rescinded_target_closes_and_enable_waits_again(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);
	target(test, &f->r1, NULL);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	expect_open_on(test, &f->r1, f->a, 1);

	simhost_rescind(f->a);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->r1, REC_SUSPEND), 1U);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->r1, REC_CLOSED), 1U);
	KUNIT_EXPECT_EQ(test, f->failures, 0U);

	/* Enable waits for a new offer of the type and opens it. */
	f->r1.nevents = 0;
	f->r1.packets = 0;
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, simhost_offer(f->b), 0);
	expect_open_on(test, &f->r1, f->b, 2);
}

/* Hibernation closes the channel and reopens the same offer. */
static void hibernation_reopens_the_same_offer(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);
	target(test, &f->r1, NULL);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	expect_open_on(test, &f->r1, f->a, 1);
	/* Another channel waits for the type: it must not take the offer. */
	target(test, &f->r2, NULL);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r2.channel), STATUS_SUCCESS);

	KUNIT_ASSERT_EQ(test, simhost_hibernate(f->a), 0);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->r1, REC_CLOSED), 1U);
	msleep(SETTLE_MS);
	KUNIT_EXPECT_EQ(test, f->r2.nevents, 0U);
	KUNIT_ASSERT_EQ(test, simhost_thaw(f->a), 0);

	KUNIT_EXPECT_EQ(test, recorder_count(&f->r1, REC_OPENED), 2U);
	KUNIT_EXPECT_EQ(test, recorder_count(&f->r1, REC_POST_STARTED), 2U);
	KUNIT_ASSERT_EQ(test, rec_write(f->a, 2, PAYLOAD, 0), 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->r1, 2, 0));
	KUNIT_EXPECT_EQ(test, f->r2.nevents, 0U);
	KUNIT_EXPECT_EQ(test, f->failures, 0U);
}

static void two_channels_open_two_instances(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;
	guid_t ia, ib;

	instance_of(f->a, &ia);
	instance_of(f->b, &ib);
	target(test, &f->r1, &ia);
	target(test, &f->r2, &ib);
	/* B is offered first: r1 must not take it. */
	KUNIT_ASSERT_EQ(test, simhost_offer(f->b), 0);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r2.channel), STATUS_SUCCESS);
	KUNIT_ASSERT_TRUE(test, recorder_wait_count(&f->r2, REC_POST_STARTED, 1));
	msleep(SETTLE_MS);
	KUNIT_EXPECT_EQ(test, f->r1.nevents, 0U);
	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);

	expect_open_on(test, &f->r1, f->a, 1);
	expect_open_on(test, &f->r2, f->b, 2);
	KUNIT_EXPECT_EQ(test, f->r1.events[3].tag, 1ULL);
	KUNIT_EXPECT_EQ(test, f->r2.events[3].tag, 2ULL);
}

/* One offer, two channels for any instance: one opens, one waits. */
static void an_offer_is_opened_by_one_channel(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;

	target(test, &f->r1, NULL);
	target(test, &f->r2, NULL);
	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	expect_open_on(test, &f->r1, f->a, 1);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r2.channel), STATUS_SUCCESS);
	msleep(SETTLE_MS);
	KUNIT_EXPECT_EQ(test, f->r2.nevents, 0U);

	/* r1 lets go: r2 gets it. */
	VmbChannelDisable(f->r1.channel);
	expect_open_on(test, &f->r2, f->a, 2);
}

static void disable_cancels_the_wait(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;

	vmbkmcl_target_wait_ms(SHORT_WAIT_MS);
	target(test, &f->r1, NULL);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	VmbChannelDisable(f->r1.channel);
	msleep(2 * SHORT_WAIT_MS);
	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);
	msleep(SETTLE_MS);

	KUNIT_EXPECT_EQ(test, f->failures, 0U);
	KUNIT_EXPECT_EQ(test, f->r1.nevents, 0U);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->a));
}

/* The channel's own device going away ends the wait, silently. */
static void rescind_of_the_parent_ends_the_wait(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;

	target(test, &f->r1, NULL);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->r1.channel), STATUS_SUCCESS);
	simhost_rescind(f->parent);
	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);
	msleep(SETTLE_MS);

	KUNIT_EXPECT_EQ(test, f->r1.nevents, 0U);
	KUNIT_EXPECT_EQ(test, f->failures, 0U);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->a));
}

static void target_needs_a_type_and_an_initialising_channel(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;
	NTSTATUS status;

	status = VmbClientChannelInitSetTargetPnp(NULL, &target_type, NULL,
						  NULL);
	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_PARAMETER_1);
	status = VmbClientChannelInitSetTargetPnp(f->r1.channel, NULL, NULL,
						  NULL);
	KUNIT_EXPECT_EQ(test, status, STATUS_INVALID_PARAMETER_2);
}

/* --- target PnP from a second driver's add() --- */

static struct recorder pnp_driver_rec;

static int pnp_driver_add(struct hv_device *dev)
{
	struct recorder *r = &pnp_driver_rec;

	if (recorder_init(r, pnp_current->parent, LOG_CAP))
		return -ENOMEM;
	if (!NT_SUCCESS(VmbClientChannelInitSetTargetPnp(r->channel,
							 &target_type, NULL,
							 pnp_failure)) ||
	    !NT_SUCCESS(VmbChannelEnable(r->channel))) {
		recorder_destroy(r);
		return -EIO;
	}
	return 0;
}

static void pnp_driver_remove(struct hv_device *dev)
{
	recorder_destroy(&pnp_driver_rec);
}

static const struct hv_vmbus_device_id pnp_driver_ids[] = {
	{ .guid = GUID_INIT(0x2b1f6a40, 0x51d3, 0x4c9e, 0x8f, 0x07, 0x6a,
			    0x93, 0x2e, 0x14, 0xc5, 0x7d) },
	{ },
};

static struct vmbkmcl_client_driver pnp_driver = {
	.name = "vmbkmcl_target_pnp_test",
	.id_table = pnp_driver_ids,
	.add = pnp_driver_add,
	.remove = pnp_driver_remove,
};

static void a_second_driver_opens_its_target_from_add(struct kunit *test)
{
	struct pnp_fixture *f = test->priv;
	struct recorder *r = &pnp_driver_rec;

	memset(r, 0, sizeof(*r));
	KUNIT_ASSERT_EQ(test, vmbkmcl_register_client_driver(&pnp_driver), 0);
	KUNIT_ASSERT_EQ(test, simhost_offer(f->parent), 0);
	KUNIT_ASSERT_NOT_NULL(test, r->channel);
	KUNIT_ASSERT_EQ(test, simhost_offer(f->a), 0);
	expect_open_on(test, r, f->a, 1);

	vmbkmcl_unregister_client_driver(&pnp_driver);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->a));
	KUNIT_EXPECT_EQ(test, f->failures, 0U);
}

static struct kunit_case pnp_cases[] = {
	KUNIT_CASE(target_offered_before_enable_is_opened),
	KUNIT_CASE(target_offered_after_enable_is_opened),
	KUNIT_CASE(target_never_offered_reports_failure),
	KUNIT_CASE_PARAM(failed_connect_reports_its_status,
			 connect_failure_gen_params),
	KUNIT_CASE(rescinded_target_closes_and_enable_waits_again),
	KUNIT_CASE(hibernation_reopens_the_same_offer),
	KUNIT_CASE(two_channels_open_two_instances),
	KUNIT_CASE(an_offer_is_opened_by_one_channel),
	KUNIT_CASE(disable_cancels_the_wait),
	KUNIT_CASE(rescind_of_the_parent_ends_the_wait),
	KUNIT_CASE(target_needs_a_type_and_an_initialising_channel),
	KUNIT_CASE(a_second_driver_opens_its_target_from_add),
	{}
};

static struct kunit_suite pnp_suite = {
	.name = "vmbkmcl_target_pnp",
	.init = pnp_init,
	.exit = pnp_exit,
	.test_cases = pnp_cases,
};

kunit_test_suite(pnp_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's target PnP channels");
MODULE_LICENSE("GPL");
