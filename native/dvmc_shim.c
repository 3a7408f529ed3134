/* dvmc native shim over DPDK 22.11: see dvmc_shim.h for the conventions. */
#include "dvmc_shim.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_bus.h>
#include <rte_cycles.h>
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

/*
 * Rx interrupts. A NIC's or vhost's interrupt descriptor cannot be slept on as it is: the vhost PMD's per-queue
 * descriptor is an epoll holding the guest's kick eventfd, which nobody reads, so it stays readable. Each queue gets an
 * epoll of its own that holds it edge-triggered: readable after each new kick until drained. The same epoll holds,
 * also edge-triggered, an eventfd that the port's link and queue-state events write: a guest that connects starts
 * with its kicks off, and its loop must wake to ask for them again.
 */
struct port_wake
{
    int open;           /* whether the descriptors below are this port's (the array starts zeroed) */
    int *queue_fd;      /* one epoll per rx queue; NULL: the port has none */
    uint16_t nb_queues;
    int event_fd;       /* written by the port's events */
    int error;          /* why the port has none (negative errno), 0 when it was never asked */
};

static struct port_wake port_wakes[RTE_MAX_ETHPORTS];

/* The PMDs whose rx interrupts dvmc tests. Another PMD may fail its start with rx interrupts asked for (a NIC bound to
 * a driver without MSI-X), so they are asked for only where they were seen to work. */
static int rx_interrupts_tested(const struct rte_eth_dev_info *info)
{
    return info->driver_name != NULL && strcmp(info->driver_name, "net_vhost") == 0;
}

static int port_event(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret_param)
{
    uint64_t one = 1;
    /* Fails only with the counter full, when the descriptor is readable anyway. */
    ssize_t written = write((int)(intptr_t)arg, &one, sizeof(one));
    (void)written;
    return 0;
}

static const enum rte_eth_event_type PORT_WAKE_EVENTS[] = {RTE_ETH_EVENT_INTR_LSC, RTE_ETH_EVENT_QUEUE_STATE};
#define PORT_WAKE_EVENT_COUNT (sizeof(PORT_WAKE_EVENTS) / sizeof(PORT_WAKE_EVENTS[0]))

static void port_wake_unregister(uint16_t port, int event_fd, size_t registered)
{
    for (size_t e = 0; e < registered; e++)
    {
        /* -EAGAIN while the callback runs on the vhost thread: it returns at once. */
        for (int tries = 0; tries < 1000; tries++)
        {
            if (rte_eth_dev_callback_unregister(port, PORT_WAKE_EVENTS[e], port_event, (void *)(intptr_t)event_fd) !=
                -EAGAIN)
                break;
            rte_delay_us_sleep(100);
        }
    }
}

static void port_wake_close(struct port_wake *w)
{
    if (!w->open)
        return;
    w->open = 0;
    for (uint16_t q = 0; w->queue_fd != NULL && q < w->nb_queues; q++)
        if (w->queue_fd[q] >= 0)
            close(w->queue_fd[q]);
    if (w->event_fd >= 0)
        close(w->event_fd);
    free(w->queue_fd);
    w->queue_fd = NULL;
    w->nb_queues = 0;
    w->event_fd = -1;
}

static void port_wake_release(uint16_t port)
{
    struct port_wake *w = &port_wakes[port];
    if (w->queue_fd != NULL)
        port_wake_unregister(port, w->event_fd, PORT_WAKE_EVENT_COUNT);
    port_wake_close(w);
    w->error = 0;
}

static void port_wake_setup(uint16_t port, uint16_t nb_queues)
{
    port_wake_release(port);
    struct port_wake *w = &port_wakes[port];
    w->open = 1;
    w->queue_fd = malloc(nb_queues * sizeof(int));
    w->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int ret = 0;
    if (w->queue_fd == NULL || w->event_fd < 0)
        ret = -ENOMEM;
    for (uint16_t q = 0; w->queue_fd != NULL && q < nb_queues; q++)
        w->queue_fd[q] = -1;
    w->nb_queues = nb_queues;
    for (uint16_t q = 0; ret == 0 && q < nb_queues; q++)
    {
        int interrupt = rte_eth_dev_rx_intr_ctl_q_get_fd(port, q);
        if (interrupt < 0)
        {
            ret = -ENOTSUP;
            break;
        }
        w->queue_fd[q] = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event edge = {.events = EPOLLIN | EPOLLET};
        if (w->queue_fd[q] < 0 || epoll_ctl(w->queue_fd[q], EPOLL_CTL_ADD, interrupt, &edge) < 0 ||
            epoll_ctl(w->queue_fd[q], EPOLL_CTL_ADD, w->event_fd, &edge) < 0)
            ret = -errno;
    }
    size_t registered = 0;
    while (ret == 0 && registered < PORT_WAKE_EVENT_COUNT)
    {
        ret = rte_eth_dev_callback_register(port, PORT_WAKE_EVENTS[registered], port_event,
            (void *)(intptr_t)w->event_fd);
        if (ret == 0)
            registered++;
    }
    if (ret < 0)
    {
        port_wake_unregister(port, w->event_fd, registered);
        port_wake_close(w);
        w->error = ret;
    }
}

static struct port_wake *queue_wake(uint16_t port, uint16_t queue)
{
    if (port >= RTE_MAX_ETHPORTS)
        return NULL;
    struct port_wake *w = &port_wakes[port];
    return w->queue_fd != NULL && queue < w->nb_queues ? w : NULL;
}

DVMC_EXPORT int dvmc_port_rx_wake_fd(uint16_t port, uint16_t queue)
{
    struct port_wake *w = queue_wake(port, queue);
    if (w == NULL)
        return port < RTE_MAX_ETHPORTS && port_wakes[port].error < 0 ? port_wakes[port].error : -ENOTSUP;
    return w->queue_fd[queue];
}

DVMC_EXPORT int dvmc_port_rx_arm(uint16_t port, uint16_t queue)
{
    if (queue_wake(port, queue) == NULL)
        return -ENOTSUP;
    /* Without a guest there is nothing to arm (and its queue count would log an error): its arrival is an event. */
    struct rte_eth_link link;
    memset(&link, 0, sizeof(link));
    if (rte_eth_link_get_nowait(port, &link) < 0 || link.link_status != RTE_ETH_LINK_UP)
        return 0;
    int ret = rte_eth_dev_rx_intr_enable(port, queue);
    if (ret < 0)
        return ret;
    /* Either the guest sees the request after it queued a frame and kicks, or the count below sees the frame. */
    rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
    return rte_eth_rx_queue_count(port, queue);
}

DVMC_EXPORT int dvmc_port_rx_disarm(uint16_t port, uint16_t queue)
{
    if (queue_wake(port, queue) == NULL)
        return -ENOTSUP;
    return rte_eth_dev_rx_intr_disable(port, queue);
}

DVMC_EXPORT int dvmc_port_rx_drain(uint16_t port, uint16_t queue)
{
    struct port_wake *w = queue_wake(port, queue);
    if (w == NULL)
        return -ENOTSUP;
    /* Two entries per epoll: one call takes both, and edge-triggered entries stay out until their next event. */
    struct epoll_event events[2];
    return epoll_wait(w->queue_fd[queue], events, 2, 0) < 0 ? -errno : 0;
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
        conf.intr_conf.rxq = rx_interrupts_tested(&info);
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
    /* Created at start: the PMD makes the queues' interrupt descriptors there. */
    if (conf.intr_conf.rxq)
        port_wake_setup(port, nb_queues);
    return 0;
}

DVMC_EXPORT int dvmc_port_stop(uint16_t port)
{
    return rte_eth_dev_stop(port);
}

DVMC_EXPORT int dvmc_port_close(uint16_t port)
{
    if (port < RTE_MAX_ETHPORTS)
        port_wake_release(port);
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
