/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpn.c - the VPN's data channel in the dataplane (docs/vpn.md): P_DATA_V2
 * of the peers ctrl told us about, decrypted and encrypted by the workers.
 * AES-GCM goes through the ipsec-mb PMD (crypto_aesni_gcm) with the
 * synchronous CPU-crypto API: one call per batch of packets under one key,
 * no queues, no mbuf ops; ChaCha20-Poly1305 (and AES-256-GCM without the
 * PMD) through libsodium, in place. The agent builds the peer table from
 * ctrl's message and publishes it by RCU; a key whose epoch is unchanged
 * keeps its state (packet ids, replay window), a retired key is wiped once
 * no worker can hold it.
 */
#define ALLOW_EXPERIMENTAL_API /* the CPU-crypto API, the session pool */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <sodium.h>

#include "dataplane/dp.h"
#include "vpn/data.h"

#define CRYPTO_VDEV "crypto_aesni_gcm_rampart"
#define SESS_MAX    (4 * DP_VPN_PEERS_MAX + 64)

void dp_vpn_init(void)
{
	struct rte_cryptodev_config cfg = { .socket_id = (int)rte_socket_id(),
					    .nb_queue_pairs = 1 };
	struct rte_cryptodev_qp_conf qp = { .nb_descriptors = 64 };
	struct rte_cryptodev_info info;
	int id;

	dp.crypto_dev = -1;
	/* the tunnel is the firewall's port "vpn", after the configured ones */
	if (dp.conf.vpn.dataplane && dp.conf.n_ports < DP_MAX_PORTS)
		dp.port_index[DP_VPN_PORT] = (int16_t)dp.conf.n_ports;
	dp.vpn_cnt = rte_zmalloc("dp_vpn_cnt",
				 sizeof(struct dp_vpn_pcnt) * DP_VPN_CNT_SLOTS * dp.n_workers,
				 RTE_CACHE_LINE_SIZE);
	if (sodium_init() < 0)
		RTE_LOG(WARNING, USER1, "vpn: libsodium did not initialise\n");
	if (rte_vdev_init(CRYPTO_VDEV, NULL) < 0 ||
	    (id = rte_cryptodev_get_dev_id(CRYPTO_VDEV)) < 0) {
		RTE_LOG(WARNING, USER1,
			"vpn: no ipsec-mb AES-GCM PMD (crypto_aesni_gcm): the VPN's AES-256-GCM "
			"goes through libsodium, AES-128-GCM is not offered\n");
		return;
	}
	rte_cryptodev_info_get((uint8_t)id, &info);
	if (!(info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO)) {
		RTE_LOG(WARNING, USER1, "vpn: %s has no CPU-crypto API\n", CRYPTO_VDEV);
		return;
	}
	dp.crypto_sess_pool = rte_cryptodev_sym_session_pool_create(
		"dp_vpn_sess", SESS_MAX, rte_cryptodev_sym_get_private_session_size((uint8_t)id), 0,
		0, SOCKET_ID_ANY);
	qp.mp_session = dp.crypto_sess_pool;
	if (!dp.crypto_sess_pool || rte_cryptodev_configure((uint8_t)id, &cfg) < 0 ||
	    rte_cryptodev_queue_pair_setup((uint8_t)id, 0, &qp, cfg.socket_id) < 0 ||
	    rte_cryptodev_start((uint8_t)id) < 0) {
		RTE_LOG(WARNING, USER1, "vpn: %s did not start: libsodium instead\n", CRYPTO_VDEV);
		return;
	}
	dp.crypto_dev = id;
	RTE_LOG(INFO, USER1, "vpn: AES-GCM through %s (ipsec-mb, CPU crypto)\n", CRYPTO_VDEV);
}

/* ---- the state, built by the agent ---- */

static void *sess_make(const uint8_t *key, uint16_t klen, bool enc)
{
	struct rte_crypto_sym_xform x = {
		.type = RTE_CRYPTO_SYM_XFORM_AEAD,
		.aead = {
			.op = enc ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT,
			.algo = RTE_CRYPTO_AEAD_AES_GCM,
			.key = { .data = key, .length = klen },
			.iv = { .offset = 0, .length = 12 },
			.digest_length = 16,
			.aad_length = 8,
		},
	};

	return rte_cryptodev_sym_session_create((uint8_t)dp.crypto_dev, &x, dp.crypto_sess_pool);
}

static void key_free(struct dp_vpn_key_state *k)
{
	if (!k)
		return;
	if (k->enc_sess)
		rte_cryptodev_sym_session_free((uint8_t)dp.crypto_dev, k->enc_sess);
	if (k->dec_sess)
		rte_cryptodev_sym_session_free((uint8_t)dp.crypto_dev, k->dec_sess);
	sodium_memzero(k, sizeof(*k));
	rte_free(k);
}

static struct dp_vpn_key_state *key_new(const struct dp_vpn_key *in, int *rc, char *err,
					size_t errlen)
{
	struct dp_vpn_key_state *k = rte_zmalloc("dp_vpn_key", sizeof(*k), RTE_CACHE_LINE_SIZE);
	uint16_t klen = in->cipher == VPN_AES_128_GCM ? 16 : 32;

	*rc = -ENOMEM;
	if (!k) {
		snprintf(err, errlen, "out of memory for a VPN key");
		return NULL;
	}
	k->epoch = in->epoch;
	k->key_id = in->key_id;
	k->cipher = in->cipher;
	memcpy(k->enc_key, in->enc_key, 32);
	memcpy(k->enc_iv, in->enc_iv, 8);
	memcpy(k->dec_key, in->dec_key, 32);
	memcpy(k->dec_iv, in->dec_iv, 8);
	if (in->cipher != VPN_CHACHA20_POLY1305 && dp.crypto_dev >= 0) {
		k->enc_sess = sess_make(k->enc_key, klen, true);
		k->dec_sess = sess_make(k->dec_key, klen, false);
		if (!k->enc_sess || !k->dec_sess) {
			snprintf(err, errlen, "the crypto PMD refused a session (%u in use?)",
				 SESS_MAX);
			key_free(k);
			return NULL;
		}
	} else if (in->cipher == VPN_AES_128_GCM ||
		   (in->cipher == VPN_AES_256_GCM && !crypto_aead_aes256gcm_is_available())) {
		snprintf(err, errlen, "%s",
			 in->cipher == VPN_AES_128_GCM
				 ? "AES-128-GCM needs the ipsec-mb PMD (crypto_aesni_gcm), which "
				   "did not start here"
				 : "AES-256-GCM needs the ipsec-mb PMD or AES-NI with PCLMULQDQ, "
				   "neither is here");
		*rc = -EOPNOTSUPP;
		key_free(k);
		return NULL;
	}
	return k;
}

/* The state of a key the running table has for this peer slot, or NULL. */
static struct dp_vpn_key_state *key_kept(const struct dp_vpn *old, uint32_t peer_id,
					 const struct dp_vpn_key *in)
{
	const struct dp_vpn_peer_rt *p =
		old && peer_id < DP_VPN_PEERS_MAX ? old->peer[peer_id] : NULL;

	for (unsigned i = 0; p && i < 8; i++)
		if (p->key[i] && p->key[i]->epoch == in->epoch && p->key[i]->cipher == in->cipher &&
		    p->key[i]->key_id == in->key_id)
			return p->key[i];
	return NULL;
}

/* Free the keys of v that the build marked (or did not): those it made when
 * it fails, those no longer used once the next one is in service. */
static void keys_free(struct dp_vpn *v, uint64_t mark, bool marked)
{
	for (unsigned i = 0; v && i < v->n_peers; i++)
		for (unsigned k = 0; k < 8; k++) {
			struct dp_vpn_key_state *ks = v->peers[i].key[k];

			if (ks && (ks->mark == mark) == marked) {
				key_free(ks);
				v->peers[i].key[k] = NULL;
			}
		}
}

static void copy_addr(uint8_t out[16], const struct dp_addr *a)
{
	memcpy(out, a->addr, a->family == 4 ? 4 : 16);
}

/* The server's state, or the VPN client's tunnel */
static _Atomic(struct dp_vpn *) *slot(uint32_t flags)
{
	return flags & DP_VPN_F_CLIENT ? &dp.vpn_cli : &dp.vpn;
}

int dp_vpn_build(const void *payload, size_t len, uint64_t generation, struct dp_vpn **out,
		 char *err, size_t errlen)
{
	static uint64_t marks;
	const struct dp_vpn_hdr *h = payload;
	const struct dp_vpn_peer *in = (const void *)(h + 1);
	struct dp_vpn *old, *v;
	uint64_t mark = ++marks, fresh = ++marks;
	int rc = dp_vpn_validate(payload, len, err, errlen);
	bool client;

	if (rc < 0)
		return rc;
	client = h->flags & DP_VPN_F_CLIENT;
	old = atomic_load(slot(h->flags)); /* the agent is its only writer */
	if (!dp.vpn_cnt) {
		snprintf(err, errlen, "no memory for the VPN's counters");
		return -ENOMEM;
	}
	v = rte_zmalloc("dp_vpn", sizeof(*v) + h->n_peers * sizeof(v->peers[0]),
			RTE_CACHE_LINE_SIZE);
	if (!v) {
		snprintf(err, errlen, "out of memory for the VPN's peers");
		return -ENOMEM;
	}
	v->generation = generation;
	v->mark = mark;
	v->port = h->port;
	/* what fits a port once encapsulated (outer IPv6, UDP, P_DATA_V2):
	 * larger inner packets are answered with "too big", never fragmented */
	v->tun_mtu = h->tun_mtu;
	for (unsigned i = 0; i < dp.n_ports; i++)
		if (!dp.ports[i].is_punt &&
		    dp.ports[i].mtu - 40 - 8 - VPN_DATA_OVERHEAD < v->tun_mtu)
			v->tun_mtu = (uint16_t)(dp.ports[i].mtu - 40 - 8 - VPN_DATA_OVERHEAD);
	v->flags = h->flags;
	v->max_peers = h->max_peers;
	v->ping_s = h->ping_s;
	if (h->pool4.family == 4) {
		uint32_t net;

		v->has_pool4 = true;
		v->pool4_start = h->pool4_start;
		v->pool4_mask = h->pool4.prefixlen ? ~0u << (32 - h->pool4.prefixlen) : 0;
		memcpy(&net, h->pool4.addr, 4);
		v->pool4_net = rte_be_to_cpu_32(net) & v->pool4_mask;
	}
	if (h->pool6.family == 6) {
		v->has_pool6 = true;
		memcpy(v->pool6, h->pool6.addr, 16);
		memcpy(v->pool6_first, h->pool6_first, 16);
		v->pool6_len = h->pool6.prefixlen;
	}
	if ((v->has_local4 = h->local4.family == 4))
		memcpy(&v->local4, h->local4.addr, 4);
	if ((v->has_local6 = h->local6.family == 6))
		memcpy(v->local6, h->local6.addr, 16);
	v->n_peers = h->n_peers;
	for (uint32_t i = 0; i < h->n_peers; i++) {
		struct dp_vpn_peer_rt *p = &v->peers[i];

		p->peer_id = in[i].peer_id;
		p->cnt = client ? DP_VPN_PEERS_MAX : in[i].peer_id;
		p->is_server = client;
		p->tun_mtu = v->tun_mtu;
		p->epoch = in[i].epoch;
		p->family = in[i].remote.family;
		copy_addr(p->remote, &in[i].remote);
		p->remote_port = rte_cpu_to_be_16(in[i].remote_port);
		if ((p->has_local = in[i].local.family != 0))
			copy_addr(p->local, &in[i].local);
		p->local_port = rte_cpu_to_be_16(h->port);
		p->has4 = in[i].has4;
		p->has6 = in[i].has6;
		memcpy(&p->tun4, in[i].tun4, 4);
		memcpy(p->tun6, in[i].tun6, 16);
		for (unsigned k = 0; k < in[i].n_keys; k++) {
			struct dp_vpn_key_state *ks = key_kept(old, p->peer_id, &in[i].keys[k]);

			/* key_kept looks in this peer id's slot only, and a peer's
			 * keys have distinct ids: no state is taken twice */
			if (!ks) {
				ks = key_new(&in[i].keys[k], &rc, err, errlen);
				if (!ks) {
					keys_free(v, fresh, true);
					rte_free(v);
					return rc;
				}
				ks->mark = fresh;
			}
			p->key[ks->key_id] = ks;
			if (k == in[i].tx_key)
				p->tx = ks;
		}
		v->peer[p->peer_id] = p;
	}
	/* everything this table uses is marked with its own mark */
	for (uint32_t i = 0; i < v->n_peers; i++)
		for (unsigned k = 0; k < 8; k++)
			if (v->peers[i].key[k])
				v->peers[i].key[k]->mark = mark;
	/* a slot that changes hands counts from zero */
	for (uint32_t i = 0; i < v->n_peers; i++) {
		const struct dp_vpn_peer_rt *p = &v->peers[i];
		const struct dp_vpn_peer_rt *was = old ? old->peer[p->peer_id] : NULL;

		if (was && was->epoch == p->epoch)
			continue;
		for (unsigned w = 0; w < dp.n_workers; w++) {
			struct dp_vpn_pcnt *c = &dp.vpn_cnt[w * DP_VPN_CNT_SLOTS + p->cnt];

			memset(c, 0, sizeof(*c));
			c->epoch = p->epoch;
		}
	}
	*out = v;
	return 0;
}

void dp_vpn_publish(struct dp_vpn *v)
{
	struct dp_vpn *old =
		atomic_exchange_explicit(slot(v ? v->flags : 0), v, memory_order_acq_rel);

	rte_rcu_qsbr_synchronize(dp.rcu, RTE_QSBR_THRID_INVALID);
	if (old) {
		keys_free(old, v ? v->mark : 0, false);
		rte_free(old);
	}
}

void dp_vpn_fini(void)
{
	/* the workers are gone: every key freed and wiped now */
	for (int client = 0; client < 2; client++) {
		struct dp_vpn *old = atomic_exchange_explicit(slot(client ? DP_VPN_F_CLIENT : 0),
							      NULL, memory_order_acq_rel);

		if (old) {
			keys_free(old, 0, false);
			rte_free(old);
		}
	}
}

int dp_vpn_stats(void **payload, size_t *len)
{
	const struct dp_vpn *v = atomic_load(&dp.vpn), *cli = atomic_load(&dp.vpn_cli);
	unsigned n = v ? v->n_peers : 0, nc = cli ? cli->n_peers : 0;
	struct dp_vpn_stats *h;
	struct dp_vpn_peer_stats *ps;
	uint64_t now = rte_rdtsc();

	*len = sizeof(*h) + (n + nc) * sizeof(*ps);
	h = calloc(1, *len);
	if (!h)
		return -ENOMEM;
	h->generation = v ? v->generation : 0;
	h->n_peers = n + nc;
	h->crypto = dp.crypto_dev >= 0;
	ps = (struct dp_vpn_peer_stats *)(h + 1);
	for (unsigned i = 0; i < n + nc; i++) {
		/* the server's peers, then the client's server */
		const struct dp_vpn_peer_rt *p = i < n ? &v->peers[i] : &cli->peers[i - n];
		uint64_t last = 0, best = 0;

		ps[i].peer_id = p->is_server ? DP_VPN_CLIENT_PEER : p->peer_id;
		ps[i].epoch = p->epoch;
		for (unsigned w = 0; w < dp.n_workers; w++) {
			const struct dp_vpn_pcnt *c = &dp.vpn_cnt[w * DP_VPN_CNT_SLOTS + p->cnt];

			if (c->epoch != p->epoch)
				continue;
			ps[i].rx_pkts += c->rx_pkts;
			ps[i].rx_bytes += c->rx_bytes;
			ps[i].tx_pkts += c->tx_pkts;
			ps[i].tx_bytes += c->tx_bytes;
			if (c->last_rx > last)
				last = c->last_rx;
		}
		ps[i].rx_idle_ms = last ? (now - last) * 1000 / dp.tsc_hz : UINT64_MAX;
		/* the latest address it floated to, if not the one it has */
		for (unsigned w = 0; w < dp.n_workers; w++) {
			const struct dp_vpn_pcnt *c = &dp.vpn_cnt[w * DP_VPN_CNT_SLOTS + p->cnt];
			unsigned alen = p->family == 4 ? 4 : 16;

			if (c->epoch != p->epoch || c->float_tsc <= best ||
			    (c->float_port == p->remote_port &&
			     memcmp(c->float_addr, p->remote, alen) == 0))
				continue;
			best = c->float_tsc;
			ps[i].floated = 1;
			ps[i].float_port = rte_be_to_cpu_16(c->float_port);
			memcpy(ps[i].float_addr, c->float_addr, alen);
		}
	}
	*payload = h;
	return 0;
}

/* ---- the workers' batches ---- */

static inline uint8_t *op_data(const struct dp_vpn_op *o)
{
	return rte_pktmbuf_mtod(o->m, uint8_t *) + o->off;
}

static inline void nonce_of(uint8_t nonce[12], const uint8_t *pkt, const uint8_t iv[8])
{
	memcpy(nonce, pkt + 4, 4); /* the packet id, then the implicit IV */
	memcpy(nonce + 4, iv, 8);
}

/* n packets under one key through the PMD: in place, tag at +8, data at +24 */
static void pmd_batch(struct dp_vpn_op *ops, unsigned n, bool enc)
{
	const struct dp_vpn_key_state *k = ops[0].k;
	struct rte_crypto_vec vec[DP_BURST];
	struct rte_crypto_sgl sgl[DP_BURST];
	struct rte_crypto_va_iova_ptr iv[DP_BURST], dig[DP_BURST], aad[DP_BURST];
	uint8_t nonce[DP_BURST][12];
	int32_t st[DP_BURST];
	struct rte_crypto_sym_vec sv = {
		.num = n, .src_sgl = sgl, .iv = iv, .digest = dig, .aad = aad, .status = st
	};
	union rte_crypto_sym_ofs ofs = { .raw = 0 };

	for (unsigned i = 0; i < n; i++) {
		uint8_t *d = op_data(&ops[i]);

		nonce_of(nonce[i], d, enc ? k->enc_iv : k->dec_iv);
		vec[i] = (struct rte_crypto_vec){ .base = d + VPN_DATA_OVERHEAD,
						  .len = (uint32_t)ops[i].len - VPN_DATA_OVERHEAD };
		sgl[i] = (struct rte_crypto_sgl){ .vec = &vec[i], .num = 1 };
		iv[i].va = nonce[i];
		aad[i].va = d;
		dig[i].va = d + 8;
		st[i] = 0;
	}
	rte_cryptodev_sym_cpu_crypto_process((uint8_t)dp.crypto_dev,
					     enc ? k->enc_sess : k->dec_sess, ofs, &sv);
	for (unsigned i = 0; i < n; i++)
		ops[i].status = st[i] ? DP_CNT_drop_vpn_auth : 0;
}

static void sodium_one(struct dp_vpn_op *o, bool enc)
{
	const struct dp_vpn_key_state *k = o->k;
	uint8_t *d = op_data(o), nonce[12], *data = d + VPN_DATA_OVERHEAD;
	unsigned long long n = o->len - VPN_DATA_OVERHEAD;
	int rc;

	nonce_of(nonce, d, enc ? k->enc_iv : k->dec_iv);
	if (k->cipher == VPN_CHACHA20_POLY1305)
		rc = enc ? crypto_aead_chacha20poly1305_ietf_encrypt_detached(
				   data, d + 8, NULL, data, n, d, 8, NULL, nonce, k->enc_key)
			 : crypto_aead_chacha20poly1305_ietf_decrypt_detached(
				   data, NULL, data, n, d + 8, d, 8, nonce, k->dec_key);
	else
		rc = enc ? crypto_aead_aes256gcm_encrypt_detached(data, d + 8, NULL, data, n, d, 8,
								  NULL, nonce, k->enc_key)
			 : crypto_aead_aes256gcm_decrypt_detached(data, NULL, data, n, d + 8, d, 8,
								  nonce, k->dec_key);
	o->status = rc ? DP_CNT_drop_vpn_auth : 0;
}

/* Encryption: ops already failed (status set) are left out. */
static void run(struct dp_vpn_op *ops, unsigned n, bool enc)
{
	for (unsigned i = 0; i < n;) {
		unsigned j = i + 1;

		if (enc && ops[i].status) {
			i++;
			continue;
		}
		while (j < n && ops[j].k == ops[i].k && !(enc && ops[j].status))
			j++;
		if (enc ? ops[i].k->enc_sess : ops[i].k->dec_sess)
			pmd_batch(ops + i, j - i, enc);
		else
			for (unsigned x = i; x < j; x++)
				sodium_one(&ops[x], enc);
		i = j;
	}
}

void dp_vpn_decrypt(struct dp_vpn_op *ops, unsigned n)
{
	run(ops, n, false);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *d = op_data(&ops[i]);
		uint32_t pid =
			(uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7];

		/* only authentic packets move the window */
		if (!ops[i].status && !vpn_replay_check(&ops[i].k->replay, pid, 0))
			ops[i].status = DP_CNT_drop_vpn_replay;
	}
}

void dp_vpn_encrypt(struct dp_vpn_op *ops, unsigned n)
{
	for (unsigned i = 0; i < n;) {
		struct dp_vpn_key_state *k = ops[i].k;
		unsigned j = i + 1;
		uint64_t pid;

		while (j < n && ops[j].k == k)
			j++;
		/* the run's packet ids in one atomic add (workers share a key) */
		pid = atomic_fetch_add_explicit(&k->tx_pid, j - i, memory_order_relaxed);
		for (; i < j; i++) {
			uint8_t *d = op_data(&ops[i]);
			uint32_t id = ops[i].p->peer_id;

			/* the key's packet ids are spent: nothing more under it
			 * (ctrl renegotiates long before, at VPN_KEY_PKTS_MAX) */
			ops[i].status = ++pid > VPN_PID_LAST ? DP_CNT_drop_vpn_key : 0;

			d[0] = (uint8_t)(9 << 3 | k->key_id); /* P_DATA_V2 */
			d[1] = (uint8_t)(id >> 16);
			d[2] = (uint8_t)(id >> 8);
			d[3] = (uint8_t)id;
			d[4] = (uint8_t)(pid >> 24);
			d[5] = (uint8_t)(pid >> 16);
			d[6] = (uint8_t)(pid >> 8);
			d[7] = (uint8_t)pid;
		}
	}
	run(ops, n, true);
}
