/* dvmc native shim over DPDK 22.11: see dvmc_shim.h for the conventions. */
#include "dvmc_shim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define DVMC_EXPORT __attribute__((visibility("default")))

/* EAL keeps pointers into argv (program name, some option values): give it a copy that lives forever. */
DVMC_EXPORT int dvmc_eal_init(int argc, char **argv)
{
    if (argc < 1 || argv == NULL)
        return -EINVAL;
    char **copy = calloc((size_t)argc + 1, sizeof(char *));
    if (copy == NULL)
        return -ENOMEM;
    for (int i = 0; i < argc; i++) {
        copy[i] = strdup(argv[i] != NULL ? argv[i] : "");
        if (copy[i] == NULL)
            return -ENOMEM;
    }
    int ret = rte_eal_init(argc, copy);
    if (ret < 0)
        return rte_errno > 0 ? -rte_errno : -EINVAL;
    return ret;
}

DVMC_EXPORT int dvmc_eal_cleanup(void)
{
    return rte_eal_cleanup();
}

DVMC_EXPORT const char *dvmc_strerror(int errnum)
{
    return rte_strerror(errnum < 0 ? -errnum : errnum);
}

DVMC_EXPORT int dvmc_errno(void)
{
    return rte_errno;
}

DVMC_EXPORT int dvmc_thread_register(void)
{
    if (rte_lcore_id() != LCORE_ID_ANY)
        return (int)rte_lcore_id();
    if (rte_thread_register() != 0)
        return rte_errno > 0 ? -rte_errno : -EINVAL;
    return (int)rte_lcore_id();
}

DVMC_EXPORT void dvmc_thread_unregister(void)
{
    rte_thread_unregister();
}

DVMC_EXPORT void *dvmc_mempool_create(const char *name, uint32_t n, uint32_t cache, uint16_t data_room, int socket)
{
    return rte_pktmbuf_pool_create(name, n, cache, 0, data_room, socket);
}

DVMC_EXPORT void dvmc_mempool_free(void *pool)
{
    rte_mempool_free(pool);
}

DVMC_EXPORT uint32_t dvmc_mempool_avail(void *pool)
{
    return rte_mempool_avail_count(pool);
}

DVMC_EXPORT uint32_t dvmc_mempool_in_use(void *pool)
{
    return rte_mempool_in_use_count(pool);
}

DVMC_EXPORT uint16_t dvmc_port_count(void)
{
    return rte_eth_dev_count_avail();
}

DVMC_EXPORT int dvmc_port_by_name(const char *name, uint16_t *port_id)
{
    return rte_eth_dev_get_port_by_name(name, port_id);
}

DVMC_EXPORT int dvmc_port_name(uint16_t port, char *buf, size_t len)
{
    char name[RTE_ETH_NAME_MAX_LEN];
    int ret = rte_eth_dev_get_name_by_port(port, name);
    if (ret < 0)
        return ret;
    size_t n = strlen(name);
    if (len <= n)
        return -ENOSPC;
    memcpy(buf, name, n + 1);
    return (int)n;
}

static int port_info(uint16_t port, struct rte_eth_dev_info *info)
{
    if (!rte_eth_dev_is_valid_port(port))
        return -EINVAL;
    return rte_eth_dev_info_get(port, info);
}

DVMC_EXPORT int dvmc_port_max_queues(uint16_t port, uint16_t *rx, uint16_t *tx)
{
    struct rte_eth_dev_info info;
    int ret = port_info(port, &info);
    if (ret < 0)
        return ret;
    *rx = info.max_rx_queues;
    *tx = info.max_tx_queues;
    return 0;
}

DVMC_EXPORT int dvmc_port_if_index(uint16_t port)
{
    struct rte_eth_dev_info info;
    int ret = port_info(port, &info);
    if (ret < 0)
        return ret;
    return (int)info.if_index;
}

DVMC_EXPORT int dvmc_port_setup(uint16_t port, void *pool, uint16_t nb_rxd, uint16_t nb_txd, uint16_t nb_queues)
{
    if (!rte_eth_dev_is_valid_port(port) || pool == NULL || nb_queues == 0)
        return -EINVAL;
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    /* Where the port can check (or knows it need not check) UDP checksums, have it say so in ol_flags. */
    struct rte_eth_dev_info info;
    if (rte_eth_dev_info_get(port, &info) == 0)
    {
        conf.rxmode.offloads = info.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_IPV4_CKSUM);
        /* One queue per lane: where the port hashes flows (a NIC's RSS), spread them over the lanes by IP and UDP
         * ports. A PMD without RSS spreads them its own way (af_packet's fanout) or by its devargs (pcap files). */
        uint64_t rss = info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
        if (nb_queues > 1 && rss != 0)
        {
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_hf = rss;
        }
    }
    int ret = rte_eth_dev_configure(port, nb_queues, nb_queues, &conf);
    if (ret < 0)
        return ret;
    ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
    if (ret < 0)
        return ret;
    int socket = rte_eth_dev_socket_id(port);
    unsigned sock = socket < 0 ? (unsigned)SOCKET_ID_ANY : (unsigned)socket;
    for (uint16_t q = 0; q < nb_queues; q++)
    {
        ret = rte_eth_rx_queue_setup(port, q, nb_rxd, sock, NULL, pool);
        if (ret < 0)
            return ret;
        ret = rte_eth_tx_queue_setup(port, q, nb_txd, sock, NULL);
        if (ret < 0)
            return ret;
    }
    ret = rte_eth_dev_start(port);
    if (ret < 0)
        return ret;
    /* Not every PMD has a promiscuous mode (net_ring, net_null): that is not an error. */
    ret = rte_eth_promiscuous_enable(port);
    if (ret < 0 && ret != -ENOTSUP)
        return ret;
    return 0;
}

DVMC_EXPORT int dvmc_port_stop(uint16_t port)
{
    return rte_eth_dev_stop(port);
}

DVMC_EXPORT int dvmc_port_close(uint16_t port)
{
    return rte_eth_dev_close(port);
}

DVMC_EXPORT int dvmc_port_mac(uint16_t port, uint8_t *mac)
{
    struct rte_ether_addr addr;
    int ret = rte_eth_macaddr_get(port, &addr);
    if (ret < 0)
        return ret;
    memcpy(mac, addr.addr_bytes, RTE_ETHER_ADDR_LEN);
    return 0;
}

DVMC_EXPORT int dvmc_port_link_up(uint16_t port)
{
    struct rte_eth_link link;
    memset(&link, 0, sizeof(link));
    int ret = rte_eth_link_get_nowait(port, &link);
    if (ret < 0)
        return ret;
    return link.link_status == RTE_ETH_LINK_UP ? 1 : 0;
}

DVMC_EXPORT uint16_t dvmc_rx_burst(uint16_t port, uint16_t queue, void **mbufs, uint16_t n)
{
    return rte_eth_rx_burst(port, queue, (struct rte_mbuf **)mbufs, n);
}

DVMC_EXPORT uint16_t dvmc_tx_burst(uint16_t port, uint16_t queue, void **mbufs, uint16_t n)
{
    return rte_eth_tx_burst(port, queue, (struct rte_mbuf **)mbufs, n);
}

DVMC_EXPORT int dvmc_pktmbuf_alloc_bulk(void *pool, void **mbufs, unsigned n)
{
    return rte_pktmbuf_alloc_bulk(pool, (struct rte_mbuf **)mbufs, n);
}

DVMC_EXPORT void dvmc_pktmbuf_free_bulk(void **mbufs, unsigned n)
{
    rte_pktmbuf_free_bulk((struct rte_mbuf **)mbufs, n);
}

DVMC_EXPORT void dvmc_pktmbuf_free(void *mbuf)
{
    rte_pktmbuf_free(mbuf);
}

DVMC_EXPORT void dvmc_mbuf_layout(struct dvmc_mbuf_layout *out)
{
    out->buf_addr = offsetof(struct rte_mbuf, buf_addr);
    out->data_off = offsetof(struct rte_mbuf, data_off);
    out->data_len = offsetof(struct rte_mbuf, data_len);
    out->pkt_len = offsetof(struct rte_mbuf, pkt_len);
    out->nb_segs = offsetof(struct rte_mbuf, nb_segs);
    out->next = offsetof(struct rte_mbuf, next);
    out->vlan_tci = offsetof(struct rte_mbuf, vlan_tci);
    out->ol_flags = offsetof(struct rte_mbuf, ol_flags);
    out->buf_len = offsetof(struct rte_mbuf, buf_len);
    out->port = offsetof(struct rte_mbuf, port);
    out->packet_type = offsetof(struct rte_mbuf, packet_type);
    out->mbuf_size = sizeof(struct rte_mbuf);
    out->headroom = RTE_PKTMBUF_HEADROOM;
    out->rx_l4_cksum_good = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    out->rx_l4_cksum_bad = RTE_MBUF_F_RX_L4_CKSUM_BAD;
}

DVMC_EXPORT int dvmc_port_stats(uint16_t port, struct dvmc_port_stats *out)
{
    struct rte_eth_stats s;
    int ret = rte_eth_stats_get(port, &s);
    if (ret < 0)
        return ret;
    out->ipackets = s.ipackets;
    out->opackets = s.opackets;
    out->ibytes = s.ibytes;
    out->obytes = s.obytes;
    out->imissed = s.imissed;
    out->ierrors = s.ierrors;
    out->oerrors = s.oerrors;
    out->rx_nombuf = s.rx_nombuf;
    return 0;
}

DVMC_EXPORT int dvmc_port_stats_reset(uint16_t port)
{
    return rte_eth_stats_reset(port);
}

/* rte_eal_hotplug_add returns 0 for a device already probed (for secondary sync): report that as -EEXIST for
 * ethdev vdevs, since the new args would be silently ignored. */
DVMC_EXPORT int dvmc_vdev_add(const char *name, const char *args)
{
    uint16_t port;
    if (rte_eth_dev_get_port_by_name(name, &port) == 0)
        return -EEXIST;
    int ret = rte_eal_hotplug_add("vdev", name, args != NULL ? args : "");
    return ret < 0 ? ret : 0;
}

DVMC_EXPORT int dvmc_vdev_remove(const char *name)
{
    int ret = rte_eal_hotplug_remove("vdev", name);
    return ret < 0 ? ret : 0;
}

DVMC_EXPORT unsigned dvmc_lcore_id(void)
{
    return rte_lcore_id();
}

DVMC_EXPORT int dvmc_socket_id(void)
{
    return (int)rte_socket_id();
}
