// SPDX-License-Identifier: GPL-2.0
/*
 * hvemu: the hypervisor half of the emulated Hyper-V (see emu.h).
 *
 * Booted with hvemu=1, the kernel finds "Microsoft Hv" in the hypervisor
 * CPUID leaves and runs its real Hyper-V platform code; the synthetic MSRs
 * it reads and writes land here (the msr.h hook stands in for the VM exit a
 * real hypervisor takes), and so does every hypercall: when the guest
 * enables the hypercall page, the "hypervisor" fills it with a call into
 * hvemu_hypercall() instead of VMCALL.  Only what hv_vmbus needs is
 * offered: VP_INDEX, the hypercall MSR, the SynIC (SIMP, SIEFP, SINTx,
 * SCONTROL, EOM) and the invariant-TSC control; HVCALL_POST_MESSAGE and
 * HVCALL_SIGNAL_EVENT.  Anything else is refused with a warning, as a
 * hypervisor that does not implement it would (#GP for an MSR, which the
 * guest's accessors also turn into a warning and 0; an error status for a
 * hypercall).
 *
 * Host-to-guest interrupts are self-IPIs of the vector the guest programmed
 * into the SINT, so vmbus_isr() runs in hard-irq context through the real
 * callback-vector entry.  The CPUID leaves recommend the APIC EOI over
 * auto-EOI, which a software-raised vector needs.
 *
 * Hibernation (hv_suspend()/hv_resume() in hv_init.c, hv_synic_suspend()
 * and CPU offlining in hv_vmbus) disables and re-enables the hypercall
 * page and each VP's SynIC.  As on Hyper-V, the hypercall page is an
 * overlay (TLFS 3.13): while it is enabled the guest page shows the
 * hypervisor's code, and disabling it shows the guest's own bytes again;
 * a hypercall made while it is disabled is refused.  The transitions are
 * counted for the tests (hvemu_event_count()).
 */
#include <linux/hvemu.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/hyperv-tlfs.h>
#include <asm/mshyperv.h>
#include <asm/sync_bitops.h>

#include "emu.h"

/*
 * Read by the trap points in asm/hvemu.h.  Not exported: only built-in
 * code asks the hypervisor directly in this kernel.
 */
bool hvemu_active;

/* The build the CPUID version leaf reports: an emulator, not a release. */
#define HVEMU_BUILD		0x4856
#define HVEMU_MAX_LEAF		HYPERV_CPUID_MIN
/* "Hv#1": the interface leaf's signature (TLFS 2.4.2). */
#define HVEMU_INTERFACE_HV1	0x31237648

/**
 * struct hvemu_vp - one virtual processor's synthetic registers.
 * @simp:	SIMP (message page) register.
 * @siefp:	SIEFP (event-flags page) register.
 * @scontrol:	SCONTROL.
 * @sint:	SINT0..15.
 * @vp_assist:	the VP assist page register (accepted, unused).
 */
struct hvemu_vp {
	u64 simp;
	u64 siefp;
	u64 scontrol;
	u64 sint[HV_SYNIC_SINT_COUNT];
	u64 vp_assist;
};

static struct hvemu_vp hvemu_vps[NR_CPUS];
static u64 hvemu_guest_os_id;
static u64 hvemu_hypercall_msr;
/*
 * What the overlay hides: the guest's bytes of the hypercall page while it
 * is enabled.  Static, as the MSR is written with interrupts off.
 */
static u8 hvemu_hypercall_under[PAGE_SIZE];
static atomic_t hvemu_events[HVEMU_EV_COUNT];

/**
 * hvemu_event_count() - how often the guest made the hypervisor do @ev.
 * @ev: enum hvemu_event.
 *
 * Return: the count since boot.
 */
u32 hvemu_event_count(enum hvemu_event ev)
{
	return ev < HVEMU_EV_COUNT ? atomic_read(&hvemu_events[ev]) : 0;
}
EXPORT_SYMBOL_GPL(hvemu_event_count);

void hvemu_count_event(enum hvemu_event ev)
{
	if (ev < HVEMU_EV_COUNT)
		atomic_inc(&hvemu_events[ev]);
}

/* SynIC messages not yet in the guest's message page, oldest first. */
struct hvemu_msg {
	struct list_head node;
	u32 vp;
	u32 sint;
	struct hv_message msg;
};

static LIST_HEAD(hvemu_msgq);
static DEFINE_SPINLOCK(hvemu_lock);	/* the queue and the SynIC state */
static void hvemu_deliver_work(struct work_struct *work);
static DECLARE_WORK(hvemu_deliver_w, hvemu_deliver_work);

static int __init hvemu_param(char *s)
{
	bool on = true;

	if (s && kstrtobool(s, &on))
		return -EINVAL;
	hvemu_active = on;
	if (on)
		setup_force_cpu_cap(X86_FEATURE_HYPERVISOR);
	return 0;
}
early_param("hvemu", hvemu_param);

/* The hypervisor CPUID leaves; @eax holds the leaf on entry. */
bool hvemu_cpuid(unsigned int *eax, unsigned int *ebx, unsigned int *ecx,
		 unsigned int *edx)
{
	u32 leaf = *eax;

	*eax = *ebx = *ecx = *edx = 0;
	switch (leaf) {
	case HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS:
		*eax = HVEMU_MAX_LEAF;
		memcpy(ebx, "Micr", 4);
		memcpy(ecx, "osof", 4);
		memcpy(edx, "t Hv", 4);
		break;
	case HYPERV_CPUID_INTERFACE:
		*eax = HVEMU_INTERFACE_HV1;
		break;
	case HYPERV_CPUID_VERSION:
		*eax = HVEMU_BUILD;
		*ebx = 10 << 16;
		break;
	case HYPERV_CPUID_FEATURES:
		*eax = HV_MSR_VP_INDEX_AVAILABLE | HV_MSR_HYPERCALL_AVAILABLE |
		       HV_MSR_SYNIC_AVAILABLE | HV_ACCESS_TSC_INVARIANT;
		*ebx = HV_POST_MESSAGES | HV_SIGNAL_EVENTS;
		break;
	case HYPERV_CPUID_ENLIGHTMENT_INFO:
		*eax = HV_DEPRECATING_AEOI_RECOMMENDED;
		*ebx = ~0U;	/* spinlock retries: never notify */
		break;
	case HYPERV_CPUID_IMPLEMENT_LIMITS:
		*eax = nr_cpu_ids;
		*ebx = nr_cpu_ids;
		break;
	}
	return true;
}

void *hvemu_gpa(u64 gpa, u32 len)
{
	unsigned long pfn = PHYS_PFN(gpa);

	if (!len || offset_in_page(gpa) + len > PAGE_SIZE || !pfn_valid(pfn) ||
	    PageHighMem(pfn_to_page(pfn)))
		return NULL;
	return __va(gpa);
}

static struct hv_message_page *hvemu_simp(struct hvemu_vp *vp)
{
	union hv_synic_simp simp = { .as_uint64 = vp->simp };

	if (!simp.simp_enabled)
		return NULL;
	return hvemu_gpa((u64)simp.base_simp_gpa << HV_HYP_PAGE_SHIFT,
			 PAGE_SIZE);
}

static union hv_synic_event_flags *hvemu_siefp(struct hvemu_vp *vp)
{
	union hv_synic_siefp siefp = { .as_uint64 = vp->siefp };

	if (!siefp.siefp_enabled)
		return NULL;
	return hvemu_gpa((u64)siefp.base_siefp_gpa << HV_HYP_PAGE_SHIFT,
			 PAGE_SIZE);
}

/* The SINT's vector if the SynIC would raise it now, else 0. */
static u8 hvemu_sint_vector(struct hvemu_vp *vp, u32 sint)
{
	union hv_synic_sint s = { .as_uint64 = vp->sint[sint] };

	lockdep_assert_held(&hvemu_lock);
	if (!(vp->scontrol & 1) || s.masked || s.vector < 16)
		return 0;
	return s.vector;
}

static void hvemu_raise(u32 vp, u8 vector)
{
	if (vp < nr_cpu_ids && cpu_online(vp))
		apic->send_IPI(vp, vector);
}

/*
 * Put the oldest message into its slot, TLFS style: a busy slot gets
 * msg_pending, and the guest's EOM write brings us back.  The recheck
 * after setting msg_pending closes the race with a guest emptying the slot
 * without having seen the flag.
 */
static bool hvemu_try_deliver(struct hvemu_msg *m)
{
	struct hvemu_vp *vp = &hvemu_vps[m->vp];
	struct hv_message_page *page = hvemu_simp(vp);
	struct hv_message *slot;
	u8 vector = hvemu_sint_vector(vp, m->sint);

	if (!page || !vector)
		return false;
	slot = &page->sint_message[m->sint];
	if (READ_ONCE(slot->header.message_type) != HVMSG_NONE) {
		slot->header.message_flags.msg_pending = 1;
		/* The flag before the recheck; the guest orders the reverse. */
		smp_mb();
		if (READ_ONCE(slot->header.message_type) != HVMSG_NONE)
			return false;
	}
	memcpy(&slot->u, &m->msg.u, sizeof(slot->u));
	slot->header.payload_size = m->msg.header.payload_size;
	slot->header.message_flags.asu8 = 0;
	slot->header.sender = 0;
	/* The payload before the type that makes the slot full. */
	smp_wmb();
	WRITE_ONCE(slot->header.message_type, m->msg.header.message_type);
	hvemu_raise(m->vp, vector);
	return true;
}

static void hvemu_deliver_work(struct work_struct *work)
{
	struct hvemu_msg *m;
	unsigned long flags;

	for (;;) {
		spin_lock_irqsave(&hvemu_lock, flags);
		m = list_first_entry_or_null(&hvemu_msgq, struct hvemu_msg,
					     node);
		if (m && hvemu_try_deliver(m))
			list_del(&m->node);
		else
			m = NULL;
		spin_unlock_irqrestore(&hvemu_lock, flags);
		if (!m)
			return;
		kfree(m);
	}
}

int hvemu_deliver(u32 vp, u32 sint, u32 type, const void *payload, u32 len)
{
	struct hvemu_msg *m;
	unsigned long flags;

	if (vp >= nr_cpu_ids || sint >= HV_SYNIC_SINT_COUNT ||
	    len > HV_MESSAGE_PAYLOAD_BYTE_COUNT || type == HVMSG_NONE)
		return -EINVAL;
	m = kzalloc(sizeof(*m), GFP_ATOMIC);
	if (!m)
		return -ENOMEM;
	m->vp = vp;
	m->sint = sint;
	m->msg.header.message_type = type;
	m->msg.header.payload_size = len;
	memcpy(&m->msg.u, payload, len);
	spin_lock_irqsave(&hvemu_lock, flags);
	list_add_tail(&m->node, &hvemu_msgq);
	spin_unlock_irqrestore(&hvemu_lock, flags);
	schedule_work(&hvemu_deliver_w);
	return 0;
}

void hvemu_set_event(u32 vp, u32 sint, u32 bit)
{
	union hv_synic_event_flags *page;
	unsigned long flags;
	u8 vector = 0;

	if (vp >= nr_cpu_ids || sint >= HV_SYNIC_SINT_COUNT ||
	    bit >= HV_EVENT_FLAGS_COUNT)
		return;
	spin_lock_irqsave(&hvemu_lock, flags);
	page = hvemu_siefp(&hvemu_vps[vp]);
	if (page) {
		sync_set_bit(bit, page[sint].flags);
		vector = hvemu_sint_vector(&hvemu_vps[vp], sint);
	}
	spin_unlock_irqrestore(&hvemu_lock, flags);
	if (vector)
		hvemu_raise(vp, vector);
}

/*
 * The hypercall page: save what the guest's hypercall asm does not list as
 * clobbered (rdi, rsi), move the TLFS register convention (rcx control,
 * rdx input, r8 output) into the C one, and call hvemu_hypercall().
 */
static u64 hvemu_hypercall(u64 control, u64 input, u64 output);

static void hvemu_fill_hypercall_page(void *page)
{
	static const u8 head[] = {
		0x57,				/* push %rdi */
		0x56,				/* push %rsi */
		0x48, 0x83, 0xec, 0x08,		/* sub $8,%rsp */
		0x48, 0x89, 0xcf,		/* mov %rcx,%rdi */
		0x48, 0x89, 0xd6,		/* mov %rdx,%rsi */
		0x4c, 0x89, 0xc2,		/* mov %r8,%rdx */
		0x48, 0xb8,			/* movabs $hvemu_hypercall,%rax */
	};
	static const u8 tail[] = {
		0xff, 0xd0,			/* call *%rax */
		0x48, 0x83, 0xc4, 0x08,		/* add $8,%rsp */
		0x5e,				/* pop %rsi */
		0x5f,				/* pop %rdi */
		0xc3,				/* ret */
	};
	u64 target = (u64)hvemu_hypercall;
	u8 *p = page;

	memset(p, 0xcc, PAGE_SIZE);
	memcpy(p, head, sizeof(head));
	p += sizeof(head);
	memcpy(p, &target, sizeof(target));
	p += sizeof(target);
	memcpy(p, tail, sizeof(tail));
}

static u16 hvemu_post_message(u64 input)
{
	struct {
		u32 connection_id;
		u32 reserved;
		u32 message_type;
		u32 payload_size;
		u64 payload[HV_MESSAGE_PAYLOAD_QWORD_COUNT];
	} *in;

	if (!IS_ALIGNED(input, 8))
		return HV_STATUS_INVALID_ALIGNMENT;
	in = hvemu_gpa(input, sizeof(*in));
	if (!in)
		return HV_STATUS_INVALID_PARAMETER;
	if (in->payload_size > HV_MESSAGE_PAYLOAD_BYTE_COUNT ||
	    in->message_type == HVMSG_NONE || in->message_type & BIT(31))
		return HV_STATUS_INVALID_PARAMETER;
	return hvemu_vmbus_post(in->connection_id & 0xffffff, in->message_type,
				in->payload, in->payload_size);
}

static u64 notrace hvemu_hypercall(u64 control, u64 input, u64 output)
{
	u16 code = control & 0xffff;
	bool fast = control & HV_HYPERCALL_FAST_BIT;

	/* Only a stale copy of the page's code can get here then. */
	if (!(READ_ONCE(hvemu_hypercall_msr) & HV_X64_MSR_HYPERCALL_ENABLE)) {
		pr_warn_ratelimited("hvemu: hypercall %#x with the page disabled\n",
				    code);
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	}
	switch (code) {
	case HVCALL_POST_MESSAGE:
		if (!fast)
			return hvemu_post_message(input);
		break;
	case HVCALL_SIGNAL_EVENT:
		if (fast)
			return input >> 32 ? HV_STATUS_INVALID_PARAMETER :
			       hvemu_vmbus_signal(input & 0xffffff);
		break;
	}
	pr_warn_ratelimited("hvemu: refused hypercall %#x (control %#llx)\n",
			    code, control);
	return HV_STATUS_INVALID_HYPERCALL_CODE;
}

static void *hvemu_hypercall_page(u64 msr)
{
	union hv_x64_msr_hypercall_contents hc = { .as_uint64 = msr };

	return hvemu_gpa((u64)hc.guest_physical_address << PAGE_SHIFT,
			 PAGE_SIZE);
}

/*
 * The overlay: enabling saves the guest's bytes and shows the hypercall
 * code; disabling (or moving the page) gives the guest its bytes back.
 */
static void hvemu_write_hypercall_msr(u64 val)
{
	u64 old = hvemu_hypercall_msr;
	bool was = old & HV_X64_MSR_HYPERCALL_ENABLE;
	bool on = val & HV_X64_MSR_HYPERCALL_ENABLE;
	void *page = on ? hvemu_hypercall_page(val) : NULL;

	if (on && !page) {
		pr_warn("hvemu: hypercall page at a bad GPA\n");
		return;
	}
	if (was && (!on || hvemu_hypercall_page(old) != page)) {
		memcpy(hvemu_hypercall_page(old), hvemu_hypercall_under,
		       PAGE_SIZE);
		hvemu_count_event(HVEMU_EV_HYPERCALL_DISABLED);
		was = false;
	}
	if (on && !was) {
		memcpy(hvemu_hypercall_under, page, PAGE_SIZE);
		hvemu_fill_hypercall_page(page);
		hvemu_count_event(HVEMU_EV_HYPERCALL_ENABLED);
	}
	WRITE_ONCE(hvemu_hypercall_msr, val);
}

/* A synthetic MSR read: 0, or -EIO where a hypervisor would inject #GP. */
int notrace hvemu_rdmsr(unsigned int msr, u64 *val)
{
	struct hvemu_vp *vp = &hvemu_vps[raw_smp_processor_id()];

	switch (msr) {
	case HV_X64_MSR_GUEST_OS_ID:
		*val = hvemu_guest_os_id;
		return 0;
	case HV_X64_MSR_HYPERCALL:
		*val = hvemu_hypercall_msr;
		return 0;
	case HV_X64_MSR_VP_INDEX:
		*val = raw_smp_processor_id();
		return 0;
	case HV_X64_MSR_SCONTROL:
		*val = vp->scontrol;
		return 0;
	case HV_X64_MSR_SVERSION:
		*val = 1;
		return 0;
	case HV_X64_MSR_SIEFP:
		*val = vp->siefp;
		return 0;
	case HV_X64_MSR_SIMP:
		*val = vp->simp;
		return 0;
	case HV_X64_MSR_SINT0 ... HV_X64_MSR_SINT15:
		*val = vp->sint[msr - HV_X64_MSR_SINT0];
		return 0;
	case HV_X64_MSR_VP_ASSIST_PAGE:
		*val = vp->vp_assist;
		return 0;
	}
	*val = 0;
	pr_warn_ratelimited("hvemu: #GP: rdmsr %#x not emulated\n", msr);
	return -EIO;
}

/* A synthetic MSR write: 0, or -EIO where a hypervisor would inject #GP. */
int notrace hvemu_wrmsr(unsigned int msr, u64 val)
{
	struct hvemu_vp *vp = &hvemu_vps[raw_smp_processor_id()];
	unsigned long flags;
	bool kick = false;

	switch (msr) {
	case HV_X64_MSR_GUEST_OS_ID:
		hvemu_guest_os_id = val;
		return 0;
	case HV_X64_MSR_HYPERCALL:
		hvemu_write_hypercall_msr(val);
		return 0;
	case HV_X64_MSR_TSC_INVARIANT_CONTROL:
		return 0;
	case HV_X64_MSR_VP_ASSIST_PAGE:
		vp->vp_assist = val;
		return 0;
	case HV_X64_MSR_EOM:
		kick = true;
		break;
	case HV_X64_MSR_SCONTROL:
	case HV_X64_MSR_SIEFP:
	case HV_X64_MSR_SIMP:
	case HV_X64_MSR_SINT0 ... HV_X64_MSR_SINT15:
		spin_lock_irqsave(&hvemu_lock, flags);
		if (msr == HV_X64_MSR_SCONTROL && (vp->scontrol ^ val) & 1)
			hvemu_count_event(val & 1 ? HVEMU_EV_SYNIC_ENABLED :
					  HVEMU_EV_SYNIC_DISABLED);
		if (msr == HV_X64_MSR_SCONTROL)
			vp->scontrol = val;
		else if (msr == HV_X64_MSR_SIEFP)
			vp->siefp = val;
		else if (msr == HV_X64_MSR_SIMP)
			vp->simp = val;
		else
			vp->sint[msr - HV_X64_MSR_SINT0] = val;
		spin_unlock_irqrestore(&hvemu_lock, flags);
		kick = true;
		break;
	default:
		pr_warn_ratelimited("hvemu: #GP: wrmsr %#x <- %#llx not emulated\n",
				    msr, val);
		return -EIO;
	}
	/* A freed slot or a newly enabled SINT: queued messages may go. */
	if (kick && system_wq)
		schedule_work(&hvemu_deliver_w);
	return 0;
}

static int __init hvemu_init(void)
{
	if (!hvemu_active)
		return 0;
	pr_info("hvemu: emulated Hyper-V active (hv_vmbus talks to an in-guest host)\n");
	return hvemu_vmbus_init();
}
core_initcall(hvemu_init);
