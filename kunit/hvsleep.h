/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvsleep - the hibernation suite's two halves and what they share.
 *
 * vmbkmcl_hvsleep hibernates in its suite_init (hvsleep_test.c says why):
 * hvsleep_scene.c sets the scene, hibernates and records what it saw in
 * a struct sleep_world; hvsleep_test.c's cases check that record, then the
 * devices, live after the resume.  The scene's hooks (the client driver's,
 * the syscore ones) run in the insmod task or with only CPU0 running; the
 * cases read the record after suite_init returned, so it needs no lock.
 */
#ifndef _VMBKMCL_HVSLEEP_H
#define _VMBKMCL_HVSLEEP_H

#include <linux/hvemu.h>
#include <vmbkmcl/VmbusKernelModeClientLibApi.h>

#include "hvclient.h"
#include "hvhost.h"
#include "recorder.h"

/* Host packets that want completions, before and after. */
#define TRIPS			8
#define TRIP_TAG_BEFORE		0x100
#define TRIP_TAG_AFTER		0x200
/* What the client sends while suspended. */
#define SLEEP_SENDS		4
#define SLEEP_SEND_LEN		72
#define SLEEP_TAG		0x5000
#define ECHOES			4
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
 * @client:    the test client: its adds and removes.
 * @devs:      the client's devices, in add order: the one kept, the one
 *             rescinded before the hibernation.
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
	struct hvclient client;
	struct sleep_dev devs[2];
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

struct sleep_world *hvsleep_scene_start(void);
void hvsleep_scene_end(struct sleep_world *w);
bool hvsleep_heartbeat_answers(struct sleep_world *w, struct hvhost *h,
			       u8 transaction, u64 seq);
u32 hvsleep_echoes(struct sleep_world *w, struct hvhost *h, u32 n);

#endif /* _VMBKMCL_HVSLEEP_H */
