// SPDX-License-Identifier: GPL-2.0
/*
 * insnprof: a QEMU TCG plugin that counts guest instructions per
 * translation block, only inside windows the guest marks, one profile per
 * mark.  `make bench-prof` loads it (scripts/bench-prof.sh).
 *
 * The guest opens a window with a self-exchange no compiler emits:
 *   xchg %bx,%bx  (66 87 db)  profile 1
 *   xchg %cx,%cx  (66 87 c9)  profile 2
 *   xchg %dx,%dx  (66 87 d2)  profile 3
 * and closes it with xchg %si,%si (66 87 f6).  A block executed while a
 * window is open adds its instruction count to its profile, at its start
 * address; at exit every block with a count is written to the file named
 * by the out= argument as "<profile> <vaddr hex> <instructions>".  A block
 * left early (an exception, an interrupt) still counts whole: the bench
 * gates on its own windows, where that is rare.
 *
 * Built against QEMU 7.2's plugin API (version 1), which Debian 12 ships;
 * the few declarations used are below, so no QEMU source is needed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*tb_trans_cb)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*udata_cb)(unsigned int vcpu, void *udata);
typedef void (*exit_cb)(qemu_plugin_id_t, void *udata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_trans_cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *,
						 size_t);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *, udata_cb,
					  enum qemu_plugin_cb_flags, void *);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *,
					    udata_cb,
					    enum qemu_plugin_cb_flags, void *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, exit_cb, void *);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define PROFILES	4	/* 0: no window open */
#define SLOTS		(1u << 20)	/* open addressing, power of two */

struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t count[PROFILES];
};

static struct block *blocks;
static unsigned int open_profile;
static char out_path[512] = "insnprof.txt";

/* One record per block start address, found or made at translation. */
static struct block *block_at(uint64_t vaddr, uint64_t insns)
{
	uint64_t h = (vaddr * 0x9e3779b97f4a7c15ull) >> 44;
	unsigned int i;

	for (i = 0; i < SLOTS; i++) {
		struct block *b = &blocks[(h + i) & (SLOTS - 1)];

		if (b->vaddr == vaddr || !b->vaddr) {
			b->vaddr = vaddr;
			/* Retranslated shorter or longer: keep the last. */
			b->insns = insns;
			return b;
		}
	}
	return NULL;
}

static void on_block(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	b->count[open_profile] += b->insns;
}

static void on_mark(unsigned int vcpu, void *udata)
{
	open_profile = (unsigned int)(uintptr_t)udata;
}

/* Which mark, if any: the profile it opens, PROFILES to close, or -1. */
static int mark_of(const struct qemu_plugin_insn *insn)
{
	const uint8_t *d = qemu_plugin_insn_data(insn);

	if (qemu_plugin_insn_size(insn) != 3 || d[0] != 0x66 || d[1] != 0x87)
		return -1;
	switch (d[2]) {
	case 0xdb: return 1;
	case 0xc9: return 2;
	case 0xd2: return 3;
	case 0xf6: return 0;
	}
	return -1;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	struct block *b = block_at(qemu_plugin_tb_vaddr(tb), n);

	if (b)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block,
						     QEMU_PLUGIN_CB_NO_REGS, b);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		int m = mark_of(insn);

		if (m >= 0)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark,
					QEMU_PLUGIN_CB_NO_REGS,
					(void *)(uintptr_t)m);
	}
}

static void write_profile(qemu_plugin_id_t id, void *udata)
{
	FILE *f = fopen(out_path, "w");
	unsigned int i, p;

	if (!f) {
		perror(out_path);
		return;
	}
	for (i = 0; i < SLOTS; i++)
		for (p = 1; p < PROFILES; p++)
			if (blocks[i].count[p])
				fprintf(f, "%u %llx %llu\n", p,
					(unsigned long long)blocks[i].vaddr,
					(unsigned long long)blocks[i].count[p]);
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc,
			char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			snprintf(out_path, sizeof(out_path), "%s", argv[i] + 4);
	blocks = calloc(SLOTS, sizeof(*blocks));
	if (!blocks)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, write_profile, NULL);
	return 0;
}
