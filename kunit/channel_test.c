// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_channel: the channel object, its init-time setters and its
 * lifecycle, against a simulated host.
 *
 * Each case gets a fresh simhost, a recorder (a channel with every callback
 * installed, logging each call) and a bare channel on the same device with
 * no callbacks at all.  At most one of the two is enabled at a time: the
 * device has one set of rings.  The setter tables are data: each row names
 * a setter, its arguments and the status the spec or channel.c's kernel-doc
 * promises for them.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/wait.h>

#include "../vmbkmcl/channel.h"
#include "recorder.h"

#define REC_CAP			64
#define PAYLOAD_LEN		sizeof(u64)	/* the tag alone */
#define NO_FLAGS		0
#define WAIT_TIMEOUT		msecs_to_jiffies(10000)

/* Valid setter arguments, other than the defaults. */
#define VALID_PACKET_SIZE	(2 * PAGE_SIZE)
#define VALID_EXTERNAL_DATA	(64 * 1024)
#define VALID_EXTERNAL_CHAIN	4
#define VALID_CONTEXT_SIZE	64
#define VALID_RING_PAGES	8
/* Both rings plus one header page each must fit in VMB_MAX_RING_PAGES. */
#define RING_HEADER_PAGES	2
#define MIN_RING_PAGES		1
#define LARGEST_RING_PAGES	(VMB_MAX_RING_PAGES - RING_HEADER_PAGES - \
				 MIN_RING_PAGES)
#define LARGEST_PACKET_SIZE	(VMB_MAX_RING_PAGES * PAGE_SIZE)

/* Friendly names: a long one with a character outside printable ASCII. */
#define LONG_NAME_CHARS		40
#define NON_ASCII_INDEX		2
#define NON_ASCII_CHAR		0x263a		/* WHITE SMILING FACE */

struct channel_fixture {
	struct simhost *sh;
	struct recorder rec;
	bool rec_ready;
	VMBCHANNEL bare;
	struct counting_client client;
};

static int channel_init(struct kunit *test)
{
	struct channel_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	test->priv = f;
	counting_client_init(&f->client);
	f->sh = simhost_create();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f->sh);
	KUNIT_ASSERT_EQ(test, recorder_init(&f->rec, f->sh, REC_CAP), 0);
	f->rec_ready = true;
	KUNIT_ASSERT_EQ(test, VmbChannelAllocate(simhost_device(f->sh), FALSE,
						 &f->bare), STATUS_SUCCESS);
	VmbChannelSetPointer(f->bare, &f->client);
	return 0;
}

static void channel_exit(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	if (!f || !f->sh)
		return;
	if (f->bare) {
		VmbChannelDisable(f->bare);
		VmbChannelCleanup(f->bare);
	}
	if (f->rec_ready)
		recorder_destroy(&f->rec);
	simhost_destroy(f->sh);
}

/* --- the setter tables --- */

enum setter {
	SET_PROCESS_PACKET_CALLBACKS,
	SET_STATE_CHANGE_CALLBACKS,
	SET_MAXIMUM_PACKET_SIZE,
	SET_MAXIMUM_EXTERNAL_DATA,
	SET_CLIENT_CONTEXT_SIZE,
	SET_FLAGS,
	SET_FRIENDLY_NAME,
	SET_RING_BUFFER_PAGE_COUNT,
};

/**
 * struct setter_call - one init setter call and what it must return.
 * @name:     the row, as a sentence.
 * @setter:   which setter.
 * @a:        first numeric argument; Version for StateChangeCallbacks,
 *            the name's Length in bytes for FriendlyName.
 * @b:        second numeric argument; Size for StateChangeCallbacks.
 * @null_arg: pass NULL for the setter's pointer argument.
 * @expected: status on a channel still initialising.
 */
struct setter_call {
	const char *name;
	enum setter setter;
	u32 a, b;
	bool null_arg;
	NTSTATUS expected;
};

static const u16 network_name[] = { 'N', 'e', 't', 'w', 'o', 'r', 'k' };

static NTSTATUS call_setter(VMBCHANNEL c, const struct setter_call *s)
{
	VMB_CHANNEL_STATE_CHANGE_CALLBACKS cb;
	UNICODE_STRING name = {
		.Length = s->a, .MaximumLength = s->a,
		.Buffer = (u16 *)network_name,
	};

	switch (s->setter) {
	case SET_PROCESS_PACKET_CALLBACKS:
		return VmbChannelInitSetProcessPacketCallbacks(c,
				counting_client_packet, NULL);
	case SET_STATE_CHANGE_CALLBACKS:
		VMB_CHANNEL_STATE_CHANGE_CALLBACKS_INIT(&cb);
		cb.Version = s->a;
		cb.Size = s->b;
		return VmbChannelInitSetStateChangeCallbacks(c,
				s->null_arg ? NULL : &cb);
	case SET_MAXIMUM_PACKET_SIZE:
		return VmbChannelInitSetMaximumPacketSize(c, s->a);
	case SET_MAXIMUM_EXTERNAL_DATA:
		return VmbChannelInitSetMaximumExternalData(c, s->a, s->b);
	case SET_CLIENT_CONTEXT_SIZE:
		return VmbChannelInitSetClientContextSize(c, s->a);
	case SET_FLAGS:
		return VmbChannelInitSetFlags(c, s->a);
	case SET_FRIENDLY_NAME:
		return VmbChannelInitSetFriendlyName(c,
				s->null_arg ? NULL : &name);
	case SET_RING_BUFFER_PAGE_COUNT:
		return VmbClientChannelInitSetRingBufferPageCount(c, s->a,
								  s->b);
	}
	return STATUS_NOT_IMPLEMENTED;
}

#define CALLBACKS_VERSION	VMB_CHANNEL_STATE_CHANGE_CALLBACKS_VERSION_1
#define CALLBACKS_SIZE		sizeof(VMB_CHANNEL_STATE_CHANGE_CALLBACKS)

/* One row per setter, valid arguments. */
static const struct setter_call valid_setter_calls[] = {
	{ "ProcessPacketCallbacks without ProcessingComplete",
	  SET_PROCESS_PACKET_CALLBACKS, .expected = STATUS_SUCCESS },
	{ "StateChangeCallbacks as INIT prepares them",
	  SET_STATE_CHANGE_CALLBACKS, CALLBACKS_VERSION, CALLBACKS_SIZE,
	  .expected = STATUS_SUCCESS },
	{ "MaximumPacketSize of two pages", SET_MAXIMUM_PACKET_SIZE,
	  VALID_PACKET_SIZE, .expected = STATUS_SUCCESS },
	{ "MaximumExternalData of 64 KiB in 4 MDLs", SET_MAXIMUM_EXTERNAL_DATA,
	  VALID_EXTERNAL_DATA, VALID_EXTERNAL_CHAIN,
	  .expected = STATUS_SUCCESS },
	{ "ClientContextSize of 64 bytes", SET_CLIENT_CONTEXT_SIZE,
	  VALID_CONTEXT_SIZE, .expected = STATUS_SUCCESS },
	{ "Flags 0", SET_FLAGS, NO_FLAGS, .expected = STATUS_SUCCESS },
	{ "FriendlyName Network", SET_FRIENDLY_NAME,
	  sizeof(network_name), .expected = STATUS_SUCCESS },
	{ "RingBufferPageCount of 8 pages each way",
	  SET_RING_BUFFER_PAGE_COUNT, VALID_RING_PAGES, VALID_RING_PAGES,
	  .expected = STATUS_SUCCESS },
};

/* Argument checks, with the boundaries that must still succeed. */
static const struct setter_call argument_setter_calls[] = {
	{ "MaximumPacketSize 0", SET_MAXIMUM_PACKET_SIZE, 0,
	  .expected = STATUS_INVALID_PARAMETER_2 },
	{ "MaximumPacketSize as large as the largest ring",
	  SET_MAXIMUM_PACKET_SIZE, LARGEST_PACKET_SIZE,
	  .expected = STATUS_SUCCESS },
	{ "MaximumPacketSize beyond the largest ring", SET_MAXIMUM_PACKET_SIZE,
	  LARGEST_PACKET_SIZE + 1, .expected = STATUS_INVALID_PARAMETER_2 },
	{ "Flags nonzero", SET_FLAGS, BIT(0),
	  .expected = STATUS_INVALID_PARAMETER_2 },
	{ "StateChangeCallbacks with wrong Version",
	  SET_STATE_CHANGE_CALLBACKS, CALLBACKS_VERSION + 1, CALLBACKS_SIZE,
	  .expected = STATUS_INVALID_PARAMETER_2 },
	{ "StateChangeCallbacks with wrong Size", SET_STATE_CHANGE_CALLBACKS,
	  CALLBACKS_VERSION, CALLBACKS_SIZE - sizeof(PVOID),
	  .expected = STATUS_INVALID_PARAMETER_2 },
	{ "StateChangeCallbacks NULL", SET_STATE_CHANGE_CALLBACKS,
	  .null_arg = true, .expected = STATUS_INVALID_PARAMETER_2 },
	{ "RingBufferPageCount 0 in", SET_RING_BUFFER_PAGE_COUNT,
	  0, VALID_RING_PAGES, .expected = STATUS_INVALID_PARAMETER_2 },
	{ "RingBufferPageCount 0 out", SET_RING_BUFFER_PAGE_COUNT,
	  VALID_RING_PAGES, 0, .expected = STATUS_INVALID_PARAMETER_3 },
	{ "RingBufferPageCount in beyond the limit", SET_RING_BUFFER_PAGE_COUNT,
	  VMB_MAX_RING_PAGES + 1, MIN_RING_PAGES,
	  .expected = STATUS_INVALID_PARAMETER_2 },
	{ "RingBufferPageCount in one page beyond the largest",
	  SET_RING_BUFFER_PAGE_COUNT, LARGEST_RING_PAGES + 1, MIN_RING_PAGES,
	  .expected = STATUS_INVALID_PARAMETER_2 },
	{ "RingBufferPageCount in one short of the limit, no room for out",
	  SET_RING_BUFFER_PAGE_COUNT, VMB_MAX_RING_PAGES - 1, MIN_RING_PAGES,
	  .expected = STATUS_INVALID_PARAMETER_2 },
	{ "RingBufferPageCount largest in, one page out, at the limit",
	  SET_RING_BUFFER_PAGE_COUNT, LARGEST_RING_PAGES, MIN_RING_PAGES,
	  .expected = STATUS_SUCCESS },
	{ "RingBufferPageCount one page in, largest out, at the limit",
	  SET_RING_BUFFER_PAGE_COUNT, MIN_RING_PAGES, LARGEST_RING_PAGES,
	  .expected = STATUS_SUCCESS },
	{ "RingBufferPageCount out one page beyond the largest",
	  SET_RING_BUFFER_PAGE_COUNT, MIN_RING_PAGES, LARGEST_RING_PAGES + 1,
	  .expected = STATUS_INVALID_PARAMETER_3 },
	{ "MaximumExternalData 0 size", SET_MAXIMUM_EXTERNAL_DATA,
	  0, VALID_EXTERNAL_CHAIN, .expected = STATUS_INVALID_PARAMETER_2 },
	{ "MaximumExternalData 0 chain", SET_MAXIMUM_EXTERNAL_DATA,
	  VALID_EXTERNAL_DATA, 0, .expected = STATUS_INVALID_PARAMETER_3 },
	{ "FriendlyName NULL", SET_FRIENDLY_NAME, .null_arg = true,
	  .expected = STATUS_INVALID_PARAMETER_2 },
	{ "FriendlyName empty", SET_FRIENDLY_NAME, 0,
	  .expected = STATUS_INVALID_PARAMETER_2 },
};

static void setter_call_desc(const struct setter_call *s, char *desc)
{
	strscpy(desc, s->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(valid_setter, valid_setter_calls, setter_call_desc);
KUNIT_ARRAY_PARAM(argument_setter, argument_setter_calls, setter_call_desc);

static void init_setter_succeeds_on_new_channel(struct kunit *test)
{
	struct channel_fixture *f = test->priv;
	const struct setter_call *s = test->param_value;

	KUNIT_EXPECT_EQ(test, call_setter(f->bare, s), s->expected);
}

static void init_setter_rejects_null_channel(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, call_setter(NULL, test->param_value),
			STATUS_INVALID_PARAMETER_1);
}

static void init_setter_rejects_enabled_channel(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, call_setter(f->rec.channel, test->param_value),
			STATUS_INVALID_PARAMETER_1);
}

static void init_setter_rejects_disabled_channel(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_EQ(test, call_setter(f->rec.channel, test->param_value),
			STATUS_INVALID_PARAMETER_1);
}

static void init_setter_checks_its_arguments(struct kunit *test)
{
	struct channel_fixture *f = test->priv;
	const struct setter_call *s = test->param_value;

	KUNIT_EXPECT_EQ(test, call_setter(f->bare, s), s->expected);
}

/* --- allocation --- */

struct allocate_call {
	const char *name;
	bool no_device;
	BOOLEAN is_server;
	bool no_channel;
	NTSTATUS expected;
};

static const struct allocate_call allocate_calls[] = {
	{ "client endpoint on a device", .expected = STATUS_SUCCESS },
	{ "NULL device", .no_device = true,
	  .expected = STATUS_INVALID_PARAMETER_1 },
	{ "server endpoint", .is_server = TRUE,
	  .expected = STATUS_INVALID_PARAMETER_2 },
	{ "NULL channel pointer", .no_channel = true,
	  .expected = STATUS_INVALID_PARAMETER_3 },
};

static void allocate_call_desc(const struct allocate_call *a, char *desc)
{
	strscpy(desc, a->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(allocate, allocate_calls, allocate_call_desc);

/* A channel is returned on success only; on failure *Channel is NULL. */
static void allocate_returns_channel_only_on_success(struct kunit *test)
{
	struct channel_fixture *f = test->priv;
	const struct allocate_call *a = test->param_value;
	PDEVICE_OBJECT device = a->no_device ? NULL : simhost_device(f->sh);
	VMBCHANNEL channel = f->bare;	/* anything but NULL */
	NTSTATUS status;

	status = VmbChannelAllocate(device, a->is_server,
				    a->no_channel ? NULL : &channel);
	KUNIT_EXPECT_EQ(test, status, a->expected);
	if (a->no_channel)
		return;
	if (!NT_SUCCESS(a->expected)) {
		KUNIT_EXPECT_NULL(test, channel);
		return;
	}
	KUNIT_ASSERT_PTR_NE(test, channel, f->bare);
	KUNIT_EXPECT_NOT_NULL(test, channel);
	VmbChannelCleanup(channel);
}

/* --- the lifecycle, as the recorder saw it --- */

#define EV(k)		{ .kind = (k) }
#define EV_PACKET(id)	{ .kind = REC_PACKET, .len = PAYLOAD_LEN, .tag = (id) }
#define EV_BATCH(n)	{ .kind = REC_BATCH, .len = (n) }

/* The log must be exactly @want; state callbacks run at PASSIVE_LEVEL. */
static void expect_events(struct kunit *test, struct recorder *r,
			  const struct rec_event *want, u32 n)
{
	u32 i;

	KUNIT_EXPECT_EQ(test, r->nevents, n);
	for (i = 0; i < min(n, r->nevents); i++) {
		const struct rec_event *got = &r->events[i];

		KUNIT_EXPECT_EQ_MSG(test, got->kind, want[i].kind, "event %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got->len, want[i].len, "event %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got->tag, want[i].tag, "event %u", i);
		if (got->kind >= REC_OPENED)
			KUNIT_EXPECT_EQ_MSG(test, got->ctx, REC_CTX_TASK,
					    "event %u", i);
	}
}

#define EXPECT_EVENTS(test, r, ...) do {				\
	static const struct rec_event want_[] = { __VA_ARGS__ };	\
	expect_events(test, r, want_, ARRAY_SIZE(want_));		\
} while (0)

/* Write packet @id and wait until the recorder has seen @packets. */
static void deliver(struct kunit *test, struct recorder *r, u64 id,
		    u32 packets, u32 batches)
{
	KUNIT_ASSERT_EQ(test, rec_write(r->sh, id, PAYLOAD_LEN, NO_FLAGS), 0);
	KUNIT_ASSERT_TRUE(test, recorder_wait(r, packets, batches));
}

static void processing_complete_may_be_null(struct kunit *test)
{
	struct channel_fixture *f = test->priv;
	const int packets = 3;
	NTSTATUS status;
	long left;
	int id;

	status = VmbChannelInitSetProcessPacketCallbacks(f->bare,
							 counting_client_packet,
							 NULL);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, VmbChannelEnable(f->bare), STATUS_SUCCESS);
	for (id = 1; id <= packets; id++)
		KUNIT_ASSERT_EQ(test, rec_write(f->sh, id, PAYLOAD_LEN,
						NO_FLAGS), 0);
	left = wait_event_timeout(f->client.wq,
				  atomic_read(&f->client.packets) >= packets,
				  WAIT_TIMEOUT);
	KUNIT_EXPECT_GT(test, left, 0L);
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->client.packets), packets);
	VmbChannelDisable(f->bare);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
}

static void enable_without_process_packet_is_refused(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->bare),
			STATUS_INVALID_DEVICE_STATE);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
}

static void enable_twice_is_refused(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, recorder_enable(&f->rec),
			STATUS_INVALID_DEVICE_STATE);
	KUNIT_EXPECT_TRUE(test, simhost_rings_open(f->sh));
	EXPECT_EVENTS(test, &f->rec,
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED));
}

/*
 * A second VMBCHANNEL on the device: vmbus_open() on the open primary
 * channel would allocate rings over the live ones and free them on its
 * error path (simhost does the same).  The Enable is refused before the
 * backend is called, and the first channel keeps its rings and traffic.
 */
static void second_channel_enable_is_refused_and_first_keeps_traffic(struct kunit *test)
{
	struct channel_fixture *f = test->priv;
	NTSTATUS status;

	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	status = VmbChannelInitSetProcessPacketCallbacks(f->bare,
							 counting_client_packet,
							 NULL);
	KUNIT_ASSERT_EQ(test, status, STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->bare), STATUS_DEVICE_BUSY);
	/* Stop here if the live rings were freed: the write would fault. */
	KUNIT_ASSERT_EQ(test, simhost_clobbered(f->sh), 0U);
	KUNIT_ASSERT_EQ(test, rec_write(f->sh, 1, PAYLOAD_LEN, NO_FLAGS), 0);
	KUNIT_EXPECT_TRUE(test, recorder_wait(&f->rec, 1, 1));
	KUNIT_EXPECT_EQ(test, atomic_read(&f->client.packets), 0);

	/* Once the first is disabled, the second may open the device. */
	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_EQ(test, VmbChannelEnable(f->bare), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, simhost_clobbered(f->sh), 0U);
}

static void enable_opens_then_starts_then_post_starts(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, simhost_rings_open(f->sh));
	EXPECT_EVENTS(test, &f->rec,
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED));
}

static void disable_suspends_then_closes(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
	EXPECT_EVENTS(test, &f->rec,
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED),
		      EV(REC_SUSPEND), EV(REC_CLOSED));
}

static void opened_veto_fails_enable_and_closes(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	f->rec.opened_status = STATUS_INSUFFICIENT_RESOURCES;
	KUNIT_EXPECT_EQ(test, recorder_enable(&f->rec),
			STATUS_INSUFFICIENT_RESOURCES);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
	EXPECT_EVENTS(test, &f->rec, EV(REC_OPENED));
}

static void enable_after_opened_veto_succeeds(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	f->rec.opened_status = STATUS_INSUFFICIENT_RESOURCES;
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec),
			STATUS_INSUFFICIENT_RESOURCES);
	f->rec.opened_status = STATUS_SUCCESS;
	KUNIT_EXPECT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, simhost_rings_open(f->sh));
	EXPECT_EVENTS(test, &f->rec, EV(REC_OPENED),
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED));
}

static void reenable_after_disable_reopens_and_delivers(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	deliver(test, &f->rec, 1, 1, 1);
	VmbChannelDisable(f->rec.channel);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, simhost_rings_open(f->sh));
	deliver(test, &f->rec, 2, 2, 2);
	EXPECT_EVENTS(test, &f->rec,
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED),
		      EV_PACKET(1), EV_BATCH(1),
		      EV(REC_SUSPEND), EV(REC_CLOSED),
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED),
		      EV_PACKET(2), EV_BATCH(1));
}

static void pause_before_enable_holds_packets_until_start(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	VmbChannelPause(f->rec.channel);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	KUNIT_EXPECT_TRUE(test, simhost_rings_open(f->sh));
	KUNIT_ASSERT_EQ(test, rec_write(f->sh, 1, PAYLOAD_LEN, NO_FLAGS), 0);
	simhost_sync(f->sh);
	EXPECT_EVENTS(test, &f->rec, EV(REC_OPENED));

	VmbChannelStart(f->rec.channel);
	KUNIT_ASSERT_TRUE(test, recorder_wait(&f->rec, 1, 1));
	EXPECT_EVENTS(test, &f->rec,
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED),
		      EV_PACKET(1), EV_BATCH(1));
}

/* "the next Enable": a Pause before Enable is used up by that Enable. */
static void pause_before_enable_applies_to_next_enable_only(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	VmbChannelPause(f->rec.channel);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	VmbChannelStart(f->rec.channel);
	VmbChannelDisable(f->rec.channel);
	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	EXPECT_EVENTS(test, &f->rec,
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED),
		      EV(REC_SUSPEND), EV(REC_CLOSED),
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED));
}

static void pause_suspends_once_and_start_restarts(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	VmbChannelPause(f->rec.channel);
	VmbChannelPause(f->rec.channel);
	EXPECT_EVENTS(test, &f->rec,
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED),
		      EV(REC_SUSPEND));
	VmbChannelStart(f->rec.channel);
	EXPECT_EVENTS(test, &f->rec,
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED),
		      EV(REC_SUSPEND), EV(REC_STARTED), EV(REC_POST_STARTED));
}

/* Suspend already ran at Pause: Disable only closes. */
static void disable_of_paused_channel_only_closes(struct kunit *test)
{
	struct channel_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, recorder_enable(&f->rec), STATUS_SUCCESS);
	VmbChannelPause(f->rec.channel);
	VmbChannelDisable(f->rec.channel);
	KUNIT_EXPECT_FALSE(test, simhost_rings_open(f->sh));
	EXPECT_EVENTS(test, &f->rec,
		      EV(REC_OPENED), EV(REC_STARTED), EV(REC_POST_STARTED),
		      EV(REC_SUSPEND), EV(REC_CLOSED));
}

/* --- context pointer, instance, name --- */

static void pointer_is_null_until_set(struct kunit *test)
{
	struct channel_fixture *f = test->priv;
	VMBCHANNEL channel;
	int cookie;

	KUNIT_ASSERT_EQ(test, VmbChannelAllocate(simhost_device(f->sh), FALSE,
						 &channel), STATUS_SUCCESS);
	KUNIT_EXPECT_NULL(test, VmbChannelGetPointer(channel));
	VmbChannelSetPointer(channel, &cookie);
	KUNIT_EXPECT_PTR_EQ(test, VmbChannelGetPointer(channel),
			    (void *)&cookie);
	VmbChannelSetPointer(channel, NULL);
	KUNIT_EXPECT_NULL(test, VmbChannelGetPointer(channel));
	VmbChannelCleanup(channel);
}

static void interface_instance_is_the_device_instance(struct kunit *test)
{
	struct channel_fixture *f = test->priv;
	GUID instance;

	memset(&instance, 0, sizeof(instance));
	VmbChannelGetInterfaceInstance(f->bare, &instance);
	KUNIT_EXPECT_TRUE(test,
			  guid_equal(&instance,
				     &simhost_device(f->sh)->dev_instance));
	KUNIT_EXPECT_FALSE(test, guid_is_null(&instance));
}

static void friendly_name_is_copied_and_truncated(struct kunit *test)
{
	struct channel_fixture *f = test->priv;
	char expected[VMB_NAME_MAX];
	u16 chars[LONG_NAME_CHARS];
	UNICODE_STRING name = {
		.Length = sizeof(chars), .MaximumLength = sizeof(chars),
		.Buffer = chars,
	};
	u32 i;

	for (i = 0; i < LONG_NAME_CHARS; i++)
		chars[i] = 'a' + i % ('z' - 'a' + 1);
	chars[NON_ASCII_INDEX] = NON_ASCII_CHAR;
	for (i = 0; i < VMB_NAME_MAX - 1; i++)
		expected[i] = i == NON_ASCII_INDEX ? '?' : chars[i];
	expected[VMB_NAME_MAX - 1] = '\0';

	KUNIT_ASSERT_EQ(test, VmbChannelInitSetFriendlyName(f->bare, &name),
			STATUS_SUCCESS);
	memset(chars, 0, sizeof(chars));	/* the caller's copy goes away */
	KUNIT_EXPECT_STREQ(test, f->bare->name, expected);
}

static struct kunit_case channel_cases[] = {
	KUNIT_CASE_PARAM(init_setter_succeeds_on_new_channel,
			 valid_setter_gen_params),
	KUNIT_CASE_PARAM(init_setter_rejects_null_channel,
			 valid_setter_gen_params),
	KUNIT_CASE_PARAM(init_setter_rejects_enabled_channel,
			 valid_setter_gen_params),
	KUNIT_CASE_PARAM(init_setter_rejects_disabled_channel,
			 valid_setter_gen_params),
	KUNIT_CASE_PARAM(init_setter_checks_its_arguments,
			 argument_setter_gen_params),
	KUNIT_CASE_PARAM(allocate_returns_channel_only_on_success,
			 allocate_gen_params),
	KUNIT_CASE(processing_complete_may_be_null),
	KUNIT_CASE(enable_without_process_packet_is_refused),
	KUNIT_CASE(enable_twice_is_refused),
	KUNIT_CASE(second_channel_enable_is_refused_and_first_keeps_traffic),
	KUNIT_CASE(enable_opens_then_starts_then_post_starts),
	KUNIT_CASE(disable_suspends_then_closes),
	KUNIT_CASE(opened_veto_fails_enable_and_closes),
	KUNIT_CASE(enable_after_opened_veto_succeeds),
	KUNIT_CASE(reenable_after_disable_reopens_and_delivers),
	KUNIT_CASE(pause_before_enable_holds_packets_until_start),
	KUNIT_CASE(pause_before_enable_applies_to_next_enable_only),
	KUNIT_CASE(pause_suspends_once_and_start_restarts),
	KUNIT_CASE(disable_of_paused_channel_only_closes),
	KUNIT_CASE(pointer_is_null_until_set),
	KUNIT_CASE(interface_instance_is_the_device_instance),
	KUNIT_CASE(friendly_name_is_copied_and_truncated),
	{}
};

static struct kunit_suite channel_suite = {
	.name = "vmbkmcl_channel",
	.suite_init = rec_expect_misuse,
	.suite_exit = rec_misuse_done,
	.init = channel_init,
	.exit = channel_exit,
	.test_cases = channel_cases,
};

kunit_test_suite(channel_suite);

MODULE_DESCRIPTION("KUnit: the KMCL channel object and its lifecycle");
MODULE_LICENSE("GPL");
