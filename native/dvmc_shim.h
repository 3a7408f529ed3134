/*
 * dvmc native shim over DPDK 22.11.
 *
 * Plain exported functions for what DPDK has only as static inline, so that Java (FFM) can call them.
 * Conventions: int results are 0 (or a count) on success and a negative errno on failure; no struct is
 * passed or returned by value; mbufs and pools are opaque pointers. Bindings: bindings/ (jextract layout),
 * checked against this header by BindingsCoverageTest, so every function here must be bound there.
 */
#ifndef DVMC_SHIM_H
#define DVMC_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Byte offsets inside struct rte_mbuf, so Java reads packet metadata through one memory segment. */
struct dvmc_mbuf_layout {
    uint32_t buf_addr;
    uint32_t data_off;
    uint32_t data_len;
    uint32_t pkt_len;
    uint32_t nb_segs;
    uint32_t next;
    uint32_t vlan_tci;
    uint32_t ol_flags;
    uint32_t buf_len;
    uint32_t port;
    uint32_t packet_type;
    uint32_t mbuf_size;      /* sizeof(struct rte_mbuf) */
    uint32_t headroom;       /* RTE_PKTMBUF_HEADROOM */
    /* ol_flags bits of the rx L4 checksum: both set is NONE (checksum field not filled in, data verified), neither
     * is UNKNOWN. Macros in DPDK, so Java reads their values here and the flags of each mbuf from memory. */
    uint32_t rx_l4_cksum_good;  /* RTE_MBUF_F_RX_L4_CKSUM_GOOD */
    uint32_t rx_l4_cksum_bad;   /* RTE_MBUF_F_RX_L4_CKSUM_BAD */
};

struct dvmc_port_stats {
    uint64_t ipackets;
    uint64_t opackets;
    uint64_t ibytes;
    uint64_t obytes;
    uint64_t imissed;
    uint64_t ierrors;
    uint64_t oerrors;
    uint64_t rx_nombuf;
};

/* EAL. Once per process: a second init fails even after cleanup. Pins the calling thread to the main lcore. */
int dvmc_eal_init(int argc, char **argv);
int dvmc_eal_cleanup(void);
const char *dvmc_strerror(int errnum);
int dvmc_errno(void);

/* Gives the calling (non-EAL) thread an lcore id, so mempool caches work on it; returns the lcore id. */
int dvmc_thread_register(void);
void dvmc_thread_unregister(void);

/* mempool of pktmbufs */
void *dvmc_mempool_create(const char *name, uint32_t n, uint32_t cache, uint16_t data_room, int socket);
void dvmc_mempool_free(void *pool);
uint32_t dvmc_mempool_avail(void *pool);
uint32_t dvmc_mempool_in_use(void *pool);

/* ethdev ports: nb_queues rx and tx queue pairs each, one per lane of the poll loop */
uint16_t dvmc_port_count(void);
int dvmc_port_by_name(const char *name, uint16_t *port_id);
int dvmc_port_name(uint16_t port, char *buf, size_t len);
int dvmc_port_max_queues(uint16_t port, uint16_t *rx, uint16_t *tx);
/* the kernel interface index behind a port (net_af_packet, net_tap), 0 for none; or -errno */
int dvmc_port_if_index(uint16_t port);
int dvmc_port_setup(uint16_t port, void *pool, uint16_t nb_rxd, uint16_t nb_txd, uint16_t nb_queues);
int dvmc_port_stop(uint16_t port);
int dvmc_port_close(uint16_t port);
int dvmc_port_mac(uint16_t port, uint8_t *mac);
int dvmc_port_link_up(uint16_t port);

/* Rx interrupts, so that a poll loop can sleep until a port's rx queue has frames. Only ports whose PMD dvmc has
 * tested with them get one (net_vhost: the guest kicks the queue). Each rx queue has its own descriptor for the one
 * loop that polls it, an epoll descriptor readable once something happened since its last drain: the guest kicked
 * the queue, or the port's link or a queue's state changed (a guest connecting turns its kicks off again).
 * The loop arms its queue, sleeps only when arming finds no frame already queued, then disarms and drains. */
/* the queue's descriptor, or -ENOTSUP for a port without rx interrupts */
int dvmc_port_rx_wake_fd(uint16_t port, uint16_t queue);
/* asks for a kick at the queue's next frame; returns the frames already queued (kicks for them may never come) */
int dvmc_port_rx_arm(uint16_t port, uint16_t queue);
int dvmc_port_rx_disarm(uint16_t port, uint16_t queue);
/* makes the queue's descriptor unreadable until the next event */
int dvmc_port_rx_drain(uint16_t port, uint16_t queue);

/* bursts: mbufs is an array of n mbuf pointers */
uint16_t dvmc_rx_burst(uint16_t port, uint16_t queue, void **mbufs, uint16_t n);
uint16_t dvmc_tx_burst(uint16_t port, uint16_t queue, void **mbufs, uint16_t n);

/* mbufs */
int dvmc_pktmbuf_alloc_bulk(void *pool, void **mbufs, unsigned n);
void dvmc_pktmbuf_free_bulk(void **mbufs, unsigned n);
void dvmc_pktmbuf_free(void *mbuf);
void dvmc_mbuf_layout(struct dvmc_mbuf_layout *out);

/* stats */
int dvmc_port_stats(uint16_t port, struct dvmc_port_stats *out);
int dvmc_port_stats_reset(uint16_t port);

/* vdev hot-plug on the "vdev" bus */
int dvmc_vdev_add(const char *name, const char *args);
int dvmc_vdev_remove(const char *name);

/* lcore */
unsigned dvmc_lcore_id(void);
int dvmc_socket_id(void);

#ifdef __cplusplus
}
#endif

#endif /* DVMC_SHIM_H */
