// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_fault: every allocation of a channel's setup fails in turn, and
 * so does the host's open; each failure must come back as its documented
 * status, leave nothing allocated or open, and leave the device usable by
 * a new channel.  The debug kernel's kmemleak scan backs "nothing".
 */
#include <kunit/test.h>
#include <linux/module.h>

#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

#include "../vmbkmcl/fault.h"
#include "recorder.h"
#include "simhost.h"

/* More than setup ever allocates: the loop ends when a run needs fewer. */
#define MAX_SITES		64
#define GPADL_BYTES		(2 * PAGE_SIZE)
#define PAYLOAD_LEN		32
#define WAIT_TIMEOUT		msecs_to_jiffies(5000)

struct fault_fixture {
	struct simhost *sh;
	void *buf;
	struct counting_client client;
};

static int fault_init(struct kunit *test)
{
	struct fault_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->buf = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
					  get_order(GPADL_BYTES));
	KUNIT_ASSERT_NOT_NULL(test, f->buf);
	f->sh = simhost_create();
	KUNIT_ASSERT_NOT_NULL(test, f->sh);
	counting_client_init(&f->client);
	test->priv = f;
	return 0;
}

static void fault_exit(struct kunit *test)
{
	struct fault_fixture *f = test->priv;

	vmbkmcl_fault_fail_nth(0);
	simhost_destroy(f->sh);
	free_pages((unsigned long)f->buf, get_order(GPADL_BYTES));
}

/* Allocate, configure, enable, share a buffer: what a driver's add does. */
static NTSTATUS set_up(struct fault_fixture *f, VMBCHANNEL *ch, u32 *gpadl)
{
	NTSTATUS status = VmbChannelAllocate(simhost_device(f->sh), FALSE, ch);

	if (!NT_SUCCESS(status))
		return status;
	VmbChannelSetPointer(*ch, &f->client);
	status = VmbChannelInitSetProcessPacketCallbacks(*ch,
							 counting_client_packet,
							 NULL);
	if (NT_SUCCESS(status))
		status = VmbChannelEnable(*ch);
	if (NT_SUCCESS(status))
		status = VmbChannelCreateGpadlFromBuffer(*ch, 0, f->buf,
							 GPADL_BYTES, gpadl);
	return status;
}

static void tear_down(VMBCHANNEL ch)
{
	VmbChannelDisable(ch);
	VmbChannelCleanup(ch);
}

/* A channel set up from scratch on the same device carries a packet. */
static void expect_device_works(struct kunit *test, struct fault_fixture *f)
{
	int before = atomic_read(&f->client.packets);
	VMBCHANNEL ch = NULL;
	u32 gpadl;
	u64 tag = 1;

	KUNIT_ASSERT_EQ(test, set_up(f, &ch, &gpadl), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, simhost_write_inband(f->sh, VM_PKT_DATA_INBAND,
						   0, tag, &tag, sizeof(tag)),
			0);
	KUNIT_EXPECT_GT(test, wait_event_timeout(f->client.wq,
						 atomic_read(&f->client.packets) > before,
						 WAIT_TIMEOUT), 0L);
	VmbChannelDeleteGpadl(ch, gpadl);
	tear_down(ch);
}

static void every_setup_allocation_fails_cleanly_in_turn(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	u32 n, sites = 0, gpadl;

	for (n = 1; n <= MAX_SITES; n++) {
		VMBCHANNEL ch = NULL;
		NTSTATUS status;
		bool hit;

		vmbkmcl_fault_fail_nth(n);
		status = set_up(f, &ch, &gpadl);
		hit = !vmbkmcl_fault_pending();
		vmbkmcl_fault_fail_nth(0);
		if (!hit) {
			/* Setup needs fewer than n allocations: all covered. */
			KUNIT_EXPECT_EQ(test, status, STATUS_SUCCESS);
			VmbChannelDeleteGpadl(ch, gpadl);
			tear_down(ch);
			break;
		}
		sites++;
		KUNIT_EXPECT_EQ_MSG(test, status, STATUS_INSUFFICIENT_RESOURCES,
				    "allocation %u", n);
		if (ch)
			tear_down(ch);
		KUNIT_EXPECT_FALSE_MSG(test, simhost_rings_open(f->sh),
				       "allocation %u", n);
		expect_device_works(test, f);
	}
	KUNIT_EXPECT_LE(test, n, (u32)MAX_SITES);
	KUNIT_EXPECT_GE(test, sites, 5U);
	kunit_info(test, "%u allocation sites failed in turn\n", sites);
}

static const int open_errors[] = { -ENOMEM, -EAGAIN, -ENODEV };
static const NTSTATUS open_statuses[] = {
	STATUS_INSUFFICIENT_RESOURCES, STATUS_DEVICE_NOT_READY,
	STATUS_DEVICE_REMOVED,
};

static void host_refusing_the_open_fails_enable_with_its_status(struct kunit *test)
{
	struct fault_fixture *f = test->priv;
	NTSTATUS status;
	VMBCHANNEL ch;
	u32 i;

	KUNIT_ASSERT_EQ(test, VmbChannelAllocate(simhost_device(f->sh), FALSE,
						 &ch), STATUS_SUCCESS);
	VmbChannelSetPointer(ch, &f->client);
	status = VmbChannelInitSetProcessPacketCallbacks(ch,
							 counting_client_packet,
							 NULL);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	for (i = 0; i < ARRAY_SIZE(open_errors); i++) {
		simhost_fail_next_open(f->sh, open_errors[i]);
		KUNIT_EXPECT_EQ(test, VmbChannelEnable(ch), open_statuses[i]);
		KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
	}
	/* The same channel then opens. */
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(ch), STATUS_SUCCESS);
	tear_down(ch);
	expect_device_works(test, f);
}

static struct kunit_case fault_cases[] = {
	KUNIT_CASE(every_setup_allocation_fails_cleanly_in_turn),
	KUNIT_CASE(host_refusing_the_open_fails_enable_with_its_status),
	{}
};

static struct kunit_suite fault_suite = {
	.name = "vmbkmcl_fault",
	.init = fault_init,
	.exit = fault_exit,
	.test_cases = fault_cases,
};

kunit_test_suite(fault_suite);

MODULE_DESCRIPTION("KUnit: vmbkmcl's allocation and open failures");
MODULE_LICENSE("GPL");
