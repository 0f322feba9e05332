// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_hvdemo: `make demo` on the emulated Hyper-V.
 *
 * Loaded after vmbkmcl and the sample ports on a kernel booted with
 * hvemu=1, it plays the host through hvemu's VMBus host: it offers a
 * heartbeat device and an echo device, real hv_vmbus hands each to the
 * sample through vmbkmcl's hv_driver probe, the sample opens its channel
 * (GPADL, OPENCHANNEL), the host talks to it, then rescinds the device
 * and waits for hv_vmbus to release it.  Lines start with "demo:"; the
 * samples, hv_vmbus and hvemu print their own side.  Loading fails if
 * anything the host saw was wrong.
 */
#include <linux/hvemu.h>
#include <linux/module.h>

#include "hvhost.h"
#include "../samples/echo/echo.h"
#include "hvicmsg.h"

#define DEMO_HEARTBEATS	5
#define DEMO_ECHOES	200
#define DEMO_ECHO_LEN	64

static const guid_t demo_echo_class = ECHO_CLASS_GUID;

static struct hvhost demo_host;
static struct hvhost_pkt demo_reply;
static u8 demo_msg[HVHOST_MAX_PKT];

static int demo_offer(const guid_t *class, const char *what)
{
	memset(&demo_host, 0, sizeof(demo_host));
	if (hvhost_offer(&demo_host, class, 0))
		return -ENODEV;
	pr_info("demo: host offered a %s device (relid %u)\n", what,
		hvemu_chan_relid(demo_host.ch));
	if (!hvhost_wait_opens(&demo_host, 1)) {
		pr_err("demo: the guest never opened the %s channel\n", what);
		hvhost_rescind(&demo_host);
		return -ETIMEDOUT;
	}
	pr_info("demo: the guest opened it: GPADL_HEADER x%u, OPENCHANNEL x%u so far\n",
		hvemu_msg_count(CHANNELMSG_GPADL_HEADER),
		hvemu_msg_count(CHANNELMSG_OPENCHANNEL));
	return 0;
}

static int demo_rescind(const char *what)
{
	int ret = hvhost_rescind(&demo_host);

	pr_info("demo: host rescinded the %s device: %s (CLOSECHANNEL x%u, RELID_RELEASED x%u)\n",
		what, ret ? "never released" : "released",
		hvemu_msg_count(CHANNELMSG_CLOSECHANNEL),
		hvemu_msg_count(CHANNELMSG_RELID_RELEASED));
	return ret;
}

static int demo_heartbeat(void)
{
	struct icm_message *r = (void *)demo_reply.data;
	struct icm_heartbeat *beat = (void *)(r + 1);
	u32 i, len;
	int ret;

	ret = demo_offer(&hv_heartbeat_class, "heartbeat");
	if (ret)
		return ret;
	len = hvic_negotiate(demo_msg, 1);
	ret = hvhost_request(&demo_host, demo_msg, len, &demo_reply);
	if (!ret && r->hdr.status == 0)
		pr_info("demo: heartbeat negotiated framework %u.%u, heartbeat %u.%u\n",
			((struct icm_negotiate *)(r + 1))->versions[0].major,
			((struct icm_negotiate *)(r + 1))->versions[0].minor,
			((struct icm_negotiate *)(r + 1))->versions[1].major,
			((struct icm_negotiate *)(r + 1))->versions[1].minor);
	for (i = 0; !ret && i < DEMO_HEARTBEATS; i++) {
		len = hvic_heartbeat(demo_msg, 2 + i, 100 + i);
		ret = hvhost_request(&demo_host, demo_msg, len, &demo_reply);
		if (!ret && beat->seq_num != 100 + i + 1)
			ret = -EPROTO;
		if (!ret)
			pr_info("demo: heartbeat %llu answered with %llu\n",
				100ULL + i, beat->seq_num);
	}
	if (ret)
		pr_err("demo: heartbeat exchange failed: %d\n", ret);
	return demo_rescind("heartbeat") ?: ret;
}

static int demo_echo(void)
{
	u32 i, echoed = 0, completed = 0, n;
	int ret;

	ret = demo_offer(&demo_echo_class, "echo");
	if (ret)
		return ret;
	for (i = 0; i < DEMO_ECHOES && !ret; i++) {
		memset(demo_msg, i, DEMO_ECHO_LEN);
		ret = hvhost_send(&demo_host, VM_PKT_DATA_INBAND,
				  VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
				  i + 1, demo_msg, DEMO_ECHO_LEN);
		/* The echo and the completion come back for each. */
		for (n = 0; !ret && n < 2; n++) {
			ret = hvhost_recv(&demo_host, &demo_reply,
					  HVHOST_WAIT_MS);
			if (ret)
				break;
			if (demo_reply.hdr.type == VM_PKT_COMP)
				completed++;
			else if (!memchr_inv(demo_reply.data, (u8)i,
					     DEMO_ECHO_LEN))
				echoed++;
		}
	}
	pr_info("demo: echo: %u packets sent, %u echoed intact, %u completed\n",
		DEMO_ECHOES, echoed, completed);
	if (!ret && (echoed != DEMO_ECHOES || completed != DEMO_ECHOES))
		ret = -EPROTO;
	return demo_rescind("echo") ?: ret;
}

static int __init hvdemo_init(void)
{
	int ret;

	if (!hvemu_present()) {
		pr_err("demo: no emulated Hyper-V (boot with hvemu=1)\n");
		return -ENODEV;
	}
	pr_info("demo: real hv_vmbus negotiated VMBus %u.%u with the emulated host\n",
		hvemu_vmbus_version() >> 16, hvemu_vmbus_version() & 0xffff);
	ret = demo_heartbeat();
	if (!ret)
		ret = demo_echo();
	pr_info("demo: %s\n", ret ? "FAILED" : "done");
	return ret;
}

static void __exit hvdemo_exit(void)
{
}

module_init(hvdemo_init);
module_exit(hvdemo_exit);

MODULE_DESCRIPTION("make demo on the emulated Hyper-V: real hv_vmbus, the sample ports");
MODULE_LICENSE("GPL");
