// SPDX-License-Identifier: GPL-2.0
/*
 * An echo device on KMCL: every packet the host sends comes back to it.
 *
 * A small data-path client in the shape of a ported VSC: ProcessPacket
 * sends the payload back and completes the packet at once, and
 * ProcessingComplete marks the end of each batch, where a real driver
 * would flush work it gathered.  The device class is vmbkmcl's own; only
 * a simulated host offers it.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include <vmbkmcl/VmbusKernelModeClientLibApi.h>
#include <vmbkmcl/vmbkmcl_driver.h>

#include "echo.h"

#define ECHO_MAX_PACKET		512

/**
 * struct echo_device - one echo device.
 * @channel:  its channel.
 * @packets:  packets echoed.
 * @batches:  ProcessingComplete calls.
 * @largest:  largest batch.
 * @dropped:  echoes that could not be sent (no packet, or refused).
 */
struct echo_device {
	VMBCHANNEL channel;
	u64 packets;
	u64 batches;
	u32 largest;
	u64 dropped;
};

static VOID echo_process_packet(VMBCHANNEL Channel, VMBPACKETCOMPLETION Packet,
				PVOID Buffer, UINT32 BufferLength, UINT32 Flags)
{
	struct echo_device *echo = VmbChannelGetPointer(Channel);
	VMBPACKET reply = VmbPacketAllocate(Channel);

	/* The payload is copied into the reply before Send returns. */
	if (!reply || !NT_SUCCESS(VmbPacketSend(reply, Buffer, BufferLength,
						NULL, 0))) {
		VmbPacketFree(reply);
		echo->dropped++;
	}
	VmbChannelPacketComplete(Packet, NULL, 0);
	echo->packets++;
}

static VOID echo_processing_complete(VMBCHANNEL Channel, UINT32 PacketsProcessed)
{
	struct echo_device *echo = VmbChannelGetPointer(Channel);

	echo->batches++;
	echo->largest = max(echo->largest, PacketsProcessed);
}

static const u16 echo_name_chars[] = { 'E', 'c', 'h', 'o' };
static const UNICODE_STRING echo_name = {
	.Length = sizeof(echo_name_chars),
	.MaximumLength = sizeof(echo_name_chars),
	.Buffer = (u16 *)echo_name_chars,
};

static int echo_add(struct hv_device *dev)
{
	struct echo_device *echo;
	NTSTATUS status;

	echo = kzalloc(sizeof(*echo), GFP_KERNEL);
	if (!echo)
		return -ENOMEM;
	status = VmbChannelAllocate(dev, FALSE, &echo->channel);
	if (!NT_SUCCESS(status))
		goto err_free;
	VmbChannelSetPointer(echo->channel, echo);
	status = VmbChannelInitSetFriendlyName(echo->channel, &echo_name);
	if (NT_SUCCESS(status))
		status = VmbChannelInitSetProcessPacketCallbacks(echo->channel,
								 echo_process_packet,
								 echo_processing_complete);
	if (NT_SUCCESS(status))
		status = VmbChannelInitSetMaximumPacketSize(echo->channel,
							    ECHO_MAX_PACKET);
	if (NT_SUCCESS(status))
		status = VmbChannelEnable(echo->channel);
	if (!NT_SUCCESS(status))
		goto err_cleanup;
	hv_set_drvdata(dev, echo);
	return 0;

err_cleanup:
	VmbChannelCleanup(echo->channel);
err_free:
	kfree(echo);
	return -ENODEV;
}

static void echo_remove(struct hv_device *dev)
{
	struct echo_device *echo = hv_get_drvdata(dev);

	VmbChannelDisable(echo->channel);
	VmbChannelCleanup(echo->channel);
	pr_info("echo: %llu packets echoed in %llu batches (largest %u), %llu dropped\n",
		echo->packets, echo->batches, echo->largest, echo->dropped);
	hv_set_drvdata(dev, NULL);
	kfree(echo);
}

static const struct hv_vmbus_device_id echo_ids[] = {
	{ .guid = ECHO_CLASS_GUID },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, echo_ids);

static struct vmbkmcl_client_driver echo_driver = {
	.name = "vmbkmcl_echo",
	.id_table = echo_ids,
	.add = echo_add,
	.remove = echo_remove,
};

static int __init echo_init(void)
{
	return vmbkmcl_register_client_driver(&echo_driver);
}

static void __exit echo_exit(void)
{
	vmbkmcl_unregister_client_driver(&echo_driver);
}

module_init(echo_init);
module_exit(echo_exit);

MODULE_DESCRIPTION("Echo device on vmbkmcl (sample data-path client)");
MODULE_LICENSE("GPL");
