/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpnconf_fuzz.c - the OpenVPN configuration parser (vpn/conf) on arbitrary
 * text. Whatever it returns must be whole: an accepted config has a role, a
 * device, a wrapped control channel and at least one data cipher; a refusal
 * names file:line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpn/conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vpn_conf c;
	char err[512];
	int rc;

	rc = vpn_conf_parse("fuzz/t.conf", (const char *)data, size, &c, err, sizeof(err));
	if (rc == 0) {
		if (c.role == VPN_CONF_ROLE_NONE || !c.dev || c.n_data_ciphers == 0 ||
		    (!c.tls_crypt_v2.line && !c.tls_crypt.line && !c.tls_auth.line) ||
		    (c.role == VPN_CONF_ROLE_CLIENT && c.n_remotes == 0) ||
		    (c.role == VPN_CONF_ROLE_SERVER && !c.pool4.set && !c.pool6.set)) {
			fprintf(stderr, "accepted an incomplete config\n");
			abort();
		}
		vpn_conf_free(&c);
	} else if (strncmp(err, "fuzz/t.conf:", 12) != 0) {
		fprintf(stderr, "error without a place: %s\n", err);
		abort();
	}
	return 0;
}
