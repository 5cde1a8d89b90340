/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port.c - port setup: map each configured port (and the exception-path TAP)
 * to its ethdev, give every worker its own rx queue (RSS where the PMD has
 * it) and its own tx queue, start, and describe ports for the agent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dataplane/dp.h"

int dp_port_by_name(const char *name)
{
	for (unsigned i = 0; i < dp.n_ports; i++)
		if (strcmp(dp.ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int find_ethdev(const char *devargs, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(devargs, ",");

	if (n >= sizeof(name))
		return -ENAMETOOLONG;
	memcpy(name, devargs, n);
	name[n] = '\0';
	return rte_eth_dev_get_port_by_name(name, port_id);
}

static int port_start(struct dp_port *p, unsigned n_rxq, char *err, size_t errlen)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t rxd = (uint16_t)dp.conf.rx_desc, txd = (uint16_t)dp.conf.tx_desc;
	int rc;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc < 0)
		goto fail;
	if (n_rxq > info.max_rx_queues)
		n_rxq = info.max_rx_queues;
	if (dp.n_workers > info.max_tx_queues) {
		snprintf(err, errlen,
			 "port %s: %u workers need %u tx queues, the device has %u "
			 "(net_af_packet: set qpairs=%u in devargs)",
			 p->name, dp.n_workers, dp.n_workers, info.max_tx_queues, dp.n_workers);
		return -EINVAL;
	}
	p->n_rxq = (uint16_t)n_rxq;
	p->n_txq = (uint16_t)dp.n_workers;
	if (n_rxq > 1 && info.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &conf);
	if (rc < 0)
		goto fail;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd);
	if (rc < 0)
		goto fail;
	for (uint16_t q = 0; q < p->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, rxd, rte_eth_dev_socket_id(p->port_id),
					    NULL, dp.pool);
		if (rc < 0)
			goto fail;
	}
	for (uint16_t q = 0; q < p->n_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, txd, rte_eth_dev_socket_id(p->port_id),
					    NULL);
		if (rc < 0)
			goto fail;
	}
	if (p->mtu && rte_eth_dev_set_mtu(p->port_id, p->mtu) < 0) {
		uint16_t mtu = 0;

		/* some virtual PMDs cannot change it: run with what it has */
		rte_eth_dev_get_mtu(p->port_id, &mtu);
		if (mtu < p->mtu)
			p->mtu = mtu;
	}
	rc = rte_eth_dev_start(p->port_id);
	if (rc < 0)
		goto fail;
	rte_eth_promiscuous_enable(p->port_id);
	rte_eth_macaddr_get(p->port_id, &p->mac);
	return 0;
fail:
	snprintf(err, errlen, "port %s (%s): cannot start: %s", p->name, p->devargs,
		 rte_strerror(-rc));
	return rc;
}

int dp_ports_setup(char *err, size_t errlen)
{
	int rc;

	memset(dp.port_index, -1, sizeof(dp.port_index));
	dp.n_ports = 0;
	for (unsigned i = 0; i < dp.conf.n_ports; i++) {
		const struct ctrl_conf_port *cp = &dp.conf.ports[i];
		struct dp_port *p = &dp.ports[dp.n_ports];

		snprintf(p->name, sizeof(p->name), "%s", cp->name);
		snprintf(p->devargs, sizeof(p->devargs), "%s", cp->devargs);
		p->mtu = (uint16_t)cp->mtu;
		if (find_ethdev(cp->devargs, &p->port_id) < 0) {
			snprintf(err, errlen, "%s:%d: port %s: no device for devargs \"%s\"",
				 dp.conf.path, cp->line, cp->name, cp->devargs);
			return -ENODEV;
		}
		dp.port_index[p->port_id] = (int16_t)dp.n_ports++;
		rc = port_start(p, dp.n_workers, err, errlen);
		if (rc < 0)
			return rc;
	}
	dp.punt_port_id = -1;
	if (dp.conf.punt_iface[0]) {
		struct dp_port *p = &dp.ports[dp.n_ports];

		snprintf(p->name, sizeof(p->name), "%s", dp.conf.punt_iface);
		snprintf(p->devargs, sizeof(p->devargs), "net_tap_punt,iface=%s",
			 dp.conf.punt_iface);
		p->is_punt = true;
		if (find_ethdev(p->devargs, &p->port_id) < 0) {
			snprintf(err, errlen, "exception port %s: TAP device missing",
				 dp.conf.punt_iface);
			return -ENODEV;
		}
		dp.port_index[p->port_id] = (int16_t)dp.n_ports++;
		rc = port_start(p, 1, err, errlen); /* worker 0 reads the kernel's packets */
		if (rc < 0)
			return rc;
		dp.punt_port_id = p->port_id;
	}
	return 0;
}

void dp_ports_close(void)
{
	for (unsigned i = 0; i < dp.n_ports; i++) {
		rte_eth_dev_stop(dp.ports[i].port_id);
		rte_eth_dev_close(dp.ports[i].port_id);
	}
}

void dp_port_info(unsigned index, struct dp_port_info *info, const struct dp_runtime *rt)
{
	const struct dp_port *p = &dp.ports[index];
	struct rte_eth_stats st;
	struct rte_eth_link link;

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", p->name);
	snprintf(info->devargs, sizeof(info->devargs), "%s", p->devargs);
	info->port_id = p->port_id;
	info->mtu = p->mtu;
	memcpy(info->mac, p->mac.addr_bytes, 6);
	info->is_punt = p->is_punt;
	info->n_rxq = p->n_rxq;
	info->n_txq = p->n_txq;
	if (rte_eth_link_get_nowait(p->port_id, &link) == 0) {
		info->link_up = link.link_status == RTE_ETH_LINK_UP;
		info->speed_mbps = link.link_speed;
	}
	if (rt) {
		info->n_addrs = rt->addrs[p->port_id].n;
		memcpy(info->addrs, rt->addrs[p->port_id].a, sizeof(info->addrs));
	}
	if (rte_eth_stats_get(p->port_id, &st) == 0) {
		info->rx_pkts = st.ipackets;
		info->tx_pkts = st.opackets;
		info->rx_bytes = st.ibytes;
		info->tx_bytes = st.obytes;
		info->rx_missed = st.imissed;
		info->rx_errors = st.ierrors;
		info->tx_errors = st.oerrors;
		info->rx_nombuf = st.rx_nombuf;
	}
}
