/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf.h - rampart.conf, the appliance's configuration file (libconfig syntax,
 * with comments and @include). Read whole and validated whole by
 * ctrl_conf_load: on any error nothing is returned but the first error, as
 * "file:line: message". rampart-dataplane reads the dataplane and port
 * sections at start; rampart-ctrl reads all of it and pushes the network
 * configuration (addresses, routes, static neighbours) to the dataplane.
 */
#ifndef RAMPART_CTRL_CONF_H
#define RAMPART_CTRL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/dataplane.h"

#define CTRL_CONF_DNS_MAX   4
#define CTRL_CONF_ZONES_MAX 64

/* An authoritative zone (dns { zones = ( ... ) }). */
#define CTRL_CONF_XFR_MAX    8
#define CTRL_CONF_GRANTS_MAX 4	/* update rights per zone */
#define CTRL_CONF_TYPES_MAX  16 /* types per right */
#define CTRL_CONF_KEYS_MAX   16 /* TSIG keys */

/* A right to update (dns.zones[].update): names, as space-separated text
 * ("_acme-challenge.example.org *.dyn.example.org": a leading "*." is
 * every name below), and types (none: every type). */
struct ctrl_conf_grant {
	unsigned key; /* index into ctrl_conf.keys */
	char names[512];
	unsigned n_types;
	uint16_t types[CTRL_CONF_TYPES_MAX];
};

struct ctrl_conf_zone {
	char name[256]; /* "example.org" */
	char file[512]; /* its zone file; relative paths from the config's folder */
	unsigned line;
	unsigned n_transfer; /* who may transfer it (AXFR, IXFR) */
	struct dp_addr transfer[CTRL_CONF_XFR_MAX];
	unsigned n_notify; /* who is sent NOTIFY on a change (default: transfer) */
	struct dp_addr notify[CTRL_CONF_XFR_MAX];
	unsigned n_primaries; /* a secondary zone: transferred in from these */
	struct dp_addr primaries[CTRL_CONF_XFR_MAX];
	unsigned n_grants;
	struct ctrl_conf_grant grants[CTRL_CONF_GRANTS_MAX];
};

/* A TSIG key (dns.keys): name, algorithm (hmac-sha256/384/512), secret
 * (base64). */
struct ctrl_conf_key {
	char name[256];
	char algorithm[16];
	char secret[256];
	unsigned line;
};
#define CTRL_CONF_PATH_MAX 108			       /* sun_path */
#define CTRL_DEFAULT_CONF  "/etc/rampart/rampart.conf" /* both programs' default */

enum ctrl_conf_hugepages {
	CTRL_CONF_HUGEPAGES_AUTO = 0, /* use them when reserved, else --no-huge */
	CTRL_CONF_HUGEPAGES_ON,
	CTRL_CONF_HUGEPAGES_OFF,
};

struct ctrl_conf_port {
	char name[DP_PORT_NAME_MAX];
	char devargs[128];
	unsigned n_addrs;
	struct dp_addr addrs[DP_PORT_ADDRS_MAX];
	unsigned mtu;
	int line;
};

/* caldav { } (docs/caldav.md): the CalDAV server in ctrl. Addresses are
 * "ADDR:PORT" or "[ADDR6]:PORT", checked here. */
struct ctrl_conf_caldav {
	bool enabled;
	char http[64]; /* plain HTTP; loopback only unless http_any */
	bool http_any;
	char https[64]; /* HTTPS through the TLS front, with cert and key */
	char cert[256], key[256];
	char data_dir[256]; /* default: state_dir/caldav */
	char admin_password_file[256];
	unsigned max_body_kb, max_object_kb, max_objects;
	char git_remote[256];
	unsigned line;
};

/* vpn { server = "FILE"; client = "FILE"; }: OpenVPN config files (docs/vpn.md). */
struct ctrl_conf_vpn {
	bool enabled;
	char server[256]; /* "": no server */
	char client[256]; /* an OpenVPN client config, "": no client */
	bool dataplane;	  /* the data channels (server's, client's) in the dataplane's workers */
	unsigned line;
};

/* Split "ADDR:PORT" / "[ADDR6]:PORT" into a sockaddr; -1 when it is not. */
struct sockaddr_storage;
int ctrl_conf_sockaddr(const char *s, struct sockaddr_storage *ss, unsigned *len);

struct ctrl_conf {
	/* dataplane { } */
	char lcores[64];     /* EAL -l list, e.g. "0-1" */
	unsigned main_lcore; /* runs the agent thread, not a worker */
	unsigned memory_mb;
	enum ctrl_conf_hugepages hugepages;
	char file_prefix[64];
	char dp_socket[CTRL_CONF_PATH_MAX];
	char punt_iface[DP_PORT_NAME_MAX]; /* exception-path TAP, "" disables */
	unsigned mbufs;			   /* per-socket mbuf pool size */
	unsigned rx_desc, tx_desc;
	unsigned neigh_max;
	unsigned icmp_rate_pps;
	unsigned flows_max;		     /* flow table entries (connection tracking) */
	unsigned nat_port_min, nat_port_max; /* the NAT's public ports */

	/* ctrl { } */
	char ctrl_socket[CTRL_CONF_PATH_MAX];
	unsigned resync_interval_ms;

	unsigned n_ports;
	struct ctrl_conf_port ports[DP_MAX_PORTS];

	/* firewall { }: without it, or with rules = "" and nothing pushed yet,
	 * the appliance routes without filtering */
	bool fw_enabled;    /* the section is there: rules may be pushed */
	char fw_rules[256]; /* the rule file; relative paths from this file's folder */
	unsigned n_zones;   /* authoritative DNS (docs/dns.md) */
	unsigned dns_rate_limit, dns_slip; /* responses/s per source prefix (0: off), slip */
	struct ctrl_conf_zone zones[CTRL_CONF_ZONES_MAX];
	unsigned n_keys;
	struct ctrl_conf_key keys[CTRL_CONF_KEYS_MAX];
	char state_dir[256]; /* where ctrl keeps pushed rule sets (history) */
	unsigned n_dns;
	struct dp_addr dns[CTRL_CONF_DNS_MAX]; /* "dns-servers"; also the resolver */

	struct ctrl_conf_caldav caldav;
	struct ctrl_conf_vpn vpn;

	unsigned n_routes;
	struct dp_route *routes; /* malloc'd */
	unsigned n_neigh;
	struct dp_neigh *neigh; /* malloc'd */

	char path[256];
};

/* Load and validate path into conf (zeroed first). Returns 0, or -EINVAL with
 * "file:line: message" in err (or -errno when the file cannot be read). On
 * error conf holds nothing to free. */
int ctrl_conf_load(const char *path, struct ctrl_conf *conf, char *err, size_t errlen);
void ctrl_conf_free(struct ctrl_conf *conf);

/* Build the DP_MSG_NETCFG payload for conf (malloc'd; caller frees). */
int ctrl_conf_netcfg(const struct ctrl_conf *conf, void **payload, size_t *len);
/* The same with n_extra more routes after conf's (the VPN client's). */
int ctrl_conf_netcfg_with(const struct ctrl_conf *conf, const struct dp_route *extra,
			  unsigned n_extra, void **payload, size_t *len);

/* Index of the port named name, or -1. */
int ctrl_conf_port_index(const struct ctrl_conf *conf, const char *name);

#endif /* RAMPART_CTRL_CONF_H */
