// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_binding: how client drivers are bound to devices (driver.c).
 *
 * A test client driver serves a class of its own, and two simulated hosts
 * offer devices in it.  Its add enables one channel per device and may be
 * told to wait for its host first, as the guest-speaks-first VSCs do; its
 * remove may be told to leave the channel enabled, a port's bug vmbkmcl
 * repairs.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/workqueue.h>

#include <vmbkmcl/vmbkmcl_driver.h>

#include "../vmbkmcl/verifier.h"
#include "recorder.h"

/* An add's own bounded wait for its host: long enough for TCG. */
#define ADD_WAIT_MS		3000

#define BIND_CLASS_GUID	GUID_INIT(0x6b0f3d3e, 0x52a4, 0x4c3e, 0x9d, 0x1e, \
				  0x61, 0x7a, 0x8c, 0x2b, 0x44, 0x01)

enum { DEV_A, DEV_B, NR_DEVS };

struct bind_fixture {
	struct simhost *sh[NR_DEVS];
	VMBCHANNEL chan[NR_DEVS];
	struct counting_client client;
	bool registered;
	bool block_a;
	bool leave_enabled;
	bool a_timed_out;
	struct completion a_entered;
	struct completion release_a;
	struct work_struct offer_a;
	int offer_a_ret;
};

/* The driver's callbacks get only the device: the case's fixture. */
static struct bind_fixture *bind_current;

static unsigned long add_wait(void)
{
	return msecs_to_jiffies(ADD_WAIT_MS);
}

static int bind_index(struct bind_fixture *f, struct hv_device *dev)
{
	return dev == simhost_device(f->sh[DEV_A]) ? DEV_A : DEV_B;
}

static int bind_add(struct hv_device *dev)
{
	struct bind_fixture *f = bind_current;
	int i = bind_index(f, dev);
	NTSTATUS status;
	VMBCHANNEL c;

	if (i == DEV_A && f->block_a) {
		complete(&f->a_entered);
		f->a_timed_out =
			!wait_for_completion_timeout(&f->release_a, add_wait());
	}
	if (!NT_SUCCESS(VmbChannelAllocate(dev, FALSE, &c)))
		return -ENOMEM;
	VmbChannelSetPointer(c, &f->client);
	status = VmbChannelInitSetProcessPacketCallbacks(c,
							 counting_client_packet,
							 NULL);
	if (NT_SUCCESS(status))
		status = VmbChannelEnable(c);
	if (!NT_SUCCESS(status)) {
		VmbChannelCleanup(c);
		return -EIO;
	}
	f->chan[i] = c;
	return 0;
}

static void bind_remove(struct hv_device *dev)
{
	struct bind_fixture *f = bind_current;
	int i = bind_index(f, dev);

	if (f->leave_enabled)
		return;
	VmbChannelDisable(f->chan[i]);
	VmbChannelCleanup(f->chan[i]);
	f->chan[i] = NULL;
}

static const struct hv_vmbus_device_id bind_ids[] = {
	{ .guid = BIND_CLASS_GUID },
	{ }
};

static struct vmbkmcl_client_driver bind_driver = {
	.name = "vmbkmcl_binding_test",
	.id_table = bind_ids,
	.add = bind_add,
	.remove = bind_remove,
};

static void offer_a_now(struct work_struct *work)
{
	struct bind_fixture *f = container_of(work, struct bind_fixture,
					      offer_a);

	f->offer_a_ret = simhost_offer(f->sh[DEV_A]);
}

static int bind_init(struct kunit *test)
{
	const guid_t class = BIND_CLASS_GUID;
	struct bind_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	bind_current = f;
	counting_client_init(&f->client);
	init_completion(&f->a_entered);
	init_completion(&f->release_a);
	INIT_WORK(&f->offer_a, offer_a_now);
	for (i = 0; i < NR_DEVS; i++) {
		f->sh[i] = simhost_create();
		KUNIT_ASSERT_NOT_NULL(test, f->sh[i]);
		simhost_set_class(f->sh[i], &class);
	}
	KUNIT_ASSERT_EQ(test, vmbkmcl_register_client_driver(&bind_driver), 0);
	f->registered = true;
	return 0;
}

static void bind_exit(struct kunit *test)
{
	struct bind_fixture *f = test->priv;
	int i;

	if (!f)
		return;
	complete_all(&f->release_a);
	flush_work(&f->offer_a);
	f->leave_enabled = false;
	if (f->registered)
		vmbkmcl_unregister_client_driver(&bind_driver);
	for (i = 0; i < NR_DEVS; i++) {
		if (f->chan[i]) {
			VmbChannelDisable(f->chan[i]);
			VmbChannelCleanup(f->chan[i]);
		}
		simhost_destroy(f->sh[i]);
	}
	bind_current = NULL;
}

/*
 * Device A's add waits for its host; meanwhile device B is offered and
 * bound.  Binding is per device: no lock of vmbkmcl's is held across an
 * add, so B's bind does not wait for A's.
 */
static void add_waiting_for_its_host_holds_up_no_other_device(struct kunit *test)
{
	struct bind_fixture *f = test->priv;

	f->block_a = true;
	schedule_work(&f->offer_a);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&f->a_entered,
							    add_wait()));
	KUNIT_EXPECT_EQ(test, simhost_offer(f->sh[DEV_B]), 0);
	KUNIT_EXPECT_TRUE(test, simhost_rings_open(f->sh[DEV_B]));
	complete(&f->release_a);
	flush_work(&f->offer_a);
	KUNIT_EXPECT_FALSE(test, f->a_timed_out);
	KUNIT_EXPECT_EQ(test, f->offer_a_ret, 0);
	KUNIT_EXPECT_TRUE(test, simhost_rings_open(f->sh[DEV_A]));
}

/*
 * A remove that leaves its channel enabled: vmbkmcl closes it after
 * remove returns, and says so, so the host never interrupts into a client
 * that may be unloaded next.
 */
static void channel_left_enabled_by_remove_is_closed(struct kunit *test)
{
	struct bind_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, simhost_offer(f->sh[DEV_A]), 0);
	KUNIT_ASSERT_TRUE(test, simhost_rings_open(f->sh[DEV_A]));
	f->leave_enabled = true;
	vmbkmcl_unregister_client_driver(&bind_driver);
	f->registered = false;
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh[DEV_A]));
	KUNIT_EXPECT_EQ(test, rec_misuse_count(VMB_RULE_REMOVE_LEFT_ENABLED),
			1U);
}

static struct kunit_case bind_cases[] = {
	KUNIT_CASE(add_waiting_for_its_host_holds_up_no_other_device),
	KUNIT_CASE(channel_left_enabled_by_remove_is_closed),
	{}
};

static struct kunit_suite bind_suite = {
	.name = "vmbkmcl_binding",
	.suite_init = rec_expect_misuse,
	.suite_exit = rec_misuse_done,
	.init = bind_init,
	.exit = bind_exit,
	.test_cases = bind_cases,
};

kunit_test_suites(&bind_suite);

MODULE_DESCRIPTION("KUnit: binding client drivers to devices");
MODULE_LICENSE("GPL");
