// SPDX-License-Identifier: GPL-2.0
/*
 * The Hyper-V heartbeat integration component, ported to Linux on KMCL.
 *
 * The host negotiates IC framework and message versions, then sends a
 * heartbeat with a sequence number every few seconds; the guest answers
 * each with the number plus one, which tells the host the guest is alive.
 * The channel code below is what a Windows VSC would have: VmbChannel*
 * and VmbPacket* calls only.  The Linux glue is the client-driver
 * registration at the end.
 *
 * Packets of a channel are delivered one at a time (KMCL never overlaps a
 * channel's callbacks), so one message buffer per device suffices.
 *
 * Replies are inband packets carrying the request's VMBus transaction id,
 * as Linux's hv_utils (vmbus_sendpacket(..., requestid, ...)) and
 * FreeBSD's vmbus_ic_sendresp() answer the same host; id 0 is for
 * unsolicited messages.  KMCL V1 hides the id, so the sample uses
 * vmbkmcl's two extensions for it.
 *
 * Binding: heartbeat.h.  Without claim_heartbeat=1 the sample serves only
 * its own class, so it never races hv_utils for the host's heartbeat.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include <vmbkmcl/VmbusKernelModeClientLibApi.h>
#include <vmbkmcl/vmbkmcl_driver.h>

#include "heartbeat.h"
#include "icmsg.h"

#define HB_MAX_MSG		1024
#define HB_RING_PAGES		3

static bool claim_heartbeat;
module_param(claim_heartbeat, bool, 0444);
MODULE_PARM_DESC(claim_heartbeat,
		 "serve Hyper-V's heartbeat class, which hv_utils serves otherwise (default: only the sample's own class)");

/* Newest first: the first one the host also offers wins. */
static const struct icm_version hb_framework_versions[] = {
	{ 3, 0 }, { 1, 0 },
};

static const struct icm_version hb_msg_versions[] = {
	{ 3, 0 }, { 1, 0 },
};

/**
 * struct hb_device - one heartbeat device.
 * @channel:    its KMCL channel.
 * @msg:        the message being answered.
 * @request_id: its VMBus transaction id, which the reply carries.
 * @framework:  negotiated framework version.
 * @version:    negotiated heartbeat version.
 * @heartbeats: heartbeats answered.
 * @malformed:  messages dropped.
 */
struct hb_device {
	VMBCHANNEL channel;
	u8 msg[HB_MAX_MSG];
	u64 request_id;
	struct icm_version framework;
	struct icm_version version;
	u64 heartbeats;
	u64 malformed;
};

static bool hb_pick(const struct icm_version *ours, u32 n_ours,
		    const struct icm_version *offers, u32 n_offers,
		    struct icm_version *chosen)
{
	u32 i, j;

	for (i = 0; i < n_ours; i++)
		for (j = 0; j < n_offers; j++)
			if (ours[i].major == offers[j].major &&
			    ours[i].minor == offers[j].minor) {
				*chosen = ours[i];
				return true;
			}
	return false;
}

/*
 * Answer a negotiation in place, at the request's length: the counts say
 * one version of each, the table's first two entries are the picks, and
 * the header's size covers just that (16 bytes).  This is the reply
 * hv_utils (vmbus_prep_negotiate_resp) and FreeBSD's vmbus_ic_negomsg()
 * send; the host reads the counts and the first two entries only, and
 * the pipe header's size, left as the host wrote it, stays true.
 * Returns the reply length, or 0 for a malformed request.
 */
static u32 hb_negotiate(struct hb_device *hb, struct icm_message *m, u32 len)
{
	struct icm_negotiate *neg = (void *)(m + 1);
	struct icm_version fw, ver;
	u32 offers;

	if (len < sizeof(*m) + sizeof(*neg))
		return 0;
	offers = neg->framework_count + neg->msg_count;
	if (len < sizeof(*m) + struct_size(neg, versions, offers))
		return 0;

	m->hdr.msgsize = struct_size(neg, versions, 2);
	if (hb_pick(hb_framework_versions, ARRAY_SIZE(hb_framework_versions),
		    neg->versions, neg->framework_count, &fw) &&
	    hb_pick(hb_msg_versions, ARRAY_SIZE(hb_msg_versions),
		    neg->versions + neg->framework_count, neg->msg_count,
		    &ver)) {
		/* Two matches: the table holds at least two entries. */
		hb->framework = fw;
		hb->version = ver;
		neg->framework_count = 1;
		neg->msg_count = 1;
		neg->versions[0] = fw;
		neg->versions[1] = ver;
		m->hdr.status = 0;
		pr_info("heartbeat: negotiated framework %u.%u, heartbeat %u.%u\n",
			fw.major, fw.minor, ver.major, ver.minor);
	} else {
		neg->framework_count = 0;
		neg->msg_count = 0;
		m->hdr.status = IC_STATUS_FAIL;
		pr_info("heartbeat: no common version\n");
	}
	return len;
}

static u32 hb_heartbeat(struct hb_device *hb, struct icm_message *m, u32 len)
{
	struct icm_heartbeat *beat = (void *)(m + 1);

	if (len < sizeof(*m) + sizeof(*beat))
		return 0;
	beat->seq_num++;
	hb->heartbeats++;
	return len;
}

static void hb_answer(struct hb_device *hb, u32 len)
{
	VMBPACKET reply = VmbPacketAllocate(hb->channel);

	if (!reply)
		return;
	vmbkmcl_packet_set_reply_id(reply, hb->request_id);
	/* The default routine frees the packet once it is on the ring. */
	if (!NT_SUCCESS(VmbPacketSend(reply, hb->msg, len, NULL, 0)))
		VmbPacketFree(reply);
}

static VOID hb_process_packet(VMBCHANNEL Channel, VMBPACKETCOMPLETION Packet,
			      PVOID Buffer, UINT32 BufferLength, UINT32 Flags)
{
	struct hb_device *hb = VmbChannelGetPointer(Channel);
	struct icm_message *m = (void *)hb->msg;
	u32 len = min_t(u32, BufferLength, sizeof(hb->msg)), reply = 0;

	memcpy(hb->msg, Buffer, len);
	hb->request_id = vmbkmcl_packet_transaction_id(Packet);
	VmbChannelPacketComplete(Packet, NULL, 0);

	if (len >= sizeof(*m)) {
		if (m->hdr.msgtype == IC_MSGTYPE_NEGOTIATE)
			reply = hb_negotiate(hb, m, len);
		else if (m->hdr.msgtype == IC_MSGTYPE_HEARTBEAT)
			reply = hb_heartbeat(hb, m, len);
	}
	if (!reply) {
		hb->malformed++;
		pr_warn_ratelimited("heartbeat: dropped a malformed message (%u bytes)\n",
				    BufferLength);
		return;
	}
	m->hdr.flags = IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE;
	hb_answer(hb, reply);
}

static int hb_add(struct hv_device *dev)
{
	static const u16 name[] = { 'H', 'e', 'a', 'r', 't', 'b', 'e', 'a', 't' };
	const UNICODE_STRING friendly = {
		.Length = sizeof(name), .MaximumLength = sizeof(name),
		.Buffer = (u16 *)name,
	};
	struct hb_device *hb;
	NTSTATUS status;

	hb = kzalloc(sizeof(*hb), GFP_KERNEL);
	if (!hb)
		return -ENOMEM;
	status = VmbChannelAllocate(dev, FALSE, &hb->channel);
	if (!NT_SUCCESS(status))
		goto err_free;
	VmbChannelSetPointer(hb->channel, hb);
	status = VmbChannelInitSetProcessPacketCallbacks(hb->channel,
							 hb_process_packet,
							 NULL);
	if (NT_SUCCESS(status))
		status = VmbChannelInitSetMaximumPacketSize(hb->channel,
							    HB_MAX_MSG);
	if (NT_SUCCESS(status))
		status = VmbClientChannelInitSetRingBufferPageCount(hb->channel,
								    HB_RING_PAGES,
								    HB_RING_PAGES);
	if (NT_SUCCESS(status))
		status = VmbChannelInitSetFriendlyName(hb->channel, &friendly);
	if (NT_SUCCESS(status))
		status = VmbChannelEnable(hb->channel);
	if (!NT_SUCCESS(status))
		goto err_cleanup;
	hv_set_drvdata(dev, hb);
	return 0;

err_cleanup:
	VmbChannelCleanup(hb->channel);
err_free:
	kfree(hb);
	pr_err("heartbeat: channel setup failed: %#x\n", status);
	return -ENODEV;
}

static void hb_remove(struct hv_device *dev)
{
	struct hb_device *hb = hv_get_drvdata(dev);

	VmbChannelDisable(hb->channel);
	VmbChannelCleanup(hb->channel);
	pr_info("heartbeat: removed after %llu heartbeats, %llu malformed\n",
		hb->heartbeats, hb->malformed);
	hv_set_drvdata(dev, NULL);
	kfree(hb);
}

/*
 * No MODULE_DEVICE_TABLE: a modalias for the heartbeat class would have
 * udev load the sample for the host's heartbeat, racing hv_utils.
 */
static const struct hv_vmbus_device_id hb_sample_ids[] = {
	{ .guid = HB_SAMPLE_CLASS_GUID },
	{ },
};

static const struct hv_vmbus_device_id hb_hyperv_ids[] = {
	{ .guid = HB_HYPERV_CLASS_GUID },
	{ },
};

static struct vmbkmcl_client_driver hb_driver = {
	.name = "vmbkmcl_heartbeat",
	.add = hb_add,
	.remove = hb_remove,
};

static int __init hb_init(void)
{
	hb_driver.id_table = claim_heartbeat ? hb_hyperv_ids : hb_sample_ids;
	if (claim_heartbeat)
		pr_info("heartbeat: claiming Hyper-V's heartbeat class (claim_heartbeat=1)\n");
	return vmbkmcl_register_client_driver(&hb_driver);
}

static void __exit hb_exit(void)
{
	vmbkmcl_unregister_client_driver(&hb_driver);
}

module_init(hb_init);
module_exit(hb_exit);

MODULE_DESCRIPTION("Hyper-V heartbeat IC on vmbkmcl (sample port)");
MODULE_LICENSE("GPL");
