/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * reload.c - the configuration rampart-ctrl runs: loading it at start, and
 * replacing it on SIGHUP or the API's "reload". A new file is validated whole
 * and its network configuration built before anything changes; a file with an
 * error, or one the dataplane refuses, leaves the running configuration as it
 * was (pfctl -n, nftables transactions). The generation of a network
 * configuration is the FNV-1a hash of its payload, so equal configurations
 * have equal generations across restarts of either process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrl/ctrl.h"

uint64_t ctrl_fnv1a(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h ? h : 1; /* 0 means "none yet" to the dataplane */
}

/* conf's network configuration, with the VPN client's routes (its data
 * channel in the dataplane: into the tunnel, and around it to the server) */
static int netcfg_of(const struct ctrl *c, const struct ctrl_conf *conf, void **netcfg, size_t *len)
{
	struct dp_route extra[CTRL_VPN_CLI_ROUTES_MAX + 8];
	unsigned n =
		c ? ctrl_vpn_client_routes(c, conf, extra, sizeof(extra) / sizeof(extra[0])) : 0;

	return ctrl_conf_netcfg_with(conf, extra, n, netcfg, len);
}

static int load(const struct ctrl *c, const char *path, struct ctrl_conf *conf, void **netcfg,
		size_t *len, char *err, size_t errlen)
{
	int rc = ctrl_conf_load(path, conf, err, errlen);

	if (rc < 0)
		return rc;
	rc = netcfg_of(c, conf, netcfg, len);
	if (rc < 0) {
		snprintf(err, errlen, "%s: building the network configuration: %s", path,
			 strerror(-rc));
		ctrl_conf_free(conf);
	}
	return rc;
}

static int init(struct ctrl *c, const char *path, bool check_only, char *err, size_t errlen)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->check_only = check_only;
	c->conf_path = path;
	c->dp_fd = c->api_fd = c->epoll_fd = c->timer_fd = -1;
	c->dns.tcp_fd = c->dns.udp_fd = c->dns.notify_fd = -1;
	rc = load(NULL, path, &c->conf, &c->netcfg, &c->netcfg_len, err, errlen);
	if (rc < 0)
		return rc;
	c->generation = ctrl_fnv1a(c->netcfg, c->netcfg_len);
	c->started = time(NULL);
	c->watched_fds[0] = c->watched_fds[1] = -1;
	rc = ctrl_fw_init(c, err, errlen);
	if (rc == 0)
		rc = ctrl_dns_keys(c, err, errlen);
	if (rc == 0 && ctrl_dns_load(c, err, errlen) > 0 && check_only)
		rc = -EINVAL; /* --check: a broken zone file is an error */
	else if (rc == 0)
		err[0] = '\0';
	if (rc < 0) {
		ctrl_dns_fini(c);
		ctrl_fw_fini(c);
		ctrl_conf_free(&c->conf);
		free(c->netcfg);
		c->netcfg = NULL;
	}
	return rc;
}

int ctrl_init(struct ctrl *c, const char *path, char *err, size_t errlen)
{
	return init(c, path, false, err, errlen);
}

int ctrl_init_check(struct ctrl *c, const char *path, char *err, size_t errlen)
{
	return init(c, path, true, err, errlen);
}

void ctrl_fini(struct ctrl *c)
{
	ctrl_dp_disconnect(c);
	if (c->api_fd >= 0) {
		close(c->api_fd);
		unlink(c->conf.ctrl_socket);
	}
	if (c->timer_fd >= 0)
		close(c->timer_fd);
	if (c->epoll_fd >= 0)
		close(c->epoll_fd);
	c->api_fd = c->timer_fd = c->epoll_fd = -1;
	ctrl_dns_fini(c);
	ctrl_http_stop(c);
	ctrl_vpn_stop(c);
	ctrl_vpn_client_stop(c);
	ctrl_fw_fini(c);
	ctrl_conf_free(&c->conf);
	free(c->netcfg);
	c->netcfg = NULL;
}

/* Settings a running process cannot take over: it keeps its own. */
static void keep_startup_settings(struct ctrl_conf *conf, const struct ctrl_conf *old)
{
	if (strcmp(conf->dp_socket, old->dp_socket) != 0 ||
	    strcmp(conf->ctrl_socket, old->ctrl_socket) != 0 ||
	    strcmp(conf->punt_iface, old->punt_iface) != 0)
		ctrl_log("warning", "dataplane.socket, dataplane.punt and ctrl.socket changes "
				    "apply after a restart; keeping the running ones");
	memcpy(conf->dp_socket, old->dp_socket, sizeof(conf->dp_socket));
	memcpy(conf->ctrl_socket, old->ctrl_socket, sizeof(conf->ctrl_socket));
	memcpy(conf->punt_iface, old->punt_iface, sizeof(conf->punt_iface));
	if (memcmp(&conf->caldav, &old->caldav, sizeof(conf->caldav)) != 0)
		ctrl_log("warning", "caldav changes apply after a restart of rampart-ctrl; "
				    "keeping the running ones");
	conf->caldav = old->caldav;
	if (memcmp(&conf->vpn, &old->vpn, sizeof(conf->vpn)) != 0)
		ctrl_log("warning", "vpn changes apply after a restart of rampart-ctrl; "
				    "keeping the running ones");
	conf->vpn = old->vpn;
}

int ctrl_reload(struct ctrl *c, char *err, size_t errlen)
{
	struct ctrl_conf conf, old = c->conf;
	void *netcfg, *old_netcfg = c->netcfg;
	size_t len, old_len = c->netcfg_len;
	uint64_t old_gen = c->generation, old_refused = c->refused_generation;
	int rc;

	rc = load(c, c->conf_path, &conf, &netcfg, &len, err, errlen);
	if (rc < 0) {
		ctrl_log("error", "reload refused, running configuration kept: %s", err);
		return rc;
	}
	keep_startup_settings(&conf, &old);
	c->conf = conf;
	c->netcfg = netcfg;
	c->netcfg_len = len;
	c->generation = ctrl_fnv1a(netcfg, len);
	c->refused_generation = 0;
	rc = ctrl_dp_sync(c);
	if (rc < 0 && c->dp_connected) {
		/* The dataplane refused it and runs the old one: so do we, so that
		 * status tells the truth and a restarted dataplane gets that one. */
		snprintf(err, errlen, "%s", c->last_error);
		ctrl_log("error", "reload refused by the dataplane, running configuration kept");
		ctrl_conf_free(&c->conf);
		free(c->netcfg);
		c->conf = old;
		c->netcfg = old_netcfg;
		c->netcfg_len = old_len;
		c->generation = old_gen;
		c->refused_generation = old_refused;
		c->in_sync = c->hello.netcfg_generation == c->generation;
		return -EINVAL;
	}
	if (old.n_dns != c->conf.n_dns || memcmp(old.dns, c->conf.dns, sizeof(old.dns)) != 0) {
		/* dns-servers and the resolver follow the new servers */
		ctrl_fw_names_fini(c);
		ctrl_fw_names_want(c);
		ctrl_fw_recompile(c);
	}
	ctrl_conf_free(&old);
	free(old_netcfg);
	/* zone files are read again; a broken one keeps its zone in service */
	ctrl_dns_keys(c, NULL, 0);
	ctrl_dns_load(c, NULL, 0);
	ctrl_dns_sync(c);
	ctrl_loop_rearm(c);
	ctrl_punt_sync(c);
	ctrl_log("info", "configuration %s loaded, generation %016llx%s", c->conf_path,
		 (unsigned long long)c->generation,
		 c->dp_connected ? "" : " (dataplane not connected: pushed when it is)");
	return 0;
}

int ctrl_netcfg_update(struct ctrl *c)
{
	void *netcfg, *old = c->netcfg;
	size_t len, old_len = c->netcfg_len;
	uint64_t gen, old_gen = c->generation;
	int rc = netcfg_of(c, &c->conf, &netcfg, &len);

	if (rc < 0)
		return rc;
	gen = ctrl_fnv1a(netcfg, len);
	if (gen == c->generation) {
		free(netcfg);
		return 0;
	}
	c->netcfg = netcfg;
	c->netcfg_len = len;
	c->generation = gen;
	rc = ctrl_dp_sync(c);
	if (rc < 0 && c->dp_connected) {
		/* refused: the dataplane runs the one before, and so do we */
		free(netcfg);
		c->netcfg = old;
		c->netcfg_len = old_len;
		c->generation = old_gen;
		c->in_sync = c->hello.netcfg_generation == c->generation;
		return rc;
	}
	free(old);
	return 0;
}
