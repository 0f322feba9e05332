// SPDX-License-Identifier: GPL-2.0
/* Linux's own drivers/hv/hv_kvp.c, unchanged: see stubs.c. */
#include <../drivers/hv/hv_kvp.c>
