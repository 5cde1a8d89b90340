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

#include "vpn/conf/conf.h"
#include "vpn/session.h"

#define CTRL_VPN_CLIENTS_MAX 1024

struct ctrl_vpn_client {
	struct vpn_session *ss; /* NULL: a free slot */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint32_t addr4;	   /* its tunnel address (host order), 0: none */
	uint8_t addr6[16]; /* its IPv6 tunnel address */
	bool has6, logged_up;
	time_t since;
	uint64_t rx_pkts, tx_pkts, rx_bytes, tx_bytes;
};

struct ctrl_vpn {
	bool on;
	struct vpn_conf conf;
	struct vpn_server srv;
	bool srv_ready;
	int udp_fd, tun_fd;
	char tun[16];
	char files[300]; /* inline blocks of the config, written out for mbedTLS */
	struct ctrl_vpn_client *clients;
	unsigned max_clients;
	/* counters */
	uint64_t sessions, refused, dropped_spoofed, dropped_no_client, dropped_c2c, dropped_bad;
};

struct ctrl;
struct json_t;

/* Read vpn.server (an OpenVPN config), open the socket and the TUN. 0 when
 * there is no vpn section; errors are logged (ctrl runs without). */
int ctrl_vpn_start(struct ctrl *c);
void ctrl_vpn_stop(struct ctrl *c);
unsigned ctrl_vpn_fds(const struct ctrl *c, int fds[2]);
/* fd is the VPN's socket or TUN: handle what is there. */
bool ctrl_vpn_event(struct ctrl *c, int fd);
/* Timers of every session; ended sessions go, their addresses back. */
void ctrl_vpn_tick(struct ctrl *c);
/* vpn.status; NULL when cmd is not one of the VPN's. */
struct json_t *ctrl_vpn_api(struct ctrl *c, const char *cmd, struct json_t *req);

#endif /* RAMPART_CTRL_VPN_H */
