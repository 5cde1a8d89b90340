/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_reliable.c - the reliability layer (vpn/reliable.h): the send
 * window of 6, the first send and resends with their doubling timeout, the
 * early resend after 3 acks for later ids, stale and repeated acks; the
 * receive side's reordering, duplicates acked again and handed on once,
 * the window of 12, acks taken 4 or 8 at a time.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "vpn/reliable.h"

static struct vpn_rel r;

Test(vpn_reliable, send_window_timeouts_and_acks)
{
	struct vpn_rel_out *o;
	uint32_t a[2];

	vpn_rel_init(&r);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(vpn_rel_send(&r, VPN_P_CONTROL_V1, (const uint8_t *)"x", 1, 1000), i);
	cr_assert_eq(vpn_rel_send(&r, VPN_P_CONTROL_V1, (const uint8_t *)"x", 1, 1000), -1,
		     "6 in flight");
	for (int i = 0; i < 6; i++) {
		o = vpn_rel_due(&r, 1000);
		cr_assert_not_null(o);
		cr_assert_eq(o->msgid, (uint32_t)i, "sent in order");
	}
	cr_assert_null(vpn_rel_due(&r, 1000), "nothing more now");
	cr_assert_eq(vpn_rel_next_due(&r), 3000, "2 s after");
	/* at 3 s everything goes again, and then waits 4 s */
	o = vpn_rel_due(&r, 3000);
	cr_assert_eq(o->msgid, 0);
	cr_assert_eq(o->due_ms, 7000, "the timeout doubled");
	/* acks free the window; stale and repeated ones change nothing */
	a[0] = 1;
	a[1] = 99;
	vpn_rel_acked(&r, a, 2);
	vpn_rel_acked(&r, a, 1);
	cr_assert_eq(vpn_rel_send(&r, VPN_P_CONTROL_V1, NULL, 0, 3000), 6);
	cr_assert_not(vpn_rel_all_acked(&r));
	for (uint32_t i = 0; i <= 6; i++)
		vpn_rel_acked(&r, &i, 1);
	cr_assert(vpn_rel_all_acked(&r));
	cr_assert_eq(vpn_rel_next_due(&r), UINT64_MAX);
}

Test(vpn_reliable, early_resend_after_three_later_acks)
{
	struct vpn_rel_out *o;

	vpn_rel_init(&r);
	for (int i = 0; i < 4; i++)
		vpn_rel_send(&r, VPN_P_CONTROL_V1, NULL, 0, 0);
	while (vpn_rel_due(&r, 0))
		;
	for (uint32_t i = 1; i <= 2; i++)
		vpn_rel_acked(&r, &i, 1);
	cr_assert_null(vpn_rel_due(&r, 10), "2 later acks: not yet");
	vpn_rel_acked(&r, &(uint32_t){ 3 }, 1);
	o = vpn_rel_due(&r, 10);
	cr_assert_not_null(o, "3 later acks: message 0 goes again at once");
	cr_assert_eq(o->msgid, 0);
}

Test(vpn_reliable, receive_in_order_duplicates_window)
{
	uint8_t op;
	const uint8_t *p;
	size_t len;
	uint32_t a[8];

	vpn_rel_init(&r);
	cr_assert_eq(vpn_rel_received(&r, 2, VPN_P_CONTROL_V1, (const uint8_t *)"c", 1), 1);
	cr_assert_eq(vpn_rel_received(&r, 1, VPN_P_CONTROL_V1, (const uint8_t *)"b", 1), 1);
	cr_assert_not(vpn_rel_next_in(&r, &op, &p, &len), "0 is missing: nothing handed on");
	cr_assert_eq(vpn_rel_received(&r, 0, VPN_P_CONTROL_HARD_RESET_CLIENT_V2, NULL, 0), 1);
	cr_assert_eq(vpn_rel_received(&r, 1, VPN_P_CONTROL_V1, (const uint8_t *)"b", 1), 0,
		     "a duplicate");
	cr_assert(vpn_rel_next_in(&r, &op, &p, &len));
	cr_assert_eq(op, VPN_P_CONTROL_HARD_RESET_CLIENT_V2);
	cr_assert(vpn_rel_next_in(&r, &op, &p, &len));
	cr_assert_eq(p[0], 'b');
	cr_assert(vpn_rel_next_in(&r, &op, &p, &len));
	cr_assert_eq(p[0], 'c');
	cr_assert_not(vpn_rel_next_in(&r, &op, &p, &len));
	cr_assert_eq(vpn_rel_received(&r, 0, VPN_P_CONTROL_V1, NULL, 0), 0,
		     "handed on already: acked again, not again handed on");
	cr_assert_not(vpn_rel_next_in(&r, &op, &p, &len));
	cr_assert_eq(vpn_rel_received(&r, 3 + 12, VPN_P_CONTROL_V1, NULL, 0), -1,
		     "beyond the window of 12");
	cr_assert_eq(vpn_rel_received(&r, 3 + 11, VPN_P_CONTROL_V1, NULL, 0), 1);
	/* acks: each id once, oldest first, 4 then the rest */
	cr_assert_eq(vpn_rel_take_acks(&r, a, VPN_REL_ACKS_ON_CONTROL), 4);
	cr_assert_eq(a[0], 2);
	cr_assert_eq(a[1], 1);
	cr_assert_eq(a[2], 0);
	cr_assert_eq(a[3], 14);
	cr_assert_eq(vpn_rel_take_acks(&r, a, VPN_ACKS_MAX), 0, "nothing left");
}
