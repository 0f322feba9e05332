// SPDX-License-Identifier: GPL-2.0
/*
 * simhost's memory side: GPADLs and guest pages by number.  See
 * simhost_gpadl.h for the model.
 *
 * State lives in one list of per-device records (struct simhost_gpadl_host)
 * under simhost_gpadl_lock, keyed by the hv_device the backend ops are
 * called with, so simhost.c only installs the ops and forgets a device's
 * record when it is destroyed.  A record is made on first use.
 */
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "simhost_gpadl.h"

/* The prefix of a GPA-direct packet: descriptor, reserved, range count. */
#define SIMHOST_GPA_HDR_SIZE \
	(sizeof(struct vmpacket_descriptor) + 2 * sizeof(u32))
#define SIMHOST_GPA_RANGE_HDR_SIZE	(2 * sizeof(u32))
/* Descriptor bytes simhost parses at most: every range header and PFN. */
#define SIMHOST_GPA_PEEK	(SIMHOST_GPA_HDR_SIZE + \
				 SIMHOST_GPA_MAX_RANGES * SIMHOST_GPA_RANGE_HDR_SIZE + \
				 SIMHOST_GPA_MAX_PFNS * sizeof(u64))

/**
 * struct simhost_gpadl - a GPADL as the host received it.
 * @node:   on its host's list.
 * @handle: the handle issued.
 * @size:   bytes.
 * @npfns:  Hyper-V pages.
 * @pfns:   their numbers, in order.
 */
struct simhost_gpadl {
	struct list_head node;
	u32 handle;
	u32 size;
	u32 npfns;
	u64 pfns[];
};

/**
 * struct simhost_gpadl_host - the GPADL side of one simulated device.
 * @node:	 on simhost_gpadl_hosts.
 * @dev:	 the device.
 * @gpadls:	 live GPADLs.
 * @live:	 how many.
 * @fail_err:	 errno the next creation fails with, or 0.
 * @fail_shared: that failure says the buffer stayed host-visible.
 * @stay_shared: the next teardown says the buffer is still host-visible.
 */
struct simhost_gpadl_host {
	struct list_head node;
	struct hv_device *dev;
	struct list_head gpadls;
	u32 live;
	int fail_err;
	bool fail_shared;
	bool stay_shared;
};

static LIST_HEAD(simhost_gpadl_hosts);
static DEFINE_MUTEX(simhost_gpadl_lock);
static u32 simhost_gpadl_next_handle = SIMHOST_FIRST_GPADL_HANDLE;

static struct simhost_gpadl_host *simhost_gpadl_host(struct hv_device *dev,
						     bool create)
{
	struct simhost_gpadl_host *h;

	lockdep_assert_held(&simhost_gpadl_lock);
	list_for_each_entry(h, &simhost_gpadl_hosts, node)
		if (h->dev == dev)
			return h;
	if (!create)
		return NULL;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return NULL;
	h->dev = dev;
	INIT_LIST_HEAD(&h->gpadls);
	list_add(&h->node, &simhost_gpadl_hosts);
	return h;
}

/**
 * simhost_gpadl_create() - the backend's create_gpadl op: record the
 * buffer's Hyper-V PFNs and issue a handle.
 * @dev:    the simulated device.
 * @chan:   its channel.
 * @kbuf:   the buffer, as vmbus_establish_gpadl() takes it.
 * @size:   bytes, a page multiple.
 * @handle: receives the handle.
 * @cookie: receives the record.
 * @shared: set when an injected failure says the buffer stayed visible.
 *
 * Context: process context.
 * Return: 0, an injected errno, or -ENOMEM.
 */
int simhost_gpadl_create(struct hv_device *dev, struct vmbus_channel *chan,
			 void *kbuf, u32 size, u32 *handle, void **cookie,
			 bool *shared)
{
	u32 i, npfns = size >> HV_HYP_PAGE_SHIFT;
	struct simhost_gpadl_host *h;
	struct simhost_gpadl *g;
	int ret = 0;

	*shared = false;
	mutex_lock(&simhost_gpadl_lock);
	h = simhost_gpadl_host(dev, true);
	if (!h) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	if (h->fail_err) {
		ret = h->fail_err;
		*shared = h->fail_shared;
		h->fail_err = 0;
		goto out_unlock;
	}
	g = kzalloc(struct_size(g, pfns, npfns), GFP_KERNEL);
	if (!g) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	/* What vmbus_establish_gpadl() puts in GPADL_HEADER and _BODY. */
	for (i = 0; i < npfns; i++)
		g->pfns[i] = virt_to_hvpfn((u8 *)kbuf + i * HV_HYP_PAGE_SIZE);
	g->npfns = npfns;
	g->size = size;
	g->handle = simhost_gpadl_next_handle++;
	list_add_tail(&g->node, &h->gpadls);
	h->live++;
	*handle = g->handle;
	*cookie = g;
out_unlock:
	mutex_unlock(&simhost_gpadl_lock);
	return ret;
}

/**
 * simhost_gpadl_teardown() - the backend's teardown_gpadl op.
 * @dev:    the simulated device.
 * @chan:   its channel.
 * @cookie: the record simhost_gpadl_create() returned.
 *
 * Context: process context.
 * Return: true if a teardown failure was injected: the buffer is to be
 * treated as still visible to the host.
 */
bool simhost_gpadl_teardown(struct hv_device *dev, struct vmbus_channel *chan,
			    void *cookie)
{
	struct simhost_gpadl *g = cookie;
	struct simhost_gpadl_host *h;
	bool shared = false;

	/* Counted: on Hyper-V this teardown would never be answered. */
	simhost_teardown_ignored(dev);
	mutex_lock(&simhost_gpadl_lock);
	h = simhost_gpadl_host(dev, false);
	if (h) {
		h->live--;
		shared = h->stay_shared;
		h->stay_shared = false;
	}
	list_del(&g->node);
	kfree(g);
	mutex_unlock(&simhost_gpadl_lock);
	return shared;
}

/**
 * simhost_gpadl_forget() - drop a simhost's GPADL record when it goes.
 * @sh: the simhost; GPADLs still recorded are reported and dropped.
 *
 * Context: process context.
 */
void simhost_gpadl_forget(struct simhost *sh)
{
	struct simhost_gpadl *g, *tmp;
	struct simhost_gpadl_host *h;

	mutex_lock(&simhost_gpadl_lock);
	h = simhost_gpadl_host(simhost_device(sh), false);
	if (h) {
		list_for_each_entry_safe(g, tmp, &h->gpadls, node) {
			pr_err("simhost: GPADL %u still established at destroy\n",
			       g->handle);
			kfree(g);
		}
		list_del(&h->node);
		kfree(h);
	}
	mutex_unlock(&simhost_gpadl_lock);
}

/**
 * simhost_gpadl_count() - GPADLs the host holds for @sh's device.
 * @sh: the simhost.
 *
 * Context: process context.
 * Return: the count.
 */
u32 simhost_gpadl_count(struct simhost *sh)
{
	struct simhost_gpadl_host *h;
	u32 n;

	mutex_lock(&simhost_gpadl_lock);
	h = simhost_gpadl_host(simhost_device(sh), false);
	n = h ? h->live : 0;
	mutex_unlock(&simhost_gpadl_lock);
	return n;
}
EXPORT_SYMBOL_GPL(simhost_gpadl_count);

static struct simhost_gpadl *simhost_gpadl_find(struct simhost *sh, u32 handle)
{
	struct simhost_gpadl_host *h;
	struct simhost_gpadl *g;

	lockdep_assert_held(&simhost_gpadl_lock);
	h = simhost_gpadl_host(simhost_device(sh), false);
	if (!h)
		return NULL;
	list_for_each_entry(g, &h->gpadls, node)
		if (g->handle == handle)
			return g;
	return NULL;
}

/**
 * simhost_gpadl_pfns() - the Hyper-V PFNs the host got for a GPADL.
 * @sh:     the simhost.
 * @handle: the GPADL.
 * @pfns:   receives up to @max PFNs, in order; may be NULL.
 * @max:    size of @pfns.
 *
 * Context: process context.
 * Return: the GPADL's page count (which may exceed @max), or -ENOENT.
 */
int simhost_gpadl_pfns(struct simhost *sh, u32 handle, u64 *pfns, u32 max)
{
	struct simhost_gpadl *g;
	int ret = -ENOENT;

	mutex_lock(&simhost_gpadl_lock);
	g = simhost_gpadl_find(sh, handle);
	if (g) {
		if (pfns)
			memcpy(pfns, g->pfns, min(max, g->npfns) * sizeof(*pfns));
		ret = g->npfns;
	}
	mutex_unlock(&simhost_gpadl_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(simhost_gpadl_pfns);

/* Copy between @buf and guest memory at @offset of a PFN list. */
static int simhost_gpa_copy(const u64 *pfns, u32 npfns, u32 offset, void *buf,
			    u32 len, bool to_guest)
{
	u8 *b = buf;

	if ((u64)offset + len > (u64)npfns << HV_HYP_PAGE_SHIFT)
		return -ERANGE;
	while (len) {
		u64 pfn = pfns[offset >> HV_HYP_PAGE_SHIFT];
		u32 in_hv = offset & ~HV_HYP_PAGE_MASK;
		u32 n = min_t(u32, len, HV_HYP_PAGE_SIZE - in_hv);
		unsigned long pfn_linux = pfn / NR_HV_HYP_PAGES_IN_PAGE;
		u8 *page;

		if (!pfn_valid(pfn_linux))
			return -EFAULT;
		page = kmap_local_page(pfn_to_page(pfn_linux));
		in_hv += (pfn % NR_HV_HYP_PAGES_IN_PAGE) << HV_HYP_PAGE_SHIFT;
		if (to_guest)
			memcpy(page + in_hv, b, n);
		else
			memcpy(b, page + in_hv, n);
		kunmap_local(page);
		b += n;
		offset += n;
		len -= n;
	}
	return 0;
}

/**
 * simhost_gpa_read() - the host reads guest memory by page number.
 * @pfns:   Hyper-V PFNs, in order.
 * @npfns:  how many.
 * @offset: byte offset into the first page's start.
 * @buf:    receives @len bytes.
 * @len:    bytes.
 *
 * Context: any context.
 * Return: 0, -ERANGE past the last page, or -EFAULT for a PFN that is
 * not RAM.
 */
int simhost_gpa_read(const u64 *pfns, u32 npfns, u32 offset, void *buf,
		     u32 len)
{
	return simhost_gpa_copy(pfns, npfns, offset, buf, len, false);
}
EXPORT_SYMBOL_GPL(simhost_gpa_read);

/**
 * simhost_gpa_write() - the host writes guest memory by page number.
 * @pfns:   Hyper-V PFNs, in order.
 * @npfns:  how many.
 * @offset: byte offset into the first page's start.
 * @buf:    @len bytes to write.
 * @len:    bytes.
 *
 * Context: any context.
 * Return: as simhost_gpa_read().
 */
int simhost_gpa_write(const u64 *pfns, u32 npfns, u32 offset,
		      const void *buf, u32 len)
{
	return simhost_gpa_copy(pfns, npfns, offset, (void *)buf, len, true);
}
EXPORT_SYMBOL_GPL(simhost_gpa_write);

static int simhost_gpadl_copy(struct simhost *sh, u32 handle, u32 offset,
			      void *buf, u32 len, bool to_guest)
{
	struct simhost_gpadl *g;
	int ret = -ENOENT;

	mutex_lock(&simhost_gpadl_lock);
	g = simhost_gpadl_find(sh, handle);
	if (g)
		ret = simhost_gpa_copy(g->pfns, g->npfns, offset, buf, len,
				       to_guest);
	mutex_unlock(&simhost_gpadl_lock);
	return ret;
}

/**
 * simhost_gpadl_read() - the host reads a GPADL.
 * @sh:     the simhost.
 * @handle: the GPADL.
 * @offset: byte offset in it.
 * @buf:    receives @len bytes.
 * @len:    bytes.
 *
 * Context: process context.
 * Return: 0, -ENOENT for an unknown handle, or as simhost_gpa_read().
 */
int simhost_gpadl_read(struct simhost *sh, u32 handle, u32 offset, void *buf,
		       u32 len)
{
	return simhost_gpadl_copy(sh, handle, offset, buf, len, false);
}
EXPORT_SYMBOL_GPL(simhost_gpadl_read);

/**
 * simhost_gpadl_write() - the host writes a GPADL.
 * @sh:     the simhost.
 * @handle: the GPADL.
 * @offset: byte offset in it.
 * @buf:    @len bytes to write.
 * @len:    bytes.
 *
 * Context: process context.
 * Return: as simhost_gpadl_read().
 */
int simhost_gpadl_write(struct simhost *sh, u32 handle, u32 offset,
			const void *buf, u32 len)
{
	return simhost_gpadl_copy(sh, handle, offset, (void *)buf, len, true);
}
EXPORT_SYMBOL_GPL(simhost_gpadl_write);

/**
 * simhost_fail_next_gpadl() - make the next GPADL creation fail.
 * @sh:     the simhost.
 * @err:    the negative errno it fails with.
 * @shared: whether it says the buffer stayed visible to the host.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int simhost_fail_next_gpadl(struct simhost *sh, int err, bool shared)
{
	struct simhost_gpadl_host *h;

	mutex_lock(&simhost_gpadl_lock);
	h = simhost_gpadl_host(simhost_device(sh), true);
	if (h) {
		h->fail_err = err;
		h->fail_shared = shared;
	}
	mutex_unlock(&simhost_gpadl_lock);
	return h ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_GPL(simhost_fail_next_gpadl);

/**
 * simhost_gpadl_stay_shared_next() - make the next teardown say the
 * buffer is still visible to the host, as a confidential VM's failed
 * re-encryption does.
 * @sh: the simhost.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int simhost_gpadl_stay_shared_next(struct simhost *sh)
{
	struct simhost_gpadl_host *h;

	mutex_lock(&simhost_gpadl_lock);
	h = simhost_gpadl_host(simhost_device(sh), true);
	if (h)
		h->stay_shared = true;
	mutex_unlock(&simhost_gpadl_lock);
	return h ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_GPL(simhost_gpadl_stay_shared_next);

/*
 * Parse the ranges of the GPA-direct packet at @at (@desc_len descriptor
 * bytes, @count ranges) into @pkt, checking each against the descriptor.
 */
static int simhost_parse_ranges(struct simhost_gpa_packet *pkt, const u8 *at,
				u32 desc_len, u32 count)
{
	u32 pos = SIMHOST_GPA_HDR_SIZE, used = 0, i;

	if (!count || count > SIMHOST_GPA_MAX_RANGES)
		return -EBADMSG;
	for (i = 0; i < count; i++) {
		struct simhost_gpa_range *r = &pkt->ranges[i];
		struct hv_mpb_array hdr;
		u32 n;

		if (pos + SIMHOST_GPA_RANGE_HDR_SIZE > desc_len)
			return -EBADMSG;
		memcpy(&hdr, at + pos, SIMHOST_GPA_RANGE_HDR_SIZE);
		pos += SIMHOST_GPA_RANGE_HDR_SIZE;
		n = DIV_ROUND_UP((u64)hdr.offset + hdr.len, HV_HYP_PAGE_SIZE);
		if (hdr.offset >= HV_HYP_PAGE_SIZE || !hdr.len ||
		    used + n > SIMHOST_GPA_MAX_PFNS ||
		    pos + n * sizeof(u64) > desc_len)
			return -EBADMSG;
		memcpy(&pkt->pfns[used], at + pos, n * sizeof(u64));
		r->byte_offset = hdr.offset;
		r->byte_count = hdr.len;
		r->npfns = n;
		r->pfns = &pkt->pfns[used];
		pos += n * sizeof(u64);
		used += n;
	}
	return 0;
}

/**
 * simhost_read_gpa_direct() - consume the next packet the guest wrote,
 * which must be GPA direct, with its ranges.
 * @sh:      the simhost.
 * @pkt:     receives the descriptor and every range with its PFNs (the
 *           first range also in the byte_offset/byte_count/npfns fields).
 * @buf:     receives up to @buf_len inline payload bytes; may be NULL.
 * @buf_len: size of @buf.
 *
 * Context: process context.
 * Return: 0; -ENODATA when the guest wrote nothing; -ENODEV once the
 * rings are closed; -EPROTO for another packet type, or -EBADMSG for a
 * malformed one (either is left unread).
 */
int simhost_read_gpa_direct(struct simhost *sh, struct simhost_gpa_packet *pkt,
			    void *buf, u32 buf_len)
{
	u8 at[SIMHOST_GPA_PEEK] __aligned(8);
	struct vmbus_packet_mpb_array hdr;
	struct simhost_packet sp;
	u32 pending, desc_len;
	int ret;

	/* A copy, taken with the rings held open: parse that, not the ring. */
	ret = simhost_peek(sh, at, sizeof(at));
	if (ret < 0)
		return ret;
	pending = ret;
	memcpy(&hdr, at, min_t(u32, pending, sizeof(hdr)));
	if (pending < sizeof(struct vmpacket_descriptor) ||
	    hdr.type != VM_PKT_DATA_USING_GPA_DIRECT)
		return -EPROTO;
	desc_len = hdr.dataoffset8 * sizeof(u64);
	if (pending < sizeof(hdr) || desc_len > pending ||
	    desc_len > sizeof(at))
		return -EBADMSG;
	ret = simhost_parse_ranges(pkt, at, desc_len, hdr.rangecount);
	if (ret)
		return ret;
	pkt->range_count = hdr.rangecount;
	pkt->byte_offset = pkt->ranges[0].byte_offset;
	pkt->byte_count = pkt->ranges[0].byte_count;
	pkt->npfns = pkt->ranges[0].npfns;

	ret = simhost_read(sh, &sp, buf, buf_len);
	if (ret)
		return ret;
	pkt->desc = sp.desc;
	pkt->data_len = sp.data_len;
	return 0;
}
EXPORT_SYMBOL_GPL(simhost_read_gpa_direct);

/**
 * simhost_write_gpa_direct() - write a GPA-direct packet to the guest.
 * @sh:       the simhost.
 * @flags:    descriptor flags.
 * @trans_id: transaction id.
 * @ranges:   the ranges, written as given (not checked).
 * @nranges:  how many, at least 1.
 * @data:     inline payload; may be NULL when @len is 0.
 * @len:      payload bytes; zero-padded to 8 on the ring.
 *
 * Context: process context.
 * Return: as simhost_write_raw(), or -ENOMEM.
 */
int simhost_write_gpa_direct(struct simhost *sh, u16 flags, u64 trans_id,
			     const struct simhost_gpa_range *ranges,
			     u32 nranges, const void *data, u32 len)
{
	u32 desc_len = SIMHOST_GPA_HDR_SIZE, pkt_len, i;
	struct vmpacket_descriptor *desc;
	u32 *range_cnt;
	u8 *pos;
	int ret;

	for (i = 0; i < nranges; i++)
		desc_len += SIMHOST_GPA_RANGE_HDR_SIZE +
			    ranges[i].npfns * sizeof(u64);
	pkt_len = ALIGN(desc_len + len, sizeof(u64));
	desc = kzalloc(pkt_len, GFP_KERNEL);
	if (!desc)
		return -ENOMEM;
	desc->type = VM_PKT_DATA_USING_GPA_DIRECT;
	desc->flags = flags;
	desc->trans_id = trans_id;
	desc->offset8 = desc_len / sizeof(u64);
	desc->len8 = pkt_len / sizeof(u64);
	range_cnt = (u32 *)(desc + 1) + 1;
	*range_cnt = nranges;
	pos = (u8 *)desc + SIMHOST_GPA_HDR_SIZE;
	for (i = 0; i < nranges; i++) {
		struct hv_mpb_array *r = (struct hv_mpb_array *)pos;

		r->len = ranges[i].byte_count;
		r->offset = ranges[i].byte_offset;
		memcpy(r->pfn_array, ranges[i].pfns,
		       ranges[i].npfns * sizeof(u64));
		pos += SIMHOST_GPA_RANGE_HDR_SIZE + ranges[i].npfns * sizeof(u64);
	}
	if (len)
		memcpy(pos, data, len);
	ret = simhost_write_raw(sh, desc, pkt_len);
	kfree(desc);
	return ret;
}
EXPORT_SYMBOL_GPL(simhost_write_gpa_direct);
