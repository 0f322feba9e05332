// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_hvsleep: hibernation through hv_vmbus's own PM path.
 *
 * Runs on the hv-path boot only (hvemu=1).  The kernel really hibernates,
 * once: with /sys/power/pm_test at "core", writing "disk" to
 * /sys/power/state runs hibernate() through the freezer, every device's
 * freeze and freeze_noirq (vmbkmcl's hv_driver suspend through
 * vmbus_suspend(), then vmbus_bus_suspend(): UNLOAD), the secondary CPUs
 * going offline, syscore_suspend() (hv_synic_suspend(), hv_suspend():
 * SynIC and hypercall page off), stops at the core test level without
 * writing an image, and comes back as from a restored image:
 * syscore_resume(), CPUs online, restore_noirq (vmbus_bus_resume():
 * INITIATE_CONTACT, REQUESTOFFERS, the offers matched to the channels
 * kept; then each driver's resume), thaw.  The emulated Hyper-V plays the
 * host side (kunit/hvemu/, Documentation/testing.rst).
 *
 * Why the scenario runs in suite_init: the freezer skips only the task
 * that starts the hibernation.  KUnit runs each case in a kthread that the
 * insmod task waits for uninterruptibly, so a case that hibernated would
 * find insmod unfreezable and fail.  suite_init runs in the insmod task
 * itself: it sets the scene, hibernates, and records what it saw; the
 * cases check the record and then the live devices.  A setup step that
 * fails is named in @failed and fails every case.
 *
 * The scene and the hibernation are hvsleep_scene.c's; the cases are
 * here.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/module.h>

#include "hvsleep.h"

static struct sleep_world *sw;

static int sleep_suite_init(struct kunit_suite *suite)
{
	sw = hvsleep_scene_start();
	if (IS_ERR(sw)) {
		int ret = PTR_ERR(sw);

		sw = NULL;
		return ret;
	}
	return 0;
}

static void sleep_suite_exit(struct kunit_suite *suite)
{
	hvsleep_scene_end(sw);
	sw = NULL;
}

#define ASSERT_SCENE(test)						\
	KUNIT_ASSERT_TRUE_MSG(test, !sw->failed, "setup failed at: %s",	\
			      sw->failed)

static u32 msgs(enum vmbus_channel_message_type t)
{
	return sw->after.msg[t] - sw->before.msg[t];
}

static u32 events(enum hvemu_event ev)
{
	return sw->after.ev[ev] - sw->before.ev[ev];
}

static void hibernation_runs_to_the_core_test_and_back(struct kunit *test)
{
	ASSERT_SCENE(test);
	KUNIT_EXPECT_EQ(test, sw->state_ret, 0);
	KUNIT_EXPECT_EQ(test, sw->syscore_suspends, 1U);
	KUNIT_EXPECT_EQ(test, sw->syscore_resumes, 1U);
	KUNIT_EXPECT_EQ(test, num_online_cpus(), sw->cpus);
	/* Timekeeping is suspended across the core level's 5 s wait. */
	kunit_info(test, "hibernation took %llu ms of kernel time\n", sw->ms);
}

/* vmbus_bus_suspend() unloads; vmbus_bus_resume() contacts the host again. */
static void bus_unloads_then_reconnects_once(struct kunit *test)
{
	ASSERT_SCENE(test);
	KUNIT_EXPECT_EQ(test, msgs(CHANNELMSG_UNLOAD), 1U);
	KUNIT_EXPECT_EQ(test, msgs(CHANNELMSG_INITIATE_CONTACT), 1U);
	KUNIT_EXPECT_EQ(test, msgs(CHANNELMSG_REQUESTOFFERS), 1U);
	KUNIT_EXPECT_EQ(test, hvemu_vmbus_version(), sw->version);
}

/*
 * hv_suspend() takes the hypercall page away, hv_synic_suspend() and the
 * secondary CPUs' offlining each VP's SynIC; all come back.
 */
static void hypercall_page_and_synic_go_off_and_on(struct kunit *test)
{
	ASSERT_SCENE(test);
	KUNIT_EXPECT_EQ(test, events(HVEMU_EV_HYPERCALL_DISABLED), 1U);
	KUNIT_EXPECT_EQ(test, events(HVEMU_EV_HYPERCALL_ENABLED), 1U);
	KUNIT_EXPECT_EQ(test, events(HVEMU_EV_SYNIC_DISABLED), sw->cpus);
	KUNIT_EXPECT_EQ(test, events(HVEMU_EV_SYNIC_ENABLED), sw->cpus);
}

/*
 * The drivers closed everything before the bus unloaded: no channel was
 * still open and no GPADL left.  The three rings were torn down (the next
 * case); the GPADLs of channels rescinded earlier in the boot, which
 * hv_vmbus never tears down (vmbus_teardown_gpadl() sends nothing on a
 * rescinded channel), the host dropped at RELID_RELEASED, as Hyper-V does.
 */
static void nothing_is_left_open_at_unload(struct kunit *test)
{
	ASSERT_SCENE(test);
	KUNIT_EXPECT_EQ(test, events(HVEMU_EV_UNLOAD_CLOSED), 0U);
	KUNIT_EXPECT_EQ(test, events(HVEMU_EV_UNLOAD_GPADLS), 0U);
}

/* Each open channel: close and ring teardown, then a new GPADL and open. */
static void each_open_channel_closes_and_reopens_at_the_host(struct kunit *test)
{
	u32 i;

	ASSERT_SCENE(test);
	KUNIT_EXPECT_EQ(test, msgs(CHANNELMSG_CLOSECHANNEL), OPEN_CHANNELS);
	KUNIT_EXPECT_EQ(test, msgs(CHANNELMSG_GPADL_TEARDOWN), OPEN_CHANNELS);
	KUNIT_EXPECT_EQ(test, msgs(CHANNELMSG_GPADL_HEADER), OPEN_CHANNELS);
	KUNIT_EXPECT_EQ(test, msgs(CHANNELMSG_OPENCHANNEL), OPEN_CHANNELS);
	for (i = 0; i < OPEN_CHANNELS; i++) {
		KUNIT_EXPECT_EQ(test, sw->after.opens[i] - sw->before.opens[i],
				1U);
		KUNIT_EXPECT_EQ(test,
				sw->after.closes[i] - sw->before.closes[i], 1U);
		KUNIT_EXPECT_TRUE(test, hvemu_chan_is_open(sw->host[i].ch));
	}
}

static const u8 sleep_order[SLEEP_EVENTS] = {
	REC_SUSPEND, REC_CLOSED, REC_OPENED, REC_STARTED, REC_POST_STARTED,
};

/*
 * The client's suspend runs with the channel still running, once; then
 * Suspend and Closed; its resume once, then Opened, Started, PostStarted.
 */
static void client_suspend_and_resume_run_once_each_in_order(struct kunit *test)
{
	struct sleep_dev *d = &sw->devs[0];
	u32 i, m = d->events_at_suspend, logged = READ_ONCE(d->rec.nevents);

	ASSERT_SCENE(test);
	KUNIT_EXPECT_EQ(test, d->suspends, 1U);
	KUNIT_EXPECT_EQ(test, d->resumes, 1U);
	KUNIT_EXPECT_EQ(test, d->events_at_resume, m + 2);
	KUNIT_ASSERT_GE(test, logged, m + SLEEP_EVENTS);
	for (i = 0; i < SLEEP_EVENTS; i++)
		KUNIT_EXPECT_EQ_MSG(test, d->rec.events[m + i].kind,
				    sleep_order[i], "event %u after suspend",
				    i);
	/* The device rescinded before the hibernation saw none of it. */
	KUNIT_EXPECT_EQ(test, sw->devs[1].suspends, 0U);
	KUNIT_EXPECT_EQ(test, sw->devs[1].resumes, 0U);
}

/*
 * semantics.rst, "sends after EvtChannelClosed": queued, and transmitted
 * in order on the next Enable.  Made while suspended, they are accepted,
 * complete nothing until the resume, then reach the host first, byte for
 * byte, and complete once each.
 */
static void sends_while_suspended_go_first_after_resume(struct kunit *test)
{
	struct recorder *r = &sw->devs[0].rec;
	struct hvhost *h = &sw->host[HOST_CLIENT];
	u32 i, ok = 0;

	ASSERT_SCENE(test);
	KUNIT_EXPECT_FALSE(test, sw->host_open_while_suspended);
	for (i = 0; i < SLEEP_SENDS; i++)
		KUNIT_EXPECT_EQ(test, sw->sent[i], STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, sw->done_while_suspended, 0U);
	for (i = 0; i < SLEEP_SENDS; i++) {
		KUNIT_ASSERT_EQ(test, hvhost_recv(h, &sw->reply, HVHOST_WAIT_MS),
				0);
		ok += sw->reply.hdr.type == VM_PKT_DATA_INBAND &&
		      sw->reply.hdr.len == SLEEP_SEND_LEN &&
		      rec_payload_ok(sw->reply.data, SLEEP_SEND_LEN,
				     SLEEP_TAG + i);
	}
	KUNIT_EXPECT_EQ(test, ok, SLEEP_SENDS);
	KUNIT_EXPECT_TRUE(test, recorder_wait_done(r, SLEEP_SENDS));
	KUNIT_ASSERT_EQ(test, recorder_done_count(r), SLEEP_SENDS);
	for (i = 0; i < SLEEP_SENDS; i++) {
		KUNIT_EXPECT_EQ(test, r->done[i].status, STATUS_SUCCESS);
		KUNIT_EXPECT_EQ(test, r->done[i].sent, SLEEP_TAG + i);
	}
	KUNIT_EXPECT_EQ(test, h->lost + h->bad, 0U);
}

static void host_traffic_flows_after_resume(struct kunit *test)
{
	struct hvhost *h = &sw->host[HOST_CLIENT];

	ASSERT_SCENE(test);
	KUNIT_EXPECT_EQ(test, hvhost_round_trip(h, TRIPS, TRIP_TAG_AFTER,
						&sw->reply), TRIPS);
	KUNIT_EXPECT_EQ(test, recorder_count(&sw->devs[0].rec, REC_PACKET),
			2U * TRIPS);
	KUNIT_EXPECT_EQ(test, h->lost + h->bad, 0U);
}

/* No new add, no second remove; the host never saw the device again. */
static void device_rescinded_before_does_not_come_back(struct kunit *test)
{
	ASSERT_SCENE(test);
	KUNIT_EXPECT_EQ(test, sw->client.adds, 2U);
	KUNIT_EXPECT_EQ(test, sw->client.removes, 1U);
	KUNIT_EXPECT_NULL(test, READ_ONCE(sw->devs[1].dev));
	KUNIT_EXPECT_EQ(test, atomic_read(&sw->gone.opens), 1);
}

/*
 * The heartbeat sample answers a new negotiation and heartbeats after the
 * resume, and its heartbeat answer is hv_utils' (vmbkmcl_hvutils, earlier
 * in the boot) byte for byte.
 */
static void heartbeat_sample_answers_after_resume(struct kunit *test)
{
	struct hvhost_oracle *o = hvhost_oracle();
	u32 i;

	ASSERT_SCENE(test);
	KUNIT_EXPECT_TRUE(test,
			  hvsleep_heartbeat_answers(sw, &sw->host[HOST_HEARTBEAT],
						    ORACLE_TRANSACTION,
						    ORACLE_SEQ));
	KUNIT_ASSERT_TRUE(test, o->valid);
	KUNIT_EXPECT_EQ(test, sw->reply.hdr.type, o->heartbeat.hdr.type);
	KUNIT_EXPECT_EQ(test, sw->reply.hdr.flags, o->heartbeat.hdr.flags);
	KUNIT_ASSERT_EQ(test, sw->reply.hdr.len, o->heartbeat.hdr.len);
	for (i = 0; i < sw->reply.hdr.len; i++)
		if (sw->reply.data[i] != o->heartbeat.data[i])
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, sw->reply.hdr.len,
			    "first byte unlike hv_utils' answer");
}

static void echo_sample_echoes_after_resume(struct kunit *test)
{
	ASSERT_SCENE(test);
	KUNIT_EXPECT_EQ(test, hvsleep_echoes(sw, &sw->host[HOST_ECHO], ECHOES),
			ECHOES);
}

static struct kunit_case hvsleep_cases[] = {
	KUNIT_CASE(hibernation_runs_to_the_core_test_and_back),
	KUNIT_CASE(bus_unloads_then_reconnects_once),
	KUNIT_CASE(hypercall_page_and_synic_go_off_and_on),
	KUNIT_CASE(nothing_is_left_open_at_unload),
	KUNIT_CASE(each_open_channel_closes_and_reopens_at_the_host),
	KUNIT_CASE(client_suspend_and_resume_run_once_each_in_order),
	KUNIT_CASE(sends_while_suspended_go_first_after_resume),
	KUNIT_CASE(host_traffic_flows_after_resume),
	KUNIT_CASE(device_rescinded_before_does_not_come_back),
	KUNIT_CASE(heartbeat_sample_answers_after_resume),
	KUNIT_CASE(echo_sample_echoes_after_resume),
	{}
};

static struct kunit_suite hvsleep_suite = {
	.name = "vmbkmcl_hvsleep",
	.suite_init = sleep_suite_init,
	.suite_exit = sleep_suite_exit,
	.test_cases = hvsleep_cases,
};

kunit_test_suites(&hvsleep_suite);

MODULE_DESCRIPTION("KUnit: hibernation through hv_vmbus's own suspend and resume on an emulated Hyper-V");
MODULE_LICENSE("GPL");
