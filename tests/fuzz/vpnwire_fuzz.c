/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpnwire_fuzz.c - libFuzzer target for what the VPN reads off the network
 * before anything authenticates it (vpn/wire.h, vpn/tlscrypt.h): any bytes
 * as a packet: the WKc at its end unwrapped with a fixed server key, the
 * rest unwrapped with tls-crypt, as P_DATA_V2 decrypted with each cipher,
 * as the key-method-2 message, a PUSH_REPLY and peer-info, its control
 * fields parsed (from the
 * unwrapped plaintext when it authenticates, else from the raw bytes: the
 * parser must hold either way), its reset TLVs, the TCP framing; and what
 * parses must write back to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "vpn/control.h"
#include "vpn/data.h"
#include "vpn/tlscrypt.h"
#include "vpn/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t srv[128], plain[65536], meta[VPN_WKC_MAX], back[65536];
	static struct vpn_key2 k;
	static bool ready;
	struct vpn_key2 kc;
	struct vpn_tc tc;
	struct vpn_ctl c;
	size_t ml, n = size;
	long wl, pl;
	uint8_t op;

	if (!ready) {
		for (size_t i = 0; i < sizeof(srv); i++)
			srv[i] = (uint8_t)(i * 13 + 1);
		for (size_t i = 0; i < sizeof(k); i++)
			((uint8_t *)&k)[i] = (uint8_t)(i * 7 + 3);
		ready = true;
	}
	vpn_tcp_next(data, size);
	if (!size)
		return 0;
	for (int ci = 0; ci < 3; ci++) {
		struct vpn_data_keys dk;
		uint32_t pid;

		vpn_data_keys_from_ekm((const uint8_t *)&k, (enum vpn_cipher)ci, true, &dk);
		vpn_data_decrypt(&dk.in, data, size, plain, sizeof(plain), &pid);
	}
	{
		static struct vpn_km2 km;
		struct vpn_push push;
		struct vpn_peer_info pi;
		char err[256], text[4096];
		size_t tl = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

		vpn_km2_parse(data, size, data[0] & 1, &km, err, sizeof(err));
		vpn_push_init(&push);
		vpn_push_parse((const char *)data, size, &push, err, sizeof(err));
		memcpy(text, data, tl);
		text[tl] = '\0';
		vpn_peer_info_parse(text, &pi, err, sizeof(err));
		vpn_cmd_of(text, tl);
	}
	op = vpn_op_of(data[0]);
	wl = vpn_tc2_unwrap_wkc(srv, data, size, &kc, meta, &ml);
	if (wl > 0)
		n = size - (size_t)wl;
	{
		struct vpn_ta ta;
		uint8_t hdr[VPN_TC_HDR_LEN];
		const uint8_t *rest;

		vpn_ta_init(&ta, &k, 0, size & 1);
		vpn_ta_unwrap(&ta, data, size, hdr, &rest);
	}
	vpn_tc_init(&tc, &k, true);
	pl = vpn_tc_unwrap(&tc, data, n, plain, sizeof(plain));
	if (pl >= 0 && vpn_ctl_parse(plain, (size_t)pl, op, &c) == 0) {
		vpn_reset_tlv_resend_wkc(c.payload, c.payload_len);
	}
	if (size > 1 && vpn_ctl_parse(data + 1, size - 1, op, &c) == 0) {
		size_t bl = vpn_ctl_write(back, sizeof(back), &c);

		if (bl != size - 1 || memcmp(back, data + 1, bl) != 0)
			abort(); /* what parses writes back the same */
		vpn_reset_tlv_resend_wkc(c.payload, c.payload_len);
	}
	return 0;
}
