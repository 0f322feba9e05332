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
 * The scene: a test client (recorder, kunit/recorder.c) with its channel
 * open and traffic done; a second device of that client bound, enabled
 * and rescinded before the hibernation; the heartbeat and echo samples on
 * devices of their own.  While suspended (a syscore hook, after every
 * device's suspend, before any resume) the client sends packets.
 */
#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/hvemu.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/syscore_ops.h>
#include <vmbkmcl/VmbusKernelModeClientLibApi.h>
#include <vmbkmcl/vmbkmcl_driver.h>

#include "../samples/echo/echo.h"
#include "hvhost.h"
#include "hvicmsg.h"
#include "recorder.h"

#define REC_CAP			256
#define WAIT_MS			5000
#define PM_TEST_PATH		"/sys/power/pm_test"
#define PM_STATE_PATH		"/sys/power/state"
/* Host packets that want completions, before and after. */
#define TRIPS			8
#define TRIP_LEN		64
#define TRIP_TAG_BEFORE		0x100
#define TRIP_TAG_AFTER		0x200
/* What the client sends while suspended. */
#define SLEEP_SENDS		4
#define SLEEP_SEND_LEN		72
#define SLEEP_TAG		0x5000
#define ECHOES			4
#define ECHO_LEN		100
#define HEARTBEAT_SEQ		0x7000
/*
 * The last heartbeat hv_utils answered (vmbkmcl_hvutils: 16 beats from
 * transaction 2, sequence 0x1000): the sample is asked the same after the
 * resume, so the answers compare byte for byte.
 */
#define ORACLE_TRANSACTION	(2 + 15)
#define ORACLE_SEQ		(0x1000 + 15)
/* Channels open across the hibernation: the client's and two samples'. */
#define OPEN_CHANNELS		3
/* Events a running channel logs across it: Suspend, Closed, then Opened,
 * Started, PostStarted.
 */
#define SLEEP_EVENTS		5

/* {0c5f3a21-7d4e-4b8a-a1c2-d3e4f5061728}: the suite's own device class. */
static const guid_t sleep_class = GUID_INIT(0x0c5f3a21, 0x7d4e, 0x4b8a, 0xa1,
	0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17, 0x28);
static const guid_t echo_class = ECHO_CLASS_GUID;

/**
 * struct sleep_dev - one device bound to the test client.
 * @dev:       the device, NULL once removed.
 * @rec:       its recording channel.
 * @suspends:  the client's suspend calls.
 * @resumes:   its resume calls.
 * @events_at_suspend: events @rec had logged when suspend ran.
 * @events_at_resume:  and when resume ran.
 */
struct sleep_dev {
	struct hv_device *dev;
	struct recorder rec;
	u32 suspends;
	u32 resumes;
	u32 events_at_suspend;
	u32 events_at_resume;
};

/* What the host and the hypervisor had counted at one moment. */
struct sleep_counts {
	u32 msg[CHANNELMSG_COUNT];
	u32 ev[HVEMU_EV_COUNT];
	u32 opens[OPEN_CHANNELS];
	u32 closes[OPEN_CHANNELS];
};

/**
 * struct sleep_world - the scene and what suite_init saw.
 * @failed:    the setup step that failed, or NULL.
 * @wq:        add and remove wake waiters here.
 * @devs:      the client's devices, in add order: the one kept, the one
 *             rescinded before the hibernation.
 * @adds:      add calls.
 * @removes:   remove calls.
 * @host:      the host ends: the client's, the heartbeat's, the echo's.
 * @gone:      the host end rescinded before the hibernation.
 * @packets:   the client's packets sent while suspended.
 * @sent:      what VmbPacketSend() returned for each.
 * @done_while_suspended: completion routines run when the sends were made.
 * @host_open_while_suspended: the host still had the client's channel open.
 * @syscore_suspends: the syscore hook's suspend calls.
 * @syscore_resumes:  its resume calls.
 * @state_ret: the write of "disk" to /sys/power/state: 0 or an errno.
 * @ms:        how long the hibernation took.
 * @cpus:      CPUs online before it.
 * @version:   the VMBus version in use before it.
 * @before:    counts before the hibernation.
 * @after:     counts after it.
 * @msg:       a request being built.
 * @reply:     the guest's answer.
 */
struct sleep_world {
	const char *failed;
	wait_queue_head_t wq;
	struct sleep_dev devs[2];
	u32 adds;
	u32 removes;
	struct hvhost host[OPEN_CHANNELS];
	struct hvhost gone;
	VMBPACKET packets[SLEEP_SENDS];
	NTSTATUS sent[SLEEP_SENDS];
	u32 done_while_suspended;
	bool host_open_while_suspended;
	u32 syscore_suspends;
	u32 syscore_resumes;
	int state_ret;
	u64 ms;
	u32 cpus;
	u32 version;
	struct sleep_counts before;
	struct sleep_counts after;
	u8 msg[HVHOST_MAX_PKT];
	struct hvhost_pkt reply;
};

enum { HOST_CLIENT, HOST_HEARTBEAT, HOST_ECHO };

static struct sleep_world *sw;

static struct sleep_dev *sleep_dev_of(struct hv_device *dev)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(sw->devs); i++)
		if (sw->devs[i].dev == dev)
			return &sw->devs[i];
	return NULL;
}

static int sleep_add(struct hv_device *dev)
{
	struct sleep_dev *d;

	if (sw->adds >= ARRAY_SIZE(sw->devs))
		return -ENOSPC;
	d = &sw->devs[sw->adds];
	memset(&d->rec, 0, sizeof(d->rec));
	if (recorder_init_dev(&d->rec, dev, REC_CAP))
		return -ENOMEM;
	WRITE_ONCE(d->dev, dev);
	WRITE_ONCE(sw->adds, sw->adds + 1);
	wake_up_all(&sw->wq);
	return 0;
}

static void sleep_remove(struct hv_device *dev)
{
	struct sleep_dev *d = sleep_dev_of(dev);

	if (d) {
		recorder_destroy(&d->rec);
		WRITE_ONCE(d->dev, NULL);
	}
	WRITE_ONCE(sw->removes, sw->removes + 1);
	wake_up_all(&sw->wq);
}

/* The channels are still open here (vmbkmcl closes them after). */
static int sleep_suspend(struct hv_device *dev)
{
	struct sleep_dev *d = sleep_dev_of(dev);

	if (d) {
		d->suspends++;
		d->events_at_suspend = READ_ONCE(d->rec.nevents);
	}
	return 0;
}

/* The channels are not open again yet (vmbkmcl reopens them after). */
static int sleep_resume(struct hv_device *dev)
{
	struct sleep_dev *d = sleep_dev_of(dev);

	if (d) {
		d->resumes++;
		d->events_at_resume = READ_ONCE(d->rec.nevents);
	}
	return 0;
}

static const struct hv_vmbus_device_id sleep_ids[] = {
	{ .guid = GUID_INIT(0x0c5f3a21, 0x7d4e, 0x4b8a, 0xa1, 0xc2, 0xd3, 0xe4,
			    0xf5, 0x06, 0x17, 0x28) },
	{ },
};

static struct vmbkmcl_client_driver sleep_driver = {
	.name = "vmbkmcl_hvsleep_client",
	.id_table = sleep_ids,
	.add = sleep_add,
	.remove = sleep_remove,
	.suspend = sleep_suspend,
	.resume = sleep_resume,
};

/*
 * Between the last device's suspend and the first resume: every device is
 * suspended, the bus unloaded; interrupts are off and only CPU0 runs.
 * (Registered last, so this runs before hv_vmbus's and the platform's
 * syscore suspend, and after their resume.)  KMCL sends may be made in any
 * context up to softirq.
 */
static int sleep_syscore_suspend(void)
{
	struct recorder *r = &sw->devs[0].rec;
	u32 i;

	sw->syscore_suspends++;
	sw->host_open_while_suspended =
		hvemu_chan_is_open(sw->host[HOST_CLIENT].ch);
	for (i = 0; i < SLEEP_SENDS; i++)
		sw->sent[i] = recorder_send(r, sw->packets[i], SLEEP_TAG + i,
					    SLEEP_SEND_LEN, 0);
	sw->done_while_suspended = recorder_done_count(r);
	return 0;
}

static void sleep_syscore_resume(void)
{
	sw->syscore_resumes++;
}

#ifdef VMBKMCL_SYSCORE_DATA
/* The syscore API that gives callbacks a context; the test needs none. */
static int sleep_syscore_suspend_data(void *data)
{
	return sleep_syscore_suspend();
}

static void sleep_syscore_resume_data(void *data)
{
	sleep_syscore_resume();
}

static const struct syscore_ops sleep_syscore_ops = {
	.suspend = sleep_syscore_suspend_data,
	.resume = sleep_syscore_resume_data,
};

static struct syscore sleep_syscore = { .ops = &sleep_syscore_ops };

static void sleep_syscore_register(void)
{
	register_syscore(&sleep_syscore);
}

static void sleep_syscore_unregister(void)
{
	unregister_syscore(&sleep_syscore);
}
#else
static struct syscore_ops sleep_syscore = {
	.suspend = sleep_syscore_suspend,
	.resume = sleep_syscore_resume,
};

static void sleep_syscore_register(void)
{
	register_syscore_ops(&sleep_syscore);
}

static void sleep_syscore_unregister(void)
{
	unregister_syscore_ops(&sleep_syscore);
}
#endif

static bool wait_u32(u32 *v, u32 n)
{
	return wait_event_timeout(sw->wq, READ_ONCE(*v) >= n,
				  msecs_to_jiffies(WAIT_MS)) > 0;
}

static void sleep_count(struct sleep_counts *c)
{
	u32 i;

	for (i = 0; i < CHANNELMSG_COUNT; i++)
		c->msg[i] = hvemu_msg_count(i);
	for (i = 0; i < HVEMU_EV_COUNT; i++)
		c->ev[i] = hvemu_event_count(i);
	for (i = 0; i < OPEN_CHANNELS; i++) {
		c->opens[i] = atomic_read(&sw->host[i].opens);
		c->closes[i] = atomic_read(&sw->host[i].closes);
	}
}

/* Host packets that want completions; count the completions back. */
static u32 host_round_trip(struct hvhost *h, u32 n, u64 first)
{
	u32 i, ok = 0;

	for (i = 0; i < n; i++) {
		u64 tag = first + i;

		memset(sw->msg, 0, TRIP_LEN);
		memcpy(sw->msg, &tag, sizeof(tag));
		if (hvhost_send(h, VM_PKT_DATA_INBAND,
				VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
				tag, sw->msg, TRIP_LEN))
			return ok;
	}
	for (i = 0; i < n; i++) {
		if (hvhost_recv(h, &sw->reply, WAIT_MS))
			break;
		ok += sw->reply.hdr.type == VM_PKT_COMP &&
		      sw->reply.hdr.trans_id == first + i;
	}
	return ok;
}

/* The heartbeat IC's negotiation and one heartbeat; true if answered. */
static bool heartbeat_answers(struct hvhost *h, u8 transaction, u64 seq)
{
	struct icm_message *rm = (void *)sw->reply.data;
	struct icm_heartbeat *beat = (void *)(rm + 1);
	u32 len = hvic_negotiate(sw->msg, 1);

	if (hvhost_request(h, sw->msg, len, &sw->reply) ||
	    rm->hdr.msgtype != IC_MSGTYPE_NEGOTIATE || rm->hdr.status)
		return false;
	len = hvic_heartbeat(sw->msg, transaction, seq);
	return !hvhost_request(h, sw->msg, len, &sw->reply) &&
	       rm->hdr.msgtype == IC_MSGTYPE_HEARTBEAT &&
	       beat->seq_num == seq + 1;
}

/* @n echo requests; how many came back with an echo and a completion. */
static u32 echoes(struct hvhost *h, u32 n)
{
	u32 i, echoed = 0, completed = 0;

	for (i = 0; i < n; i++) {
		memset(sw->msg, 0x40 + i, ECHO_LEN);
		if (hvhost_send(h, VM_PKT_DATA_INBAND,
				VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
				i + 1, sw->msg, ECHO_LEN))
			return 0;
	}
	for (i = 0; i < 2 * n; i++) {
		if (hvhost_recv(h, &sw->reply, WAIT_MS))
			break;
		if (sw->reply.hdr.type == VM_PKT_COMP)
			completed++;
		else if (sw->reply.hdr.len >= ECHO_LEN &&
			 !memchr_inv(sw->reply.data, sw->reply.data[0],
				     ECHO_LEN))
			echoed++;
	}
	return min(echoed, completed);
}

static int sleep_write(const char *path, const char *val)
{
	struct file *f = filp_open(path, O_WRONLY, 0);
	loff_t pos = 0;
	ssize_t n;

	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	return n < 0 ? n : 0;
}

/* Hibernate to the core test level and back; in the insmod task. */
static void sleep_hibernate(void)
{
	u64 start;
	u32 i;

	for (i = 0; i < SLEEP_SENDS; i++) {
		sw->packets[i] = VmbPacketAllocate(sw->devs[0].rec.channel);
		if (!sw->packets[i]) {
			sw->failed = "packet allocation";
			return;
		}
	}
	if (sleep_write(PM_TEST_PATH, "core")) {
		sw->failed = "pm_test = core";
		return;
	}
	sw->cpus = num_online_cpus();
	sw->version = hvemu_vmbus_version();
	sleep_count(&sw->before);
	sleep_syscore_register();
	start = ktime_get_ns();
	sw->state_ret = sleep_write(PM_STATE_PATH, "disk");
	sw->ms = div_u64(ktime_get_ns() - start, NSEC_PER_MSEC);
	sleep_syscore_unregister();
	sleep_count(&sw->after);
	sleep_write(PM_TEST_PATH, "none");
}

/* Each step's failure is named in sw->failed; the first one stops it. */
static void sleep_scene(void)
{
	struct hvhost *h = sw->host;

	if (hvhost_offer(&h[HOST_CLIENT], &sleep_class, 0) ||
	    !wait_u32(&sw->adds, 1))
		return (void)(sw->failed = "client device bound");
	if (recorder_enable(&sw->devs[0].rec) != STATUS_SUCCESS ||
	    !hvhost_wait_opens(&h[HOST_CLIENT], 1))
		return (void)(sw->failed = "client channel open");
	if (host_round_trip(&h[HOST_CLIENT], TRIPS, TRIP_TAG_BEFORE) != TRIPS)
		return (void)(sw->failed = "client traffic before");

	if (hvhost_offer(&sw->gone, &sleep_class, 0) || !wait_u32(&sw->adds, 2))
		return (void)(sw->failed = "second device bound");
	if (recorder_enable(&sw->devs[1].rec) != STATUS_SUCCESS ||
	    !hvhost_wait_opens(&sw->gone, 1))
		return (void)(sw->failed = "second channel open");
	if (hvhost_rescind(&sw->gone) || !wait_u32(&sw->removes, 1))
		return (void)(sw->failed = "second device rescinded");

	if (hvhost_offer(&h[HOST_HEARTBEAT], &hv_heartbeat_class, 0) ||
	    !hvhost_wait_opens(&h[HOST_HEARTBEAT], 1) ||
	    !heartbeat_answers(&h[HOST_HEARTBEAT], 2, HEARTBEAT_SEQ))
		return (void)(sw->failed = "heartbeat sample before");
	if (hvhost_offer(&h[HOST_ECHO], &echo_class, 0) ||
	    !hvhost_wait_opens(&h[HOST_ECHO], 1) ||
	    echoes(&h[HOST_ECHO], ECHOES) != ECHOES)
		return (void)(sw->failed = "echo sample before");

	sleep_hibernate();
}

static int sleep_suite_init(struct kunit_suite *suite)
{
	if (!hvemu_present())
		return -ENODEV;
	sw = kzalloc(sizeof(*sw), GFP_KERNEL);
	if (!sw)
		return -ENOMEM;
	init_waitqueue_head(&sw->wq);
	/* No owner: see hvpath_test.c's suite_init. */
	if (__vmbkmcl_register_client_driver(&sleep_driver, NULL, NULL)) {
		kfree(sw);
		sw = NULL;
		return -ENODEV;
	}
	sleep_scene();
	return 0;
}

static void sleep_suite_exit(struct kunit_suite *suite)
{
	u32 i;

	for (i = 0; i < SLEEP_SENDS; i++)
		if (sw->packets[i])
			VmbPacketFree(sw->packets[i]);
	for (i = 0; i < OPEN_CHANNELS; i++)
		hvhost_rescind(&sw->host[i]);
	hvhost_rescind(&sw->gone);
	vmbkmcl_unregister_client_driver(&sleep_driver);
	kfree(sw);
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
		KUNIT_ASSERT_EQ(test, hvhost_recv(h, &sw->reply, WAIT_MS), 0);
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
	KUNIT_EXPECT_EQ(test, host_round_trip(h, TRIPS, TRIP_TAG_AFTER), TRIPS);
	KUNIT_EXPECT_EQ(test, recorder_count(&sw->devs[0].rec, REC_PACKET),
			2U * TRIPS);
	KUNIT_EXPECT_EQ(test, h->lost + h->bad, 0U);
}

/* No new add, no second remove; the host never saw the device again. */
static void device_rescinded_before_does_not_come_back(struct kunit *test)
{
	ASSERT_SCENE(test);
	KUNIT_EXPECT_EQ(test, sw->adds, 2U);
	KUNIT_EXPECT_EQ(test, sw->removes, 1U);
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
	KUNIT_EXPECT_TRUE(test, heartbeat_answers(&sw->host[HOST_HEARTBEAT],
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
	KUNIT_EXPECT_EQ(test, echoes(&sw->host[HOST_ECHO], ECHOES), ECHOES);
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
