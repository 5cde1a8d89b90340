/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session.c - an OpenVPN client session, server side (session.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>

#include "vpn/session.h"

#define CHUNK 1100 /* TLS bytes per control packet: within the 1250 of tls-mtu */

/* OCC messages ride the data channel behind this; type 6 is EXIT, what a
 * client that has not negotiated cc-exit sends when it stops */
static const uint8_t occ_magic[16] = { 0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81,
				       0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c };
static const uint8_t ping_magic[16] = { 0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
					0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48 };

static int endpoint_init(struct vpn_server *s, const char *ca, const char *cert, const char *key,
			 char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	mbedtls_x509_crt_init(&s->ca);
	mbedtls_x509_crt_init(&s->cert);
	mbedtls_pk_init(&s->key);
	mbedtls_entropy_init(&s->entropy);
	mbedtls_ctr_drbg_init(&s->drbg);
	if (mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
				  (const unsigned char *)"rampart-vpn", 11) != 0)
		return snprintf(err, errlen, "no entropy"), -1;
	if (mbedtls_x509_crt_parse_file(&s->ca, ca) != 0)
		return snprintf(err, errlen, "%s: not a PEM certificate", ca), -1;
	if (mbedtls_x509_crt_parse_file(&s->cert, cert) != 0)
		return snprintf(err, errlen, "%s: not a PEM certificate", cert), -1;
	if (mbedtls_pk_parse_keyfile(&s->key, key, NULL) != 0)
		return snprintf(err, errlen, "%s: not a PEM private key", key), -1;
	s->ciphers[0] = VPN_AES_256_GCM;
	s->ciphers[1] = VPN_CHACHA20_POLY1305;
	s->n_ciphers = 2;
	s->ping_s = 10;
	s->ping_restart_s = 60;
	return 0;
}

int vpn_client_conf_init(struct vpn_server *s, const char *ca, const char *cert, const char *key,
			 const char *tc2_client_key, const char *verify_name, char *err,
			 size_t errlen)
{
	char text[8192];
	FILE *f;
	size_t n;

	if (endpoint_init(s, ca, cert, key, err, errlen) < 0)
		return -1;
	s->client = true;
	snprintf(s->verify_name, sizeof(s->verify_name), "%s", verify_name);
	if (!(f = fopen(tc2_client_key, "r")))
		return snprintf(err, errlen, "%s: cannot read it", tc2_client_key), -1;
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (vpn_tc2_client_key_parse(text, n, &s->kc, s->wkc, &s->wkc_len, err, errlen) < 0)
		return -1;
	mbedtls_platform_zeroize(text, sizeof(text));
	return 0;
}

int vpn_server_init_tls_crypt(struct vpn_server *s, const char *ca, const char *cert,
			      const char *key, const char *tc_key, char *err, size_t errlen)
{
	char text[4096];
	FILE *f;
	size_t n;

	if (endpoint_init(s, ca, cert, key, err, errlen) < 0)
		return -1;
	if (!(f = fopen(tc_key, "r")))
		return snprintf(err, errlen, "%s: cannot read it", tc_key), -1;
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (vpn_static_key_parse(text, n, &s->tc1_key, err, errlen) < 0)
		return -1;
	mbedtls_platform_zeroize(text, sizeof(text));
	s->tc1 = true;
	return 0;
}

int vpn_server_init_tls_auth(struct vpn_server *s, const char *ca, const char *cert,
			     const char *key, const char *ta_key, int direction, bool sha256,
			     char *err, size_t errlen)
{
	int rc = vpn_server_init_tls_crypt(s, ca, cert, key, ta_key, err, errlen);

	if (rc < 0)
		return rc;
	s->tc1 = false;
	s->ta = true;
	s->ta_key = s->tc1_key;
	s->ta_dir = direction;
	s->ta_sha256 = sha256;
	mbedtls_platform_zeroize(&s->tc1_key, sizeof(s->tc1_key));
	return 0;
}

int vpn_server_init(struct vpn_server *s, const char *ca, const char *cert, const char *key,
		    const char *tc2_key, char *err, size_t errlen)
{
	char text[4096];
	FILE *f;
	size_t n;

	if (endpoint_init(s, ca, cert, key, err, errlen) < 0)
		return -1;
	if (!(f = fopen(tc2_key, "r")))
		return snprintf(err, errlen, "%s: cannot read it", tc2_key), -1;
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (vpn_tc2_server_key_parse(text, n, s->tc2_key, err, errlen) < 0)
		return -1;
	mbedtls_platform_zeroize(text, sizeof(text));
	return 0;
}

int vpn_endpoint_crl(struct vpn_server *s, const char *crl, char *err, size_t errlen)
{
	mbedtls_x509_crl_init(&s->crl);
	if (mbedtls_x509_crl_parse_file(&s->crl, crl) != 0) {
		mbedtls_x509_crl_free(&s->crl);
		return snprintf(err, errlen, "%s: not a PEM CRL", crl), -1;
	}
	s->has_crl = true;
	return 0;
}

void vpn_server_fini(struct vpn_server *s)
{
	if (s->has_crl)
		mbedtls_x509_crl_free(&s->crl);
	mbedtls_x509_crt_free(&s->ca);
	mbedtls_x509_crt_free(&s->cert);
	mbedtls_pk_free(&s->key);
	mbedtls_ctr_drbg_free(&s->drbg);
	mbedtls_entropy_free(&s->entropy);
	mbedtls_platform_zeroize(s->tc2_key, sizeof(s->tc2_key));
	mbedtls_platform_zeroize(&s->kc, sizeof(s->kc));
	mbedtls_platform_zeroize(&s->tc1_key, sizeof(s->tc1_key));
	mbedtls_platform_zeroize(&s->ta_key, sizeof(s->ta_key));
}

/* ---- TLS's byte streams ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct vpn_session *ss = ctx;
	size_t n = sizeof(ss->tls_out) - ss->tls_out_len;

	if (!n)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	n = len < n ? len : n;
	memcpy(ss->tls_out + ss->tls_out_len, buf, n);
	ss->tls_out_len += n;
	return (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct vpn_session *ss = ctx;
	size_t n = len < ss->tls_in_len ? len : ss->tls_in_len;

	if (!n)
		return MBEDTLS_ERR_SSL_WANT_READ;
	memcpy(buf, ss->tls_in, n);
	memmove(ss->tls_in, ss->tls_in + n, ss->tls_in_len - n);
	ss->tls_in_len -= n;
	return (int)n;
}

static int export_keys(void *ctx, const unsigned char *ms, const unsigned char *kb, size_t maclen,
		       size_t keylen, size_t ivlen, const unsigned char cr[32],
		       const unsigned char sr[32], mbedtls_tls_prf_types prf)
{
	struct vpn_session *ss = ctx;

	(void)kb;
	(void)maclen;
	(void)keylen;
	(void)ivlen;
	memcpy(ss->ms, ms, 48);
	memcpy(ss->randoms, cr, 32);
	memcpy(ss->randoms + 32, sr, 32);
	ss->prf = prf;
	return 0;
}

void vpn_session_init(struct vpn_session *ss, const struct vpn_server *srv, uint32_t peer_id)
{
	struct vpn_server *s = (struct vpn_server *)srv; /* its DRBG advances */

	memset(ss, 0, sizeof(*ss));
	ss->srv = srv;
	ss->peer_id = peer_id;
	ss->cipher = -1;
	ss->rp_time = (uint32_t)time(NULL);
	ss->ping_s = srv->ping_s;
	ss->ping_restart_s = srv->ping_restart_s;
	mbedtls_ctr_drbg_random(&s->drbg, ss->sid, sizeof(ss->sid));
	vpn_rel_init(&ss->rel);
	mbedtls_ssl_config_init(&ss->tls_conf);
	mbedtls_ssl_init(&ss->tls);
	mbedtls_ssl_config_defaults(&ss->tls_conf,
				    srv->client ? MBEDTLS_SSL_IS_CLIENT : MBEDTLS_SSL_IS_SERVER,
				    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	mbedtls_ssl_conf_min_version(&ss->tls_conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 at least */
	mbedtls_ssl_conf_rng(&ss->tls_conf, mbedtls_ctr_drbg_random, &s->drbg);
	mbedtls_ssl_conf_ca_chain(&ss->tls_conf, &s->ca, s->has_crl ? &s->crl : NULL);
	mbedtls_ssl_conf_own_cert(&ss->tls_conf, &s->cert, &s->key);
	mbedtls_ssl_conf_authmode(&ss->tls_conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_export_keys_ext_cb(&ss->tls_conf, export_keys, ss);
	mbedtls_ssl_setup(&ss->tls, &ss->tls_conf);
	mbedtls_ssl_set_bio(&ss->tls, ss, bio_send, bio_recv, NULL);
	if (srv->client) {
		mbedtls_ssl_set_hostname(&ss->tls, srv->verify_name); /* verify-x509-name */
		ss->kc = srv->kc;
		vpn_tc_init(&ss->tc, &ss->kc, false);
		ss->rp_id = 0x0f000000; /* early negotiation: the first is 0x0f000001 */
		vpn_push_init(&ss->push_in);
	}
}

void vpn_session_fini(struct vpn_session *ss)
{
	mbedtls_ssl_free(&ss->tls);
	mbedtls_ssl_config_free(&ss->tls_conf);
	vpn_tc_wipe(&ss->tc);
	vpn_data_keys_wipe(&ss->keys);
	vpn_data_keys_wipe(&ss->prev.keys);
	mbedtls_platform_zeroize(ss, sizeof(*ss));
}

static void fail(struct vpn_session *ss, const char *why)
{
	ss->state = VPN_S_FAILED;
	snprintf(ss->why, sizeof(ss->why), "%s", why);
}

/* ---- the control channel out ---- */

static void queue(struct vpn_session *ss, const uint8_t *p, size_t n)
{
	if (ss->n_out == VPN_OUT_MAX || !n)
		return; /* the reliability layer sends it again */
	memcpy(ss->out[ss->n_out], p, n);
	ss->out_len[ss->n_out++] = n;
}

static void send_ctl(struct vpn_session *ss, uint8_t op, uint32_t msgid, const uint8_t *payload,
		     size_t len, unsigned max_acks)
{
	uint8_t plain[1600], hdr[VPN_TC_HDR_LEN], pkt[1700];
	struct vpn_ctl c = { .op = op, .msgid = msgid, .payload = payload, .payload_len = len };
	size_t pl;

	c.n_acks = (uint8_t)vpn_rel_take_acks(&ss->rel, c.acks, max_acks);
	memcpy(c.peer_sid, ss->peer_sid, VPN_SID_LEN);
	pl = vpn_ctl_write(plain, sizeof(plain), &c);
	vpn_hdr_write(hdr, op, ss->kid, ss->sid, ++ss->rp_id, ss->rp_time);
	pl = ss->srv->ta ? vpn_ta_wrap(&ss->ta, hdr, plain, pl, pkt, sizeof(pkt))
			 : vpn_tc_wrap(&ss->tc, hdr, plain, pl, pkt, sizeof(pkt));
	if (pl && ss->srv->client &&
	    (op == VPN_P_CONTROL_HARD_RESET_CLIENT_V3 || op == VPN_P_CONTROL_WKC_V1)) {
		if (pl + ss->srv->wkc_len > sizeof(pkt))
			return;
		memcpy(pkt + pl, ss->srv->wkc, ss->srv->wkc_len); /* the WKc, in clear */
		pl += ss->srv->wkc_len;
	}
	queue(ss, pkt, pl);
}

static void flush(struct vpn_session *ss, uint64_t now_ms)
{
	struct vpn_rel_out *o;

	/* TLS bytes into reliable control packets, while the window has room */
	while (ss->tls_out_len) {
		size_t n = ss->tls_out_len < CHUNK ? ss->tls_out_len : CHUNK;
		/* a client asked to resend its WKc does so with message 1 */
		uint8_t op = ss->srv->client && ss->resend_wkc && ss->rel.next_msgid == 1
				     ? VPN_P_CONTROL_WKC_V1
				     : VPN_P_CONTROL_V1;

		if (op == VPN_P_CONTROL_WKC_V1 && n > CHUNK - ss->srv->wkc_len)
			n = CHUNK - ss->srv->wkc_len;
		if (vpn_rel_send(&ss->rel, op, ss->tls_out, n, now_ms) < 0)
			break;
		memmove(ss->tls_out, ss->tls_out + n, ss->tls_out_len - n);
		ss->tls_out_len -= n;
	}
	while ((o = vpn_rel_due(&ss->rel, now_ms)))
		send_ctl(ss, o->op, o->msgid, o->payload, o->len, VPN_REL_ACKS_ON_CONTROL);
	while (ss->rel.n_acks)
		send_ctl(ss, VPN_P_ACK_V1, 0, NULL, 0, VPN_ACKS_MAX);
}

/* ---- inside TLS ---- */

struct push_ctx {
	struct vpn_session *ss;
	int rc;
};

static void push_one(void *ctx, const char *msg, size_t len)
{
	struct push_ctx *pc = ctx;

	/* one message, one record */
	if (mbedtls_ssl_write(&pc->ss->tls, (const unsigned char *)msg, len) != (int)len)
		pc->rc = -1;
}

static void push(struct vpn_session *ss)
{
	char opts[sizeof(ss->srv->push) + sizeof(ss->push_extra) + 256];
	struct push_ctx pc = { ss, 0 };

	snprintf(opts, sizeof(opts), "%s%s%s%sping %u,ping-restart %u,peer-id %u,cipher %s,%s",
		 ss->push_extra, ss->push_extra[0] ? "," : "", ss->srv->push,
		 ss->srv->push[0] ? "," : "", ss->srv->ping_s, ss->srv->ping_restart_s, ss->peer_id,
		 vpn_cipher_name(ss->cipher),
		 ss->peer.proto & VPN_IV_CC_EXIT_NOTIFY ? "protocol-flags cc-exit tls-ekm"
							: "key-derivation tls-ekm");
	if (vpn_push_build(opts, push_one, &pc) < 0 || pc.rc < 0)
		fail(ss, "PUSH_REPLY could not be sent");
	else
		ss->state = VPN_S_ACTIVE, ss->pushed = true;
}

static void key_method_2(struct vpn_session *ss, const uint8_t *rec, size_t len)
{
	static struct vpn_km2 theirs, ours;
	uint8_t out[sizeof(struct vpn_km2)], ekm[256];
	struct vpn_server *s = (struct vpn_server *)ss->srv;
	char err[256];
	size_t n;

	if (vpn_km2_parse(rec, len, true, &theirs, err, sizeof(err)) < 0) {
		fail(ss, err);
		return;
	}
	if (vpn_peer_info_parse(theirs.peer_info, &ss->peer, err, sizeof(err)) < 0) {
		fail(ss, err);
		return;
	}
	if (!(ss->peer.proto & VPN_IV_TLS_KEY_EXPORT)) {
		fail(ss, "the client cannot derive keys with the TLS exporter (IV_PROTO "
			 "bit 3): refused");
		return;
	}
	memset(&ours, 0, sizeof(ours));
	mbedtls_ctr_drbg_random(&s->drbg, ours.random1, 32);
	mbedtls_ctr_drbg_random(&s->drbg, ours.random2, 32);
	vpn_options_string(ours.options, sizeof(ours.options), true, false);
	n = vpn_km2_write(&ours, out, sizeof(out));
	if (!n || mbedtls_ssl_write(&ss->tls, out, n) != (int)n) {
		fail(ss, "key-method 2 could not be sent");
		return;
	}
	ss->cipher = vpn_ncp_choose(s->ciphers, s->n_ciphers, &ss->peer);
	if (ss->cipher < 0) {
		static const char af[] = "AUTH_FAILED,no common data cipher";

		/* after our key-method 2: the client reads that first */
		mbedtls_ssl_write(&ss->tls, (const unsigned char *)af, sizeof(af));
		fail(ss, "no data cipher in common with the client");
		return;
	}
	/* RFC 5705, no context: PRF(master, label, client random || server random) */
	if (mbedtls_ssl_tls_prf(ss->prf, ss->ms, 48, "EXPORTER-OpenVPN-datakeys", ss->randoms, 64,
				ekm, sizeof(ekm)) != 0) {
		fail(ss, "the TLS exporter failed");
		return;
	}
	vpn_data_keys_from_ekm(ekm, (enum vpn_cipher)ss->cipher, true, &ss->keys);
	mbedtls_platform_zeroize(ekm, sizeof(ekm));
	mbedtls_platform_zeroize(ss->ms, sizeof(ss->ms));
	ss->km2_done = ss->keys_ready = true;
	ss->key_since_ms = ss->last_rx_ms; /* the key in use counts from now */
	if (ss->pushed)
		return; /* a renegotiation: the new key takes over, nothing pushed again */
	ss->state = VPN_S_KEYS;
	if (ss->peer.proto & VPN_IV_REQUEST_PUSH)
		push(ss);
}

/* ---- the client's side inside TLS ---- */

static void client_send_km2(struct vpn_session *ss)
{
	static struct vpn_km2 ours;
	struct vpn_server *s = (struct vpn_server *)ss->srv;
	uint8_t out[sizeof(struct vpn_km2)];
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&ss->tls);
	size_t n;

	/* remote-cert-tls server */
	if (!peer ||
	    mbedtls_x509_crt_check_extended_key_usage(peer, MBEDTLS_OID_SERVER_AUTH,
						      MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH))) {
		fail(ss, "the server's certificate has no serverAuth extended key usage");
		return;
	}
	memset(&ours, 0, sizeof(ours));
	ours.from_client = true;
	mbedtls_ctr_drbg_random(&s->drbg, ours.pre_master, 48);
	mbedtls_ctr_drbg_random(&s->drbg, ours.random1, 32);
	mbedtls_ctr_drbg_random(&s->drbg, ours.random2, 32);
	vpn_options_string(ours.options, sizeof(ours.options), false, false);
	vpn_peer_info_write(ours.peer_info, sizeof(ours.peer_info), s->ciphers, s->n_ciphers,
			    s->iv_proto);
	n = vpn_km2_write(&ours, out, sizeof(out));
	mbedtls_platform_zeroize(&ours, sizeof(ours));
	if (!n || mbedtls_ssl_write(&ss->tls, out, n) != (int)n) {
		fail(ss, "key-method 2 could not be sent");
		return;
	}
	ss->km2_sent = true;
}

static void client_km2(struct vpn_session *ss, const uint8_t *rec, size_t len)
{
	static struct vpn_km2 theirs;
	static const char req[] = "PUSH_REQUEST";
	char err[256];

	if (vpn_km2_parse(rec, len, false, &theirs, err, sizeof(err)) < 0) {
		fail(ss, err);
		return;
	}
	if (mbedtls_ssl_tls_prf(ss->prf, ss->ms, 48, "EXPORTER-OpenVPN-datakeys", ss->randoms, 64,
				ss->ekm, sizeof(ss->ekm)) != 0) {
		fail(ss, "the TLS exporter failed");
		return;
	}
	mbedtls_platform_zeroize(ss->ms, sizeof(ss->ms));
	ss->km2_done = true;
	if (ss->pushed) { /* a renegotiation: the cipher is known */
		vpn_data_keys_from_ekm(ss->ekm, (enum vpn_cipher)ss->cipher, false, &ss->keys);
		mbedtls_platform_zeroize(ss->ekm, sizeof(ss->ekm));
		ss->keys_ready = true;
		ss->key_since_ms = ss->last_rx_ms;
		return;
	}
	ss->state = VPN_S_KEYS;
	/* a 2.6 server pushes unasked (IV_PROTO bit 2); asking does no harm */
	if (mbedtls_ssl_write(&ss->tls, (const unsigned char *)req, sizeof(req)) != sizeof(req))
		fail(ss, "PUSH_REQUEST could not be sent");
}

static void client_push(struct vpn_session *ss, const uint8_t *rec, size_t len)
{
	char err[256];
	bool ours = false;
	int r;

	if (ss->state == VPN_S_ACTIVE)
		return; /* an answer to a PUSH_REQUEST sent before the push came */
	r = vpn_push_parse((const char *)rec, len, &ss->push_in, err, sizeof(err));
	if (r < 0) {
		fail(ss, err);
		return;
	}
	if (r == 0)
		return; /* more parts to come */
	if (!ss->push_in.tls_ekm) {
		fail(ss, "the server does not derive keys with the TLS exporter: refused");
		return;
	}
	for (unsigned i = 0; i < ss->srv->n_ciphers; i++)
		ours |= (int)ss->srv->ciphers[i] == ss->push_in.cipher;
	if (!ours) {
		fail(ss, "the server pushed a cipher not in data-ciphers");
		return;
	}
	ss->cipher = ss->push_in.cipher;
	ss->peer_id = ss->push_in.peer_id;
	if (ss->push_in.ping)
		ss->ping_s = ss->push_in.ping;
	if (ss->push_in.ping_restart)
		ss->ping_restart_s = ss->push_in.ping_restart;
	vpn_data_keys_from_ekm(ss->ekm, (enum vpn_cipher)ss->cipher, false, &ss->keys);
	mbedtls_platform_zeroize(ss->ekm, sizeof(ss->ekm));
	ss->pushed = ss->keys_ready = true;
	ss->key_since_ms = ss->last_rx_ms;
	ss->state = VPN_S_ACTIVE;
}

static void drive_tls(struct vpn_session *ss)
{
	uint8_t rec[16384];
	int r;

	if (ss->state != VPN_S_INIT && ss->state != VPN_S_FAILED &&
	    ss->tls.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
		r = mbedtls_ssl_handshake(&ss->tls);
		if (r != 0 && r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) {
			char e[128];

			uint32_t flags = mbedtls_ssl_get_verify_result(&ss->tls);
			char v[128] = "";

			mbedtls_strerror(r, e, sizeof(e));
			/* which check the peer's certificate failed: unknown CA, revoked... */
			if ((r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
			     r == MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE) &&
			    flags && flags != (uint32_t)-1) {
				mbedtls_x509_crt_verify_info(v, sizeof(v), " (", flags);
				for (char *nl; (nl = strchr(v, '\n'));)
					*nl = nl[1] ? ';' : ')';
			}
			snprintf(ss->why, sizeof(ss->why), "TLS: %s%s", e, v);
			ss->state = VPN_S_FAILED;
			return;
		}
		if (r != 0)
			return;
	}
	if (ss->srv->client && !ss->km2_sent && ss->state != VPN_S_FAILED)
		client_send_km2(ss);
	while (ss->state != VPN_S_FAILED &&
	       (r = mbedtls_ssl_read(&ss->tls, rec, sizeof(rec))) > 0) {
		enum vpn_cmd cmd = vpn_cmd_of((const char *)rec, (size_t)r);

		if (ss->srv->client) {
			if (!ss->km2_done)
				client_km2(ss, rec, (size_t)r);
			else if (cmd == VPN_CMD_PUSH_REPLY)
				client_push(ss, rec, (size_t)r);
			else if (cmd == VPN_CMD_AUTH_FAILED || cmd == VPN_CMD_HALT ||
				 cmd == VPN_CMD_RESTART)
				fail(ss,
				     "the server ended the session (AUTH_FAILED, HALT or RESTART)");
			continue;
		}
		if (!ss->km2_done)
			key_method_2(ss, rec, (size_t)r);
		else if (vpn_cmd_of((const char *)rec, (size_t)r) == VPN_CMD_PUSH_REQUEST)
			push(ss);
		else if (vpn_cmd_of((const char *)rec, (size_t)r) == VPN_CMD_EXIT)
			fail(ss, "the client left (EXIT)");
	}
}

/* A soft reset under key id kid (the next one): the keys in use go on for
 * the transition window, everything else starts again: reliability, a new
 * TLS session, key method 2, new data keys. */
static void renegotiate(struct vpn_session *ss, uint8_t kid, uint64_t now_ms)
{
	ss->soft_reset_sent = false;
	ss->key_since_ms = ss->key_bytes = ss->key_pkts = 0;
	ss->prev.valid = true;
	ss->prev.kid = ss->kid;
	ss->prev.keys = ss->keys;
	ss->prev.pid = ss->data_pid;
	ss->prev.replay = ss->data_replay;
	ss->prev.until_ms = now_ms + VPN_TRAN_WINDOW_MS;
	vpn_data_keys_wipe(&ss->keys);
	ss->kid = kid;
	vpn_rel_init(&ss->rel);
	mbedtls_ssl_session_reset(&ss->tls);
	ss->tls_in_len = ss->tls_out_len = 0;
	ss->km2_sent = ss->km2_done = ss->keys_ready = false;
	ss->data_pid = 0;
	memset(&ss->data_replay, 0, sizeof(ss->data_replay));
	ss->renegs++;
}

/* ---- packets in ---- */

int vpn_session_input(struct vpn_session *ss, const uint8_t *pkt, size_t len, uint64_t now_ms,
		      uint8_t *plain, size_t cap, size_t *plain_len)
{
	static uint8_t buf[2048];
	uint8_t op, kid, sid[VPN_SID_LEN], meta[VPN_WKC_MAX];
	uint32_t rp_id, rp_time, pid;
	struct vpn_key2 kc;
	struct vpn_ctl c;
	size_t ml;
	long pl, wl;

	if (!len || ss->state == VPN_S_FAILED)
		return -1;
	op = vpn_op_of(pkt[0]);
	if (op == VPN_P_DATA_V2) {
		if (ss->state != VPN_S_ACTIVE && ss->state != VPN_S_KEYS)
			return -1;
		struct vpn_data_keys *k = NULL;
		struct vpn_replay *rp = NULL;

		if (vpn_key_id_of(pkt[0]) == ss->kid && ss->keys_ready) {
			k = &ss->keys;
			rp = &ss->data_replay;
		} else if (ss->prev.valid && vpn_key_id_of(pkt[0]) == ss->prev.kid &&
			   now_ms < ss->prev.until_ms) {
			k = &ss->prev.keys; /* the old key, in its transition window */
			rp = &ss->prev.replay;
		}
		if (!k)
			return -1;
		pl = vpn_data_decrypt(&k->in, pkt, len, plain, cap, &pid);
		if (pl < 0 || !vpn_replay_check(rp, pid, 0))
			return -1;
		ss->last_rx_ms = now_ms;
		if (k == &ss->keys) {
			ss->key_bytes += (uint64_t)pl;
			ss->key_pkts++;
		}
		if (pl == sizeof(ping_magic) && memcmp(plain, ping_magic, sizeof(ping_magic)) == 0)
			return 0; /* keepalive */
		if (pl > (long)sizeof(occ_magic) &&
		    memcmp(plain, occ_magic, sizeof(occ_magic)) == 0) {
			if (plain[sizeof(occ_magic)] == 6)
				fail(ss, "the client left (EXIT)");
			return 0; /* OCC: never an IP packet */
		}
		*plain_len = (size_t)pl;
		return 1;
	}
	if (!vpn_op_is_control(op) ||
	    len < (ss->srv->ta ? 9 + 20 + 8 + 1 : VPN_TC_HDR_LEN + VPN_TC_TAG_LEN + 1))
		return -1;
	if (!ss->srv->client && ss->srv->ta && ss->state == VPN_S_INIT &&
	    op == VPN_P_CONTROL_HARD_RESET_CLIENT_V2) {
		vpn_ta_init(&ss->ta, &ss->srv->ta_key, ss->srv->ta_dir, ss->srv->ta_sha256);
	} else if (!ss->srv->client && ss->srv->tc1 && ss->state == VPN_S_INIT &&
		   op == VPN_P_CONTROL_HARD_RESET_CLIENT_V2) {
		vpn_tc_init(&ss->tc, &ss->srv->tc1_key, true); /* tls-crypt: one key for all */
	} else if (!ss->srv->client && !ss->srv->tc1 && !ss->srv->ta &&
		   (op == VPN_P_CONTROL_HARD_RESET_CLIENT_V3 || op == VPN_P_CONTROL_WKC_V1)) {
		wl = vpn_tc2_unwrap_wkc(ss->srv->tc2_key, pkt, len, &kc, meta, &ml);
		if (wl < 0) {
			/* a stale key (made from another server key) or an altered
			 * one: dropped unanswered, as OpenVPN does, and said why */
			ss->wkc_refused++;
			if (ss->state == VPN_S_INIT)
				snprintf(ss->why, sizeof(ss->why),
					 "tls-crypt-v2: the client's key does not unwrap with the "
					 "server key (made for another server key, or altered): "
					 "dropped");
			return -1;
		}
		if (ss->state == VPN_S_INIT) {
			ss->kc = kc;
			vpn_tc_init(&ss->tc, &kc, true);
		} else if (memcmp(&kc, &ss->kc, sizeof(kc)) != 0) {
			return -1; /* another client's key */
		}
		mbedtls_platform_zeroize(&kc, sizeof(kc));
		len -= (size_t)wl;
	} else if (ss->state == VPN_S_INIT) {
		return -1; /* nothing before a reset, and only the one the key calls for */
	}
	if (ss->srv->ta) { /* tls-auth: authenticated, not encrypted */
		uint8_t hdr[VPN_TC_HDR_LEN];
		const uint8_t *rest;

		pl = vpn_ta_unwrap(&ss->ta, pkt, len, hdr, &rest);
		if (pl < 0 || (size_t)pl > sizeof(buf))
			return -1;
		memcpy(buf, rest, (size_t)pl);
		vpn_hdr_read(hdr, &op, &kid, sid, &rp_id, &rp_time);
	} else {
		pl = vpn_tc_unwrap(&ss->tc, pkt, len, buf, sizeof(buf));
		if (pl < 0)
			return -1;
		vpn_hdr_read(pkt, &op, &kid, sid, &rp_id, &rp_time);
	}
	ss->last_rx_ms = now_ms;
	if (!vpn_replay_check(&ss->replay, rp_id, rp_time) ||
	    vpn_ctl_parse(buf, (size_t)pl, op, &c) < 0)
		return -1;
	if (kid != ss->kid) {
		/* the next key id (7 wraps to 1, never 0) starts a renegotiation;
		 * anything else under another key id is a straggler: dropped */
		if (op != VPN_P_CONTROL_SOFT_RESET_V1 || !ss->keys_ready ||
		    kid != (ss->kid == 7 ? 1 : ss->kid + 1) || c.msgid != 0)
			return -1;
		renegotiate(ss, kid, now_ms);
	}
	if (!ss->have_peer) {
		memcpy(ss->peer_sid, sid, VPN_SID_LEN);
		ss->have_peer = true;
	} else if (memcmp(sid, ss->peer_sid, VPN_SID_LEN) != 0) {
		return -1;
	}
	if (c.n_acks && memcmp(c.peer_sid, ss->sid, VPN_SID_LEN) != 0)
		return -1; /* "ACK read BAD SESSION-ID" */
	vpn_rel_acked(&ss->rel, c.acks, c.n_acks);
	if (op != VPN_P_ACK_V1 &&
	    vpn_rel_received(&ss->rel, c.msgid, op, c.payload, c.payload_len) >= 0) {
		const uint8_t *p;
		size_t n;

		while (vpn_rel_next_in(&ss->rel, &op, &p, &n)) {
			if (op == VPN_P_CONTROL_SOFT_RESET_V1) {
				/* the peer's soft reset: ours back (unless it answers
				 * ours), then TLS again */
				if (!ss->soft_reset_sent)
					vpn_rel_send(&ss->rel, VPN_P_CONTROL_SOFT_RESET_V1, NULL, 0,
						     now_ms);
				ss->soft_reset_sent = false;
				continue;
			}
			if (op == VPN_P_CONTROL_HARD_RESET_SERVER_V2 && ss->srv->client) {
				/* the server's reset: TLS may start; the WKc again? */
				ss->resend_wkc = vpn_reset_tlv_resend_wkc(p, n) == 1;
				continue;
			}
			if (op == VPN_P_CONTROL_HARD_RESET_CLIENT_V3 ||
			    op == VPN_P_CONTROL_HARD_RESET_CLIENT_V2) {
				static const uint8_t tlv[6] = { 0, 1, 0, 2, 0, 1 }; /* resend WKc */

				if (ss->state == VPN_S_INIT) {
					/* the WKc again only with tls-crypt-v2, and not over
					 * TCP (no HMAC cookie there): else an empty reset */
					bool ask = op == VPN_P_CONTROL_HARD_RESET_CLIENT_V3 &&
						   !ss->tcp;

					ss->state = VPN_S_TLS;
					vpn_rel_send(&ss->rel, VPN_P_CONTROL_HARD_RESET_SERVER_V2,
						     tlv, ask ? sizeof(tlv) : 0, now_ms);
				}
				continue;
			}
			if (n > sizeof(ss->tls_in) - ss->tls_in_len) {
				fail(ss, "TLS input overflow");
				return -1;
			}
			memcpy(ss->tls_in + ss->tls_in_len, p, n);
			ss->tls_in_len += n;
		}
	}
	drive_tls(ss);
	flush(ss, now_ms);
	return 0;
}

void vpn_session_tick(struct vpn_session *ss, uint64_t now_ms)
{
	if (ss->state == VPN_S_FAILED || ss->state == VPN_S_INIT)
		return;
	flush(ss, now_ms);
	if (ss->state != VPN_S_ACTIVE)
		return;
	if (!ss->last_rx_ms)
		ss->last_rx_ms = now_ms;
	if (ss->keys_ready && !ss->key_since_ms)
		ss->key_since_ms = now_ms; /* the key in use is counted from here */
	if (ss->keys_ready && ss->key_since_ms &&
	    ((ss->reneg_s && now_ms - ss->key_since_ms >= ss->reneg_s * 1000ULL) ||
	     (ss->reneg_bytes && ss->key_bytes >= ss->reneg_bytes) ||
	     ss->key_pkts >= (ss->reneg_pkts && ss->reneg_pkts < VPN_KEY_PKTS_MAX
					? ss->reneg_pkts
					: VPN_KEY_PKTS_MAX))) {
		vpn_session_renegotiate(ss, now_ms);
		return;
	}
	if (ss->ping_restart_s && now_ms - ss->last_rx_ms > ss->ping_restart_s * 1000ULL) {
		snprintf(ss->why, sizeof(ss->why), "nothing from the peer for %u s (ping-restart)",
			 ss->ping_restart_s);
		ss->state = VPN_S_FAILED;
		return;
	}
	if (ss->ping_s && now_ms - ss->last_tx_ms >= ss->ping_s * 1000ULL &&
	    vpn_session_send_data(ss, ping_magic, sizeof(ping_magic)) == 0)
		ss->last_tx_ms = now_ms; /* the keepalive ping */
}

void vpn_session_renegotiate(struct vpn_session *ss, uint64_t now_ms)
{
	if (ss->state != VPN_S_ACTIVE || !ss->keys_ready)
		return;
	renegotiate(ss, ss->kid == 7 ? 1 : ss->kid + 1, now_ms);
	ss->soft_reset_sent = true;
	vpn_rel_send(&ss->rel, VPN_P_CONTROL_SOFT_RESET_V1, NULL, 0, now_ms);
	flush(ss, now_ms);
}

int vpn_session_send_control(struct vpn_session *ss, const char *msg, uint64_t now_ms)
{
	size_t n = strlen(msg) + 1; /* with its NUL, as OpenVPN sends them */

	if (ss->state != VPN_S_ACTIVE || ss->tls.state != MBEDTLS_SSL_HANDSHAKE_OVER)
		return -1;
	if (mbedtls_ssl_write(&ss->tls, (const unsigned char *)msg, n) != (int)n)
		return -1;
	flush(ss, now_ms);
	return 0;
}

int vpn_session_send_data(struct vpn_session *ss, const uint8_t *ip, size_t len)
{
	uint8_t pkt[1700];
	size_t n;

	if (ss->state != VPN_S_ACTIVE)
		return -1;
	if (!ss->keys_ready) { /* renegotiating: the old key until the new one is ready */
		if (!ss->prev.valid)
			return -1;
		if (ss->prev.pid >= VPN_PID_LAST)
			return -1; /* never a packet id twice under one key */
		n = vpn_data_encrypt(&ss->prev.keys.out, ss->prev.kid, ss->peer_id, ++ss->prev.pid,
				     ip, len, pkt, sizeof(pkt));
		if (n)
			queue(ss, pkt, n);
		return n ? 0 : -1;
	}
	if (ss->data_pid >= VPN_PID_LAST)
		return -1; /* never a packet id twice under one key: renegotiation is due */
	n = vpn_data_encrypt(&ss->keys.out, ss->kid, ss->peer_id, ++ss->data_pid, ip, len, pkt,
			     sizeof(pkt));
	if (!n)
		return -1;
	ss->key_bytes += len;
	ss->key_pkts++;
	queue(ss, pkt, n);
	return 0;
}

size_t vpn_session_output(struct vpn_session *ss, uint8_t *buf, size_t cap)
{
	size_t n;

	if (!ss->n_out)
		return 0;
	n = ss->out_len[0] <= cap ? ss->out_len[0] : 0;
	memcpy(buf, ss->out[0], n);
	memmove(ss->out[0], ss->out[1], (ss->n_out - 1) * sizeof(ss->out[0]));
	memmove(ss->out_len, ss->out_len + 1, (ss->n_out - 1) * sizeof(ss->out_len[0]));
	ss->n_out--;
	return n;
}

void vpn_session_start(struct vpn_session *ss, uint64_t now_ms)
{
	ss->state = VPN_S_TLS;
	vpn_rel_send(&ss->rel, VPN_P_CONTROL_HARD_RESET_CLIENT_V3, NULL, 0, now_ms);
	flush(ss, now_ms);
}
