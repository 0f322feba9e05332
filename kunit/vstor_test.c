// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_vstor: the storage sample (samples/vstor) against the storvsp
 * model (vstor_host.c), through the block layer.
 *
 * Each case offers a simulated SCSI controller, so the sample's add runs
 * its handshake and LUN probe as on Hyper-V and adds vstorN; the case then
 * drives the disk with bios, as a filesystem would, and checks every byte
 * against the model's RAM disk, which the host model only ever reached
 * through the page numbers the guest sent.  The filesystem round trip
 * (mke2fs, mount, a file written and read back) needs user space: make
 * demo does it, on this same sample and model.
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/delay.h>
#include <linux/blkdev.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/wait.h>

#include "../samples/vstor/vstor.h"
#include "vstor_host.h"

/* The disk: 16 MiB. */
#define LUN_BLOCKS		32768
#define BLOCK			512
#define RANDOM_OPS		10000
#define IN_FLIGHT		32
/* A bio: up to 128 blocks, 1 in 16 up to 512 (split by the block layer). */
#define SMALL_BLOCKS		128
#define LARGE_BLOCKS		512
#define SLOT_PAGES		(LARGE_BLOCKS * BLOCK / PAGE_SIZE + 1)
#define REORDER_BATCH		24
#define STALL_EVERY		500
#define STALL_MS		5
#define SEED			0x5eed
#define WAIT_MS			20000
#define HELD_IOS		64

/*
 * Opening the disk: 6.9 replaced blkdev_get_by_dev()/blkdev_put() with a
 * struct file (bdev_file_open_by_dev(), closed by fput()); Kbuild says
 * which this kernel has.  The test kernels are 6.1 and 6.12; 6.5 to 6.8
 * changed the old calls' arguments and are not built against.
 */
#ifdef VMBKMCL_BDEV_FILE
static struct block_device *vt_bdev_open(dev_t devt, void **h)
{
	struct file *file = bdev_file_open_by_dev(devt, BLK_OPEN_READ |
						  BLK_OPEN_WRITE, NULL, NULL);

	if (IS_ERR(file))
		return ERR_CAST(file);
	*h = file;
	return file_bdev(file);
}

static void vt_bdev_close(struct block_device *bdev, void *h)
{
	fput(h);
}
#else
#define FMODE			(FMODE_READ | FMODE_WRITE)

static struct block_device *vt_bdev_open(dev_t devt, void **h)
{
	*h = NULL;
	return blkdev_get_by_dev(devt, FMODE, NULL);
}

static void vt_bdev_close(struct block_device *bdev, void *h)
{
	blkdev_put(bdev, FMODE);
}
#endif

struct vt_fixture;

/**
 * struct vt_io - one bio in flight and what came of it.
 * @f:      the fixture.
 * @pages:  its pages.
 * @off:    byte offset into the first page.
 * @lba:    first block.
 * @blocks: how many.
 * @write:  a write.
 * @busy:   submitted, not yet reaped.
 * @ends:   end_io calls.
 * @status: the last one's status.
 */
struct vt_io {
	struct vt_fixture *f;
	struct page *pages[SLOT_PAGES];
	u32 off;
	u32 lba;
	u32 blocks;
	bool write;
	bool busy;
	atomic_t ends;
	blk_status_t status;
};

struct vt_fixture {
	struct simhost *sh;
	struct vstor_host *host;
	struct block_device *bdev;
	void *bdev_handle;	/* what vt_bdev_close() needs */
	wait_queue_head_t wq;
	atomic_t ended;
	struct vt_io io[HELD_IOS];
	struct rnd_state rnd;
};

static int vt_init(struct kunit *test)
{
	struct vt_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	u32 i, j;

	KUNIT_ASSERT_NOT_NULL(test, f);
	test->priv = f;
	init_waitqueue_head(&f->wq);
	prandom_seed_state(&f->rnd, SEED);
	for (i = 0; i < HELD_IOS; i++)
		for (j = 0; j < SLOT_PAGES; j++) {
			f->io[i].f = f;
			f->io[i].pages[j] = alloc_page(GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, f->io[i].pages[j]);
		}
	f->sh = simhost_create();
	KUNIT_ASSERT_NOT_NULL(test, f->sh);
	f->host = vstor_host_create(f->sh, LUN_BLOCKS);
	KUNIT_ASSERT_NOT_NULL(test, f->host);
	return 0;
}

static void vt_exit(struct kunit *test)
{
	struct vt_fixture *f = test->priv;
	u32 i, j;

	if (f->bdev)
		vt_bdev_close(f->bdev, f->bdev_handle);
	if (f->host)
		vstor_host_hold(f->host, false);
	/* The device goes first: its remove may wait for the host. */
	if (f->sh)
		simhost_rescind(f->sh);
	vstor_host_destroy(f->host);
	simhost_destroy(f->sh);
	for (i = 0; i < HELD_IOS; i++)
		for (j = 0; j < SLOT_PAGES; j++)
			if (f->io[i].pages[j])
				__free_page(f->io[i].pages[j]);
}

static struct vstor_device *vt_disk(struct vt_fixture *f)
{
	return hv_get_drvdata(simhost_device(f->sh));
}

/* Open the disk add made. */
static void vt_open(struct kunit *test, struct vt_fixture *f)
{
	struct vstor_device *dev = vt_disk(f);
	struct block_device *bdev;

	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_NOT_NULL(test, dev->disk);
	KUNIT_EXPECT_EQ(test, dev->blocks, (u64)LUN_BLOCKS);
	bdev = vt_bdev_open(disk_devt(dev->disk), &f->bdev_handle);
	KUNIT_ASSERT_FALSE(test, IS_ERR(bdev));
	f->bdev = bdev;
}

/* Offer the controller (add runs now) and open its disk. */
static void vt_add(struct kunit *test, struct vt_fixture *f)
{
	KUNIT_ASSERT_EQ(test, simhost_offer(f->sh), 0);
	vt_open(test, f);
}

static void vt_end_io(struct bio *bio)
{
	struct vt_io *io = bio->bi_private;
	struct vt_fixture *f = io->f;

	io->status = bio->bi_status;
	atomic_inc(&io->ends);
	atomic_inc(&f->ended);
	bio_put(bio);
	wake_up(&f->wq);
}

static void vt_submit(struct kunit *test, struct vt_fixture *f,
		      struct vt_io *io)
{
	u32 len = io->blocks * BLOCK, off = io->off, n = 0, chunk;
	struct bio *bio;

	bio = bio_alloc(f->bdev, SLOT_PAGES, io->write ? REQ_OP_WRITE :
			REQ_OP_READ, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bio);
	bio->bi_iter.bi_sector = io->lba;
	bio->bi_end_io = vt_end_io;
	bio->bi_private = io;
	while (len) {
		chunk = min_t(u32, len, PAGE_SIZE - off);
		KUNIT_ASSERT_EQ(test, bio_add_page(bio, io->pages[n++], chunk, off),
				(int)chunk);
		len -= chunk;
		off = 0;
	}
	atomic_set(&io->ends, 0);
	io->busy = true;
	submit_bio(bio);
}

/* Compare @io's pages with the disk's RAM; false (and a failure) if not. */
static bool vt_check(struct kunit *test, struct vt_fixture *f,
		     struct vt_io *io)
{
	const u8 *ram = vstor_host_ram(f->host) + (u64)io->lba * BLOCK;
	u32 len = io->blocks * BLOCK, off = io->off, n = 0, at = 0, chunk;

	while (len) {
		chunk = min_t(u32, len, PAGE_SIZE - off);
		if (memcmp(page_address(io->pages[n]) + off, ram + at, chunk)) {
			KUNIT_FAIL(test, "%s of %u blocks at %u: bytes %u.. differ",
				   io->write ? "write" : "read", io->blocks,
				   io->lba, at);
			return false;
		}
		n++;
		at += chunk;
		len -= chunk;
		off = 0;
	}
	return true;
}

static bool vt_overlaps(struct vt_fixture *f, u32 lba, u32 blocks)
{
	u32 i;

	for (i = 0; i < IN_FLIGHT; i++)
		if (f->io[i].busy && lba < f->io[i].lba + f->io[i].blocks &&
		    f->io[i].lba < lba + blocks)
			return true;
	return false;
}

/* A random read or write, clear of the others in flight. */
static void vt_random(struct vt_fixture *f, struct vt_io *io)
{
	u32 max = prandom_u32_state(&f->rnd) % 16 ? SMALL_BLOCKS : LARGE_BLOCKS;
	u32 n;

	io->blocks = 1 + prandom_u32_state(&f->rnd) % max;
	io->off = (prandom_u32_state(&f->rnd) % (PAGE_SIZE / BLOCK)) * BLOCK;
	do
		io->lba = prandom_u32_state(&f->rnd) % (LUN_BLOCKS - io->blocks + 1);
	while (vt_overlaps(f, io->lba, io->blocks));
	io->write = prandom_u32_state(&f->rnd) & 1;
	if (!io->write)
		return;
	for (n = 0; n * PAGE_SIZE < io->off + io->blocks * BLOCK; n++)
		prandom_bytes_state(&f->rnd, page_address(io->pages[n]),
				    PAGE_SIZE);
}

/* Wait until @n bios have ended in all. */
static bool vt_wait(struct vt_fixture *f, int n)
{
	return wait_event_timeout(f->wq, atomic_read(&f->ended) >= n,
				  msecs_to_jiffies(WAIT_MS)) > 0;
}

/*
 * One bio, waited for; its status as an errno (blk_status_t is a sparse
 * restricted type, which KUNIT_EXPECT_EQ() cannot compare).
 */
static int vt_one(struct kunit *test, struct vt_fixture *f, bool write,
		  u32 lba, u32 blocks)
{
	struct vt_io *io = &f->io[0];
	int before = atomic_read(&f->ended);

	io->write = write;
	io->lba = lba;
	io->blocks = blocks;
	io->off = 0;
	vt_submit(test, f, io);
	KUNIT_ASSERT_TRUE(test, vt_wait(f, before + 1));
	io->busy = false;
	KUNIT_EXPECT_EQ(test, atomic_read(&io->ends), 1);
	return blk_status_to_errno(io->status);
}

/* --- handshake --- */

struct version_case {
	const char *name;
	u16 takes[5];
	u32 ntakes;
	int add;		/* add's result */
	u16 agreed;
	u32 rejected;		/* versions refused on the way */
};

static const struct version_case version_cases[] = {
	{ "storvsp's versions: 6.0 after 6.2 is refused",
	  { VSTOR_VERSION_WIN6, VSTOR_VERSION_WIN7, VSTOR_VERSION_WIN8,
	    VSTOR_VERSION_BLUE }, 4, 0, VSTOR_VERSION_BLUE, 1 },
	{ "a host taking 6.2 agrees at once",
	  { VSTOR_VERSION_WIN10, VSTOR_VERSION_BLUE }, 2, 0,
	  VSTOR_VERSION_WIN10, 0 },
	{ "a Windows 7 host: 4.2, the short SRB",
	  { VSTOR_VERSION_WIN7 }, 1, 0, VSTOR_VERSION_WIN7, 3 },
	{ "a host refusing every version fails add",
	  { }, 0, -EPROTONOSUPPORT, 0, 5 },
};

static void version_case_desc(const struct version_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(version, version_cases, version_case_desc);

static void handshake_agrees_on_the_newest_version_the_host_takes(struct kunit *test)
{
	const struct version_case *c = test->param_value;
	struct vt_fixture *f = test->priv;
	const struct vstor_host_stats *st = vstor_host_stats(f->host);
	struct vstor_device *dev;

	vstor_host_accept_versions(f->host, c->takes, c->ntakes);
	KUNIT_ASSERT_EQ(test, simhost_offer(f->sh), c->add);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->rejected_versions), c->rejected);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->protocol_errors), 0);
	dev = vt_disk(f);
	if (c->add) {
		KUNIT_EXPECT_NULL(test, dev);
		return;
	}
	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_EXPECT_EQ(test, dev->version, c->agreed);
	KUNIT_EXPECT_EQ(test, vstor_host_version(f->host), c->agreed);
	KUNIT_EXPECT_EQ(test, dev->packet_size, c->agreed >= VSTOR_VERSION_WIN8 ?
			(u32)VSTOR_PACKET_SIZE_V2 : (u32)VSTOR_PACKET_SIZE_V1);
	KUNIT_EXPECT_EQ(test, dev->max_transfer, (u32)VSTOR_MAX_TRANSFER);
	/* INQUIRY, TEST UNIT READY, READ CAPACITY: three SRBs. */
	KUNIT_EXPECT_EQ(test, atomic_read(&st->srbs), 3);
	/* And it works: one write read back. */
	vt_open(test, f);
	memset(page_address(f->io[0].pages[0]), 0xa5, BLOCK);
	KUNIT_EXPECT_EQ(test, vt_one(test, f, true, 7, 1), 0);
	vt_check(test, f, &f->io[0]);
}

static void no_disk_at_the_lun_fails_add(struct kunit *test)
{
	struct vt_fixture *f = test->priv;

	vstor_host_set_lun(f->host, 1);
	KUNIT_EXPECT_EQ(test, simhost_offer(f->sh), -ENODEV);
	KUNIT_EXPECT_NULL(test, vt_disk(f));
	/* Only INQUIRY went out: it said there is no disk. */
	KUNIT_EXPECT_EQ(test, atomic_read(&vstor_host_stats(f->host)->srbs), 1);
}

struct vt_offer {
	struct work_struct work;
	struct simhost *sh;
	int ret;
};

static void vt_offer_work(struct work_struct *work)
{
	struct vt_offer *o = container_of(work, struct vt_offer, work);

	o->ret = simhost_offer(o->sh);
}

/*
 * A host that stops answering in the middle of the handshake and then
 * rescinds: add gives up on the rescind, not after its timeout.
 */
static void rescind_during_the_handshake_ends_add_at_once(struct kunit *test)
{
	struct vt_fixture *f = test->priv;
	const struct vstor_host_stats *st = vstor_host_stats(f->host);
	struct vt_offer o = { .sh = f->sh };
	unsigned long start, took_ms;
	u32 waited = 0;

	vstor_host_silence(f->host, true);
	INIT_WORK_ONSTACK(&o.work, vt_offer_work);
	queue_work(system_unbound_wq, &o.work);
	/* BEGIN_INITIALIZATION is out and unanswered. */
	while (!atomic_read(&st->packets) && waited++ < WAIT_MS)
		usleep_range(1000, 2000);
	KUNIT_ASSERT_EQ(test, atomic_read(&st->packets), 1);
	start = jiffies;
	simhost_rescind(f->sh);
	flush_work(&o.work);
	took_ms = jiffies_to_msecs(jiffies - start);
	destroy_work_on_stack(&o.work);
	KUNIT_EXPECT_EQ(test, o.ret, -ENODEV);
	KUNIT_EXPECT_NULL(test, vt_disk(f));
	KUNIT_EXPECT_LT(test, took_ms, (unsigned long)VSTOR_INIT_TIMEOUT_MS / 5);
	kunit_info(test, "add ended %lu ms after the rescind\n", took_ms);
}

/* --- data --- */

static void random_io_matches_the_disk_byte_for_byte(struct kunit *test)
{
	struct vt_fixture *f = test->priv;
	const struct vstor_host_stats *st = vstor_host_stats(f->host);
	u32 issued = 0, reaped = 0, i;
	struct vstor_device *dev;

	vstor_host_reorder(f->host, REORDER_BATCH, SEED);
	vstor_host_stall(f->host, STALL_EVERY, STALL_MS);
	vt_add(test, f);
	dev = vt_disk(f);
	prandom_bytes_state(&f->rnd, vstor_host_ram(f->host),
			    LUN_BLOCKS * BLOCK);

	while (reaped < RANDOM_OPS) {
		for (i = 0; i < IN_FLIGHT; i++) {
			struct vt_io *io = &f->io[i];

			if (io->busy && atomic_read(&io->ends)) {
				KUNIT_ASSERT_EQ(test, atomic_read(&io->ends), 1);
				KUNIT_ASSERT_EQ(test, blk_status_to_errno(io->status), 0);
				io->busy = false;
				reaped++;
				if (!vt_check(test, f, io))
					return;
			}
			if (!io->busy && issued < RANDOM_OPS) {
				vt_random(f, io);
				vt_submit(test, f, io);
				issued++;
			}
		}
		if (reaped < RANDOM_OPS)
			KUNIT_ASSERT_TRUE(test, vt_wait(f, reaped + 1));
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ended), RANDOM_OPS);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->protocol_errors), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->check_conditions), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&st->out_of_order), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&st->stalls), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dev->stats.errors), 0LL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dev->stats.bad_completions), 0LL);
	/* Bigger bios were split, adjacent ones may merge: at least as many. */
	KUNIT_EXPECT_GE(test, atomic_read(&st->reads) + atomic_read(&st->writes),
			RANDOM_OPS / 2);
	KUNIT_EXPECT_GT(test, atomic_read(&dev->stats.max_in_flight), 1);
	kunit_info(test, "%d SRBs, %d out of order, %d stalls, at most %d in flight\n",
		   atomic_read(&st->srbs), atomic_read(&st->out_of_order),
		   atomic_read(&st->stalls),
		   atomic_read(&dev->stats.max_in_flight));
}

/* --- errors --- */

static void host_errors_surface_as_block_errors(struct kunit *test)
{
	struct vt_fixture *f = test->priv;
	struct vstor_device *dev;

	vt_add(test, f);
	dev = vt_disk(f);
	/* MEDIUM ERROR sense: BLK_STS_MEDIUM, then the next read is fine. */
	vstor_host_fail_next(f->host, 1, VSTOR_KEY_MEDIUM_ERROR, 0x11);
	KUNIT_EXPECT_EQ(test, vt_one(test, f, false, 8, 8), -ENODATA);
	KUNIT_EXPECT_EQ(test, vt_one(test, f, false, 8, 8), 0);
	/* A write refused as a hardware error: an I/O error. */
	vstor_host_fail_next(f->host, 1, VSTOR_KEY_HARDWARE_ERROR, 0x44);
	KUNIT_EXPECT_EQ(test, vt_one(test, f, true, 16, 4), -EIO);
	/* The disk leaves the LUN: INVALID_LUN, an I/O error. */
	vstor_host_set_lun(f->host, 1);
	KUNIT_EXPECT_EQ(test, vt_one(test, f, false, 0, 1), -EIO);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dev->stats.errors), 3LL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dev->stats.media_errors), 1LL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dev->stats.reads), 1LL);
	KUNIT_EXPECT_EQ(test, atomic_read(&vstor_host_stats(f->host)->protocol_errors),
			0);
}

static void enumerate_bus_from_the_host_is_counted_and_ignored(struct kunit *test)
{
	struct vt_fixture *f = test->priv;
	struct vstor_device *dev;

	vt_add(test, f);
	dev = vt_disk(f);
	KUNIT_ASSERT_EQ(test, vstor_host_enumerate_bus(f->host), 0);
	simhost_sync(f->sh);
	KUNIT_EXPECT_EQ(test, atomic64_read(&dev->stats.unsolicited), 1LL);
	KUNIT_EXPECT_EQ(test, vt_one(test, f, true, 0, 1), 0);
}

/* --- rescind --- */

static void rescind_with_io_in_flight_ends_each_request_once(struct kunit *test)
{
	struct vt_fixture *f = test->priv;
	struct gendisk *disk;
	struct vstor_device *dev;
	u32 i;

	vt_add(test, f);
	dev = vt_disk(f);
	disk = f->bdev->bd_disk;
	vstor_host_hold(f->host, true);
	/* Far apart, so none merge: HELD_IOS requests. */
	for (i = 0; i < HELD_IOS; i++) {
		f->io[i].write = i & 1;
		f->io[i].lba = i * 2 * SMALL_BLOCKS;
		f->io[i].blocks = SMALL_BLOCKS;
		f->io[i].off = 0;
		vt_submit(test, f, &f->io[i]);
	}
	KUNIT_ASSERT_TRUE(test, vstor_host_wait_held(f->host, HELD_IOS, WAIT_MS));
	KUNIT_EXPECT_EQ(test, atomic_read(&dev->stats.in_flight), HELD_IOS);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ended), 0);

	simhost_rescind(f->sh);
	/* remove ran: every request ended, once: the device is offline. */
	KUNIT_EXPECT_EQ(test, atomic_read(&f->ended), HELD_IOS);
	for (i = 0; i < HELD_IOS; i++) {
		KUNIT_EXPECT_EQ(test, atomic_read(&f->io[i].ends), 1);
		KUNIT_EXPECT_EQ(test, blk_status_to_errno(f->io[i].status),
				-ENODEV);	/* BLK_STS_OFFLINE */
	}
	KUNIT_EXPECT_NULL(test, vt_disk(f));
	/* The disk is gone: not live, and I/O on what we hold fails. */
	KUNIT_EXPECT_FALSE(test, disk_live(disk));
	KUNIT_EXPECT_NE(test, vt_one(test, f, false, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&vstor_host_stats(f->host)->protocol_errors),
			0);
}

static struct kunit_case vstor_cases[] = {
	KUNIT_CASE_PARAM(handshake_agrees_on_the_newest_version_the_host_takes,
			 version_gen_params),
	KUNIT_CASE(no_disk_at_the_lun_fails_add),
	KUNIT_CASE(rescind_during_the_handshake_ends_add_at_once),
	KUNIT_CASE(random_io_matches_the_disk_byte_for_byte),
	KUNIT_CASE(host_errors_surface_as_block_errors),
	KUNIT_CASE(enumerate_bus_from_the_host_is_counted_and_ignored),
	KUNIT_CASE(rescind_with_io_in_flight_ends_each_request_once),
	{ }
};

static struct kunit_suite vstor_suite = {
	.name = "vmbkmcl_vstor",
	.init = vt_init,
	.exit = vt_exit,
	.test_cases = vstor_cases,
};

kunit_test_suite(vstor_suite);

MODULE_DESCRIPTION("vmbkmcl storage sample tests");
MODULE_LICENSE("GPL");
