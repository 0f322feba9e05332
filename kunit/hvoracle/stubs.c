// SPDX-License-Identifier: GPL-2.0
/*
 * hv_utils, the oracle: Linux's own hv_utils (drivers/hv/hv_util.c and
 * the files it is linked with), built unchanged as a module of the test
 * kernel, whose configuration has neither the connector nor NLS.
 *
 * Only the heartbeat service runs on the emulated Hyper-V; it uses
 * neither.  The KVP, VSS and FCOPY daemons' transports and KVP's string
 * conversions need them, so they get these stand-ins, which refuse: those
 * services are never offered here, and a probe of one would fail cleanly
 * (-ENODEV) rather than reach a connector that does not exist.  What this
 * may touch: nothing beyond its own module.
 */
#include <linux/connector.h>
#include <linux/errno.h>
#include <linux/nls.h>

int cn_add_callback(const struct cb_id *id, const char *name,
		    void (*callback)(struct cn_msg *, struct netlink_skb_parms *))
{
	return -ENODEV;
}

void cn_del_callback(const struct cb_id *id)
{
}

int cn_netlink_send(struct cn_msg *msg, u32 portid, u32 group, gfp_t gfp_mask)
{
	return -ENODEV;
}

int utf8s_to_utf16s(const u8 *s, int len, enum utf16_endian endian,
		    wchar_t *pwcs, int maxlen)
{
	return -EINVAL;
}

int utf16s_to_utf8s(const wchar_t *pwcs, int len, enum utf16_endian endian,
		    u8 *s, int maxlen)
{
	return -EINVAL;
}
