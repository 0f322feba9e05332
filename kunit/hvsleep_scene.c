// SPDX-License-Identifier: GPL-2.0
/*
 * hvsleep_scene - what vmbkmcl_hvsleep's suite_init does (hvsleep.h).
 *
 * The scene: a test client (recorder, kunit/recorder.c) with its channel
 * open and traffic done; a second device of that client bound, enabled
 * and rescinded before the hibernation; the heartbeat and echo samples on
 * devices of their own.  Then the kernel hibernates to the core test
 * level and back, and while suspended (a syscore hook, after every
 * device's suspend, before any resume) the client sends packets.  Every
 * count the cases compare is taken here, before and after.
 *
 * @sw is the one world, set for the scene's run: the syscore hooks have
 * no context of their own on 6.1.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/syscore_ops.h>

#include "../samples/echo/echo.h"
#include "hvicmsg.h"
#include "hvsleep.h"

#define REC_CAP			256
#define PM_TEST_PATH		"/sys/power/pm_test"
#define PM_STATE_PATH		"/sys/power/state"
#define ECHO_LEN		100
#define HEARTBEAT_SEQ		0x7000

/* {0c5f3a21-7d4e-4b8a-a1c2-d3e4f5061728}: the suite's own device class. */
static const guid_t sleep_class = GUID_INIT(0x0c5f3a21, 0x7d4e, 0x4b8a, 0xa1,
	0xc2, 0xd3, 0xe4, 0xf5, 0x06, 0x17, 0x28);
static const guid_t echo_class = ECHO_CLASS_GUID;

static struct sleep_world *sw;

static struct sleep_dev *sleep_dev_of(struct hv_device *dev)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(sw->devs); i++)
		if (sw->devs[i].dev == dev)
			return &sw->devs[i];
	return NULL;
}

/* The next of sw->devs, in add order. */
static int sleep_add(struct hvclient *c, struct hv_device *dev)
{
	struct sleep_dev *d;

	if (c->adds >= ARRAY_SIZE(sw->devs))
		return -ENOSPC;
	d = &sw->devs[c->adds];
	memset(&d->rec, 0, sizeof(d->rec));
	if (recorder_init_dev(&d->rec, dev, REC_CAP))
		return -ENOMEM;
	WRITE_ONCE(d->dev, dev);
	return 0;
}

static void sleep_remove(struct hvclient *c, struct hv_device *dev)
{
	struct sleep_dev *d = sleep_dev_of(dev);

	if (d) {
		recorder_destroy(&d->rec);
		WRITE_ONCE(d->dev, NULL);
	}
}

/* The channels are still open here (vmbkmcl closes them after). */
static int sleep_suspend(struct hvclient *c, struct hv_device *dev)
{
	struct sleep_dev *d = sleep_dev_of(dev);

	if (d) {
		d->suspends++;
		d->events_at_suspend = READ_ONCE(d->rec.nevents);
	}
	return 0;
}

/* The channels are not open again yet (vmbkmcl reopens them after). */
static int sleep_resume(struct hvclient *c, struct hv_device *dev)
{
	struct sleep_dev *d = sleep_dev_of(dev);

	if (d) {
		d->resumes++;
		d->events_at_resume = READ_ONCE(d->rec.nevents);
	}
	return 0;
}

static const struct hvclient_ops sleep_ops = {
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

/**
 * hvsleep_heartbeat_answers() - the heartbeat IC's negotiation and one
 * heartbeat.
 * @w:           the world: its @msg and @reply are used.
 * @h:           the heartbeat sample's host end.
 * @transaction: the heartbeat's IC transaction id.
 * @seq:         its sequence number.
 *
 * Context: process context; sleeps (bounded).
 * Return: true if the sample answered both, the heartbeat with @seq + 1;
 * its answer is left in @w->reply.
 */
bool hvsleep_heartbeat_answers(struct sleep_world *w, struct hvhost *h,
			       u8 transaction, u64 seq)
{
	struct icm_message *rm = (void *)w->reply.data;
	struct icm_heartbeat *beat = (void *)(rm + 1);
	u32 len = hvic_negotiate(w->msg, 1);

	if (hvhost_request(h, w->msg, len, &w->reply) ||
	    rm->hdr.msgtype != IC_MSGTYPE_NEGOTIATE || rm->hdr.status)
		return false;
	len = hvic_heartbeat(w->msg, transaction, seq);
	return !hvhost_request(h, w->msg, len, &w->reply) &&
	       rm->hdr.msgtype == IC_MSGTYPE_HEARTBEAT &&
	       beat->seq_num == seq + 1;
}

/**
 * hvsleep_echoes() - echo requests to the echo sample.
 * @w: the world: its @msg and @reply are used.
 * @h: the echo sample's host end.
 * @n: how many requests, ECHO_LEN bytes each.
 *
 * Context: process context; sleeps (bounded).
 * Return: how many came back with an echo and a completion.
 */
u32 hvsleep_echoes(struct sleep_world *w, struct hvhost *h, u32 n)
{
	u32 i, echoed = 0, completed = 0;

	for (i = 0; i < n; i++) {
		memset(w->msg, 0x40 + i, ECHO_LEN);
		if (hvhost_send(h, VM_PKT_DATA_INBAND,
				VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
				i + 1, w->msg, ECHO_LEN))
			return 0;
	}
	for (i = 0; i < 2 * n; i++) {
		if (hvhost_recv(h, &w->reply, HVHOST_WAIT_MS))
			break;
		if (w->reply.hdr.type == VM_PKT_COMP)
			completed++;
		else if (w->reply.hdr.len >= ECHO_LEN &&
			 !memchr_inv(w->reply.data, w->reply.data[0],
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

	if (hvclient_offer(&sw->client, &h[HOST_CLIENT]))
		return (void)(sw->failed = "client device bound");
	if (recorder_enable(&sw->devs[0].rec) != STATUS_SUCCESS ||
	    !hvhost_wait_opens(&h[HOST_CLIENT], 1))
		return (void)(sw->failed = "client channel open");
	if (hvhost_round_trip(&h[HOST_CLIENT], TRIPS, TRIP_TAG_BEFORE,
			      &sw->reply) != TRIPS)
		return (void)(sw->failed = "client traffic before");

	if (hvclient_offer(&sw->client, &sw->gone))
		return (void)(sw->failed = "second device bound");
	if (recorder_enable(&sw->devs[1].rec) != STATUS_SUCCESS ||
	    !hvhost_wait_opens(&sw->gone, 1))
		return (void)(sw->failed = "second channel open");
	if (hvhost_rescind(&sw->gone) ||
	    !hvclient_wait(&sw->client, &sw->client.removes, 1, HVHOST_WAIT_MS))
		return (void)(sw->failed = "second device rescinded");

	if (hvhost_offer(&h[HOST_HEARTBEAT], &hv_heartbeat_class, 0) ||
	    !hvhost_wait_opens(&h[HOST_HEARTBEAT], 1) ||
	    !hvsleep_heartbeat_answers(sw, &h[HOST_HEARTBEAT], 2,
				       HEARTBEAT_SEQ))
		return (void)(sw->failed = "heartbeat sample before");
	if (hvhost_offer(&h[HOST_ECHO], &echo_class, 0) ||
	    !hvhost_wait_opens(&h[HOST_ECHO], 1) ||
	    hvsleep_echoes(sw, &h[HOST_ECHO], ECHOES) != ECHOES)
		return (void)(sw->failed = "echo sample before");

	sleep_hibernate();
}

/**
 * hvsleep_scene_start() - set the scene, hibernate, and record it all.
 *
 * In the insmod task (vmbkmcl_hvsleep's suite_init): the freezer skips
 * it.  A step that fails is named in the world's @failed, and the steps
 * after it are not taken.
 *
 * Context: process context; sleeps; hibernates the kernel.
 * Return: the world, or an ERR_PTR(): -ENODEV without an emulated
 * Hyper-V, -ENOMEM, or the client's registration error.
 */
struct sleep_world *hvsleep_scene_start(void)
{
	int ret;

	sw = kzalloc(sizeof(*sw), GFP_KERNEL);
	if (!sw)
		return ERR_PTR(-ENOMEM);
	ret = hvclient_register(&sw->client, "vmbkmcl_hvsleep_client",
				&sleep_class, &sleep_ops);
	if (ret) {
		kfree(sw);
		sw = NULL;
		return ERR_PTR(ret);
	}
	sleep_scene();
	return sw;
}

/**
 * hvsleep_scene_end() - rescind the devices, free the world.
 * @w: what hvsleep_scene_start() returned.
 *
 * Context: process context; sleeps.
 */
void hvsleep_scene_end(struct sleep_world *w)
{
	u32 i;

	for (i = 0; i < SLEEP_SENDS; i++)
		if (w->packets[i])
			VmbPacketFree(w->packets[i]);
	for (i = 0; i < OPEN_CHANNELS; i++)
		hvhost_rescind(&w->host[i]);
	hvhost_rescind(&w->gone);
	hvclient_unregister(&w->client);
	kfree(w);
	sw = NULL;
}
