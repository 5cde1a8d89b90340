/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vpn.h - rampart-ctrl's OpenVPN-compatible server (vpn.c, docs/vpn.md): it
 * reads an OpenVPN server config file (vpn/conf), answers clients on a UDP
 * socket, runs one vpn/session per client, gives each an address of the
 * pool (IPv4 and IPv6) in its PUSH_REPLY, and carries the tunnel's packets
 * between the sessions and a TUN device: what the clients send goes to the
 * kernel's routing through the TUN, what the kernel routes to the pool goes
 * to the client that holds the address. Clients reach each other only with
 * client-to-client. A packet whose source is not its client's address is
 * dropped and counted.
 */
#ifndef RAMPART_CTRL_VPN_H
#define RAMPART_CTRL_VPN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "dataplane/dataplane.h"
#include "vpn/conf/conf.h"
#include "vpn/session.h"

struct ctrl_conf;

#define CTRL_VPN_CLIENTS_MAX 1024

/* The state last sent to the dataplane (its generation and hash), why it
 * was refused. */
struct ctrl_vpn_dpsync {
	uint64_t gen, hash;
	char error[256];
};

/* A peer's counts in the dataplane, as last read */
struct ctrl_vpn_dpcount {
	uint64_t rx_pkts, tx_pkts, rx_bytes, tx_bytes;
};

struct ctrl_vpn_client {
	struct vpn_session *ss; /* NULL: a free slot */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint32_t addr4;	   /* its tunnel address (host order), 0: none */
	uint8_t addr6[16]; /* its IPv6 tunnel address */
	bool has6, logged_up;
	time_t since;
	uint64_t rx_pkts, tx_pkts, rx_bytes, tx_bytes;
	/* with the data channel in the dataplane: this session's number (the
	 * epoch of its peer and keys there) and the dataplane's counters */
	uint64_t serial;
	struct ctrl_vpn_dpcount dpc;
	/* over TCP: the connection, what came in and not yet a whole packet,
	 * and what the socket did not take yet (CTRL_VPN_TCP_BUF each) */
	int conn_fd;
	uint8_t *in, *out;
	size_t in_len, out_len;
	bool out_waits; /* EPOLLOUT asked for */
};

#define CTRL_VPN_TCP_BUF (256u << 10)

struct ctrl_vpn {
	bool on;
	struct vpn_conf conf;
	struct vpn_server srv;
	bool srv_ready;
	bool tcp;    /* proto tcp-server: sock_fd listens, clients connect */
	int sock_fd; /* the UDP socket, or the TCP listening socket */
	int tun_fd;
	int epoll_fd; /* ctrl's, for the TCP connections */
	char tun[16];
	char files[300]; /* inline blocks of the config, written out for mbedTLS */
	struct ctrl_vpn_client *clients;
	unsigned max_clients;
	/* the data channel in the dataplane (vpn { dataplane = true; }): the
	 * state last sent (its generation and hash), why it was refused */
	bool dp;
	struct ctrl_vpn_dpsync dps;
	uint64_t serials;
	bool dp_crypto_pmd;
	/* counters */
	uint64_t dropped_not_dp; /* data packets that reached ctrl (fragmented, unknown) */
	uint64_t floats;	 /* clients that moved to another address (NAT rebinding) */
	uint64_t sessions, refused, dropped_spoofed, dropped_no_client, dropped_c2c, dropped_bad,
		dropped_tcp_full;
};

#define CTRL_VPN_CLI_ROUTES_MAX 80 /* the config's, the pushed ones, redirect-gateway's */

/* The client side (vpn_client.c): rampart connects to an OpenVPN server
 * and routes chosen networks (or everything) through the tunnel. Fail hard:
 * the TUN and its routes stay while the tunnel is down, and what the kernel
 * routes into it is dropped and counted, never sent in clear. */
struct ctrl_vpn_cli {
	bool on;
	struct vpn_conf conf;
	struct vpn_server ep;
	bool ep_ready;
	struct vpn_session *ss;
	int sock_fd, tun_fd; /* the UDP socket, or this session's TCP connection */
	int epoll_fd;	     /* ctrl's, for the TCP connections */
	bool tcp, connected; /* proto tcp-client; the connection is made */
	uint8_t *in, *out;   /* over TCP: a partial packet in, what waits to go out */
	size_t in_len, out_len;
	bool out_waits;
	char tun[16];
	char files[300];
	struct sockaddr_storage remote; /* of the attempt under way, or the last */
	socklen_t remote_len;
	unsigned remote_idx; /* the remote tried: the next after a failed attempt */
	bool resolving, have_remote;
	char resolve_error[160]; /* why the last name did not resolve */
	bool applied;		/* a push was put in force: addresses, routes */
	bool session_up;	/* this session's push is applied */
	struct dp_addr pinned;	/* the host route to the server (redirect-gateway) */
	bool redirected;	/* redirect-gateway in force */
	struct dp_addr pinned_dns[4]; /* and to the DNS servers, for remotes by name */
	unsigned n_pinned_dns;
	uint64_t next_try_ms;	/* the next connection attempt */
	unsigned backoff_s;	/* doubling up to 60 */
	uint64_t started_ms;	/* of the session under way */
	uint64_t connects, ups; /* attempts, sessions up */
	uint64_t rx_pkts, tx_pkts, dropped_down, dropped_bad;
	char last_down[256]; /* why the last session ended */
	struct ctrl *ctrl;   /* for the resolver's callback */
	/* the data channel in the dataplane (vpn { client; dataplane = true; }):
	 * the routes into the tunnel (port "vpn" in the network configuration),
	 * the tunnel addresses pushed, the socket's local end, the session's
	 * number (its peer's epoch there), the dataplane's counters of it */
	bool dp;
	struct dp_route routes[CTRL_VPN_CLI_ROUTES_MAX];
	unsigned n_routes;
	bool has4, has6;
	uint8_t tun4[4], tun6[16];
	struct sockaddr_storage local;
	uint16_t local_port; /* host order; 0: no socket yet */
	uint64_t serial;
	struct ctrl_vpn_dpcount dpc;
	struct ctrl_vpn_dpsync dps;
	bool dp_crypto_pmd;
	uint64_t dropped_not_dp; /* data packets that reached ctrl */
};

struct ctrl;
struct json_t;

/* shared by vpn.c and vpn_client.c */
uint64_t ctrl_vpn_now_ms(void);
void ctrl_vpn_peer_str(const struct sockaddr_storage *ss, char *buf, size_t len);
int ctrl_vpn_conf_file(const char *dir, const struct vpn_conf_file *f, const char *name, char *out,
		       size_t len, char *err, size_t errlen);
enum vpn_cipher ctrl_vpn_cipher_of(enum vpn_conf_cipher c);
/* Read and parse an OpenVPN config file. 0, or -1 with "file:line: why". */
int ctrl_vpn_read_conf(const char *path, struct vpn_conf *conf, char *err, size_t errlen);
/* Open the TUN dev ("tun": the kernel numbers it); its fd, its name. */
int ctrl_vpn_tun_open(const char *dev, char name[16], char *err, size_t errlen);
int ctrl_vpn_client_start(struct ctrl *c);
void ctrl_vpn_client_stop(struct ctrl *c);
unsigned ctrl_vpn_client_fds(struct ctrl *c, int fds[2]);
bool ctrl_vpn_client_event(struct ctrl *c, int fd, uint32_t events);
void ctrl_vpn_client_tick(struct ctrl *c);
struct json_t *ctrl_vpn_client_status(struct ctrl *c);

/* Read vpn.server (an OpenVPN config), open the socket and the TUN. 0 when
 * there is no vpn section; errors are logged (ctrl runs without). */
int ctrl_vpn_start(struct ctrl *c);
void ctrl_vpn_stop(struct ctrl *c);
/* The socket and the TUN, for ctrl's epoll; from then on TCP connections
 * are added to it as they come. */
unsigned ctrl_vpn_fds(struct ctrl *c, int fds[2]);
/* fd is the VPN's socket, TUN or a TCP connection: handle what is there. */
bool ctrl_vpn_event(struct ctrl *c, int fd, uint32_t events);
/* Timers of every session; ended sessions go, their addresses back. */
void ctrl_vpn_tick(struct ctrl *c);
/* With the data channel in the dataplane: send it the VPN's state when it
 * changed or the dataplane runs another generation (force: anyway). */
void ctrl_vpn_dp_sync(struct ctrl *c, bool force);
/* A session's keys as the dataplane takes them (the one in use, then the
 * one before it within its transition window; epochs from serial): how many. */
unsigned ctrl_vpn_dp_keys(const struct vpn_session *ss, uint64_t serial, uint64_t now_ms,
			  struct dp_vpn_key keys[2]);
/* The dataplane's per-peer counters (DP_MSG_GET_VPN_STATS) into m, to free
 * with dp_msg_free; *pmd: its AES-GCM is the PMD's. 0, or -1. */
int ctrl_vpn_dp_stats(struct ctrl *c, struct dp_msg *m, bool *pmd);
/* One peer's counts since *last: into ss's reneg-bytes/-pkts, and its
 * latest packet keeps the session alive against ping-restart. */
void ctrl_vpn_dp_account(struct vpn_session *ss, const struct dp_vpn_peer_stats *ps,
			 struct ctrl_vpn_dpcount *last, uint64_t now_ms);
/* Send one VPN state (wiped and freed) unless the dataplane runs it: the
 * same hash as st's and the generation its hello said (*hello_gen). */
void ctrl_vpn_dp_push(struct ctrl *c, void *p, size_t len, bool force, struct ctrl_vpn_dpsync *st,
		      uint64_t *hello_gen);
/* With the client's data channel in the dataplane: its routes for the
 * network configuration built from conf (into the tunnel on port "vpn",
 * and the way around it to the server and the DNS servers pinned), those
 * conf routes itself do not cover; how many went to out. */
unsigned ctrl_vpn_client_routes(const struct ctrl *c, const struct ctrl_conf *conf,
				struct dp_route *out, unsigned max);
/* vpn.status; NULL when cmd is not one of the VPN's. */
struct json_t *ctrl_vpn_api(struct ctrl *c, const char *cmd, struct json_t *req);

#endif /* RAMPART_CTRL_VPN_H */
