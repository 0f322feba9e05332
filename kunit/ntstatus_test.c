// SPDX-License-Identifier: GPL-2.0
/*
 * vmbkmcl_ntstatus: the porting helpers in <vmbkmcl/nt.h>: NTSTATUS to
 * errno and back, and UTF-16 UNICODE_STRING constants from plain literals.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <vmbkmcl/nt.h>

struct status_case {
	const char *name;
	NTSTATUS status;
	int err;
};

static const struct status_case to_errno_cases[] = {
	{ "success is 0", STATUS_SUCCESS, 0 },
	{ "STATUS_PENDING passes NT_SUCCESS: 0", STATUS_PENDING, 0 },
	{ "STATUS_TIMEOUT is a success code: 0", STATUS_TIMEOUT, 0 },
	{ "device removed is -ENODEV", STATUS_DEVICE_REMOVED, -ENODEV },
	{ "no memory is -ENOMEM", STATUS_INSUFFICIENT_RESOURCES, -ENOMEM },
	{ "cancelled is -ECANCELED", STATUS_CANCELLED, -ECANCELED },
	{ "revision mismatch is -EPROTONOSUPPORT", STATUS_REVISION_MISMATCH,
	  -EPROTONOSUPPORT },
	{ "parameter 3 is -EINVAL", STATUS_INVALID_PARAMETER_3, -EINVAL },
	{ "I/O timeout is -ETIMEDOUT", STATUS_IO_TIMEOUT, -ETIMEDOUT },
	{ "no such device is -ENXIO", STATUS_DEVICE_DOES_NOT_EXIST, -ENXIO },
	{ "the warning BUFFER_OVERFLOW is -EOVERFLOW", STATUS_BUFFER_OVERFLOW,
	  -EOVERFLOW },
	{ "an unknown failure is -EIO", (NTSTATUS)0xC0DE0001, -EIO },
};

static const struct status_case to_status_cases[] = {
	{ "0 is success", STATUS_SUCCESS, 0 },
	{ "-ENODEV is device removed", STATUS_DEVICE_REMOVED, -ENODEV },
	{ "-EAGAIN is device not ready", STATUS_DEVICE_NOT_READY, -EAGAIN },
	{ "-ETIMEDOUT is an error status, not STATUS_TIMEOUT (a success)",
	  STATUS_IO_TIMEOUT, -ETIMEDOUT },
	{ "-EIO is unsuccessful", STATUS_UNSUCCESSFUL, -EIO },
	{ "-EBUSY is device busy", STATUS_DEVICE_BUSY, -EBUSY },
	{ "-EINVAL is invalid parameter", STATUS_INVALID_PARAMETER, -EINVAL },
	{ "an unknown errno is unsuccessful", STATUS_UNSUCCESSFUL, -E2BIG },
};

static void status_case_desc(const struct status_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(to_errno, to_errno_cases, status_case_desc);
KUNIT_ARRAY_PARAM(to_status, to_status_cases, status_case_desc);

static void status_maps_to_its_errno(struct kunit *test)
{
	const struct status_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, vmbkmcl_status_to_errno(c->status), c->err);
}

static void errno_maps_to_its_status(struct kunit *test)
{
	const struct status_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, vmbkmcl_errno_to_status(c->err), c->status);
	/* Every errno vmbkmcl names comes back through its status. */
	if (c->err != -E2BIG)
		KUNIT_EXPECT_EQ(test,
				vmbkmcl_status_to_errno(vmbkmcl_errno_to_status(c->err)),
				c->err);
}

VMBKMCL_DECLARE_UNICODE_STRING(test_name, "SCSI");

static void unicode_string_macro_makes_utf16_with_windows_lengths(struct kunit *test)
{
	static const u16 want[] = { 'S', 'C', 'S', 'I', 0 };

	/* As DECLARE_CONST_UNICODE_STRING: Length without the NUL. */
	KUNIT_EXPECT_EQ(test, test_name.Length, 4 * sizeof(u16));
	KUNIT_EXPECT_EQ(test, test_name.MaximumLength, 5 * sizeof(u16));
	KUNIT_EXPECT_EQ(test, memcmp(test_name.Buffer, want, sizeof(want)), 0);
}

static struct kunit_case ntstatus_cases[] = {
	KUNIT_CASE_PARAM(status_maps_to_its_errno, to_errno_gen_params),
	KUNIT_CASE_PARAM(errno_maps_to_its_status, to_status_gen_params),
	KUNIT_CASE(unicode_string_macro_makes_utf16_with_windows_lengths),
	{ }
};

static struct kunit_suite ntstatus_suite = {
	.name = "vmbkmcl_ntstatus",
	.test_cases = ntstatus_cases,
};

kunit_test_suite(ntstatus_suite);

MODULE_DESCRIPTION("vmbkmcl porting helper tests");
MODULE_LICENSE("GPL");
