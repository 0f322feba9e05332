// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_demo: a simulated Hyper-V host that talks to the sample ports,
 * for `make demo`.
 *
 * Loaded after vmbkmcl, simhost and the samples, it offers a heartbeat
 * device and an echo device, drives each the way a host would, prints
 * what happened on lines starting "demo:", logs the guest channels'
 * statistics, and rescinds both devices.  The samples print their own
 * side.  Loading fails if anything the host saw was wrong.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/prandom.h>

#include "../samples/echo/echo.h"
#include "../samples/heartbeat/heartbeat.h"
#include "../samples/heartbeat/icmsg.h"
#include "../vmbkmcl/backend.h"
#include "simhost.h"

#define DEMO_HEARTBEATS		5
#define DEMO_FIRST_SEQ		100
#define DEMO_ECHOES		5000
#define DEMO_MAX_BURST		64
#define DEMO_ECHO_LEN		64
#define DEMO_MSG_MAX		256
#define DEMO_READ_TIMEOUT	msecs_to_jiffies(10000)

/* The sample's own class: it claims Hyper-V's only when told to. */
static const guid_t demo_heartbeat_class = HB_SAMPLE_CLASS_GUID;
static const guid_t demo_echo_class = ECHO_CLASS_GUID;

static struct simhost *demo_hb, *demo_echo;
static u8 demo_msg[DEMO_MSG_MAX], demo_reply[DEMO_MSG_MAX];

static struct icm_message *demo_ic(u16 type, u8 transaction)
{
	struct icm_message *m = (void *)demo_msg;

	memset(demo_msg, 0, sizeof(demo_msg));
	m->hdr.framework = (struct icm_version){ 1, 0 };
	m->hdr.msgtype = type;
	m->hdr.transaction_id = transaction;
	m->hdr.flags = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
	return m;
}

static int demo_negotiate(void)
{
	static const struct icm_version offers[] = {
		{ 3, 0 }, { 1, 0 }, { 3, 0 }, { 1, 0 },
	};
	struct icm_message *m = demo_ic(IC_MSGTYPE_NEGOTIATE, 1);
	struct icm_negotiate *neg = (void *)(m + 1);
	struct icm_negotiate *ans = (void *)(demo_reply + sizeof(*m));
	u32 len, got;
	int ret;

	neg->framework_count = 2;
	neg->msg_count = 2;
	memcpy(neg->versions, offers, sizeof(offers));
	len = ALIGN(sizeof(*m) + struct_size(neg, versions, 4), sizeof(u64));
	ret = simhost_request(demo_hb, demo_msg, len, demo_reply,
			      sizeof(demo_reply), &got);
	if (ret)
		return ret;
	pr_info("demo: host offered framework 3.0/1.0 and heartbeat 3.0/1.0; guest chose framework %u.%u, heartbeat %u.%u\n",
		ans->versions[0].major, ans->versions[0].minor,
		ans->versions[1].major, ans->versions[1].minor);
	return ans->framework_count == 1 ? 0 : -EPROTO;
}

static int demo_heartbeats(void)
{
	struct icm_heartbeat *ans = (void *)(demo_reply +
					     sizeof(struct icm_message));
	u32 i, len, got;
	int ret;

	for (i = 0; i < DEMO_HEARTBEATS; i++) {
		struct icm_message *m = demo_ic(IC_MSGTYPE_HEARTBEAT, i + 2);
		struct icm_heartbeat *beat = (void *)(m + 1);

		beat->seq_num = DEMO_FIRST_SEQ + i;
		len = ALIGN(sizeof(*m) + sizeof(*beat), sizeof(u64));
		ret = simhost_request(demo_hb, demo_msg, len, demo_reply,
				      sizeof(demo_reply), &got);
		if (ret)
			return ret;
		pr_info("demo: heartbeat seq %u answered with %llu\n",
			DEMO_FIRST_SEQ + i, ans->seq_num);
		if (ans->seq_num != DEMO_FIRST_SEQ + i + 1)
			return -EPROTO;
	}
	return 0;
}

/* Read echoes until @upto have come back, checking their order. */
static int demo_read_echoes(u64 *next, u64 upto)
{
	unsigned long deadline = jiffies + DEMO_READ_TIMEOUT;
	struct simhost_packet pkt;
	u64 tag;

	while (*next <= upto) {
		if (simhost_read(demo_echo, &pkt, &tag, sizeof(tag))) {
			if (time_after(jiffies, deadline))
				return -ETIMEDOUT;
			usleep_range(20, 100);
			continue;
		}
		if (tag != *next)
			return -EPROTO;
		(*next)++;
	}
	return 0;
}

static int demo_echo_traffic(void)
{
	u64 sent = 0, next = 1, payload[DEMO_ECHO_LEN / sizeof(u64)] = { 0 };
	u32 bursts = 0;
	int ret;

	while (sent < DEMO_ECHOES) {
		u32 n = 1 + get_random_u32() % DEMO_MAX_BURST;

		/* A burst is written at once and raises one interrupt. */
		simhost_hold_interrupts(demo_echo, true);
		while (n-- && sent < DEMO_ECHOES) {
			payload[0] = ++sent;
			if (simhost_write_inband(demo_echo, VM_PKT_DATA_INBAND,
						 0, 0, payload, sizeof(payload)))
				return -EIO;
		}
		simhost_hold_interrupts(demo_echo, false);
		bursts++;
		ret = demo_read_echoes(&next, sent);
		if (ret)
			return ret;
	}
	pr_info("demo: echo: host sent %llu packets in %u bursts, all %llu came back in order\n",
		sent, bursts, next - 1);
	return 0;
}

static struct simhost *demo_device(const guid_t *class, const char *what)
{
	struct simhost *sh = simhost_create();

	if (!sh)
		return NULL;
	simhost_set_class(sh, class);
	if (simhost_offer(sh) || !simhost_rings_open(sh)) {
		pr_err("demo: no driver took the %s device\n", what);
		simhost_destroy(sh);
		return NULL;
	}
	pr_info("demo: offered the %s device; its driver opened the channel\n",
		what);
	return sh;
}

static int __init demo_init(void)
{
	int ret = -ENODEV;

	demo_hb = demo_device(&demo_heartbeat_class, "heartbeat");
	demo_echo = demo_device(&demo_echo_class, "echo");
	if (!demo_hb || !demo_echo)
		goto out;
	ret = demo_negotiate();
	if (!ret)
		ret = demo_heartbeats();
	if (!ret)
		ret = demo_echo_traffic();
	if (ret)
		pr_err("demo: the host saw something wrong: %d\n", ret);

	pr_info("demo: guest channel statistics:\n");
	vmbkmcl_device_log_stats(simhost_device(demo_hb));
	vmbkmcl_device_log_stats(simhost_device(demo_echo));
	pr_info("demo: rescinding both devices\n");
	simhost_rescind(demo_echo);
	simhost_rescind(demo_hb);
out:
	simhost_destroy(demo_echo);
	simhost_destroy(demo_hb);
	return ret;
}

static void __exit demo_exit(void)
{
}

module_init(demo_init);
module_exit(demo_exit);

MODULE_DESCRIPTION("vmbkmcl demo: a simulated host for the sample ports");
MODULE_LICENSE("GPL");
