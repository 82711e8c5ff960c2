/* conn_sockets.h - civetweb's client sockets, found by address.
 *
 * civetweb 1.15 hands its callbacks an opaque connection and no way to
 * its socket. What the request info does give (client address and port,
 * local port) names exactly one connected socket of the process, so the
 * descriptor is found by asking each one in /proc/self/fd. The caller may
 * shut a socket found this way down, never close it: civetweb owns it.
 */
#ifndef OCTO_CONN_SOCKETS_H
#define OCTO_CONN_SOCKETS_H

#include <sys/socket.h>

#include <civetweb.h>

/* One connection as seen from the server: the client's address and port,
 * and the local (listening) port. IPv4-mapped IPv6 counts as IPv4. */
struct octo_peer {
    int family; /* AF_INET, AF_INET6; 0: unknown */
    unsigned char addr[16];
    int port;
    int local_port;
};

/* The peer of the request civetweb is handling. */
void octo_peer_of_request(const struct mg_request_info *ri, struct octo_peer *p);
/* Both ends of a connected TCP socket; -1 for anything else. */
int octo_peer_of_fd(int fd, struct octo_peer *p);
/* The port of an IPv4 or IPv6 address, -1 for other families. */
int octo_sockaddr_port(const struct sockaddr_storage *ss);
int octo_same_addr(const struct octo_peer *a, const struct octo_peer *b);
int octo_same_peer(const struct octo_peer *a, const struct octo_peer *b);

/* Call fn for each open descriptor of the process. */
void octo_each_fd(void (*fn)(int fd, void *arg), void *arg);
/* The descriptor of the connection with that peer, or -1. */
int octo_find_fd(const struct octo_peer *want);

/* For a connected TCP socket: 1 when nothing is waiting to be read and no
 * data arrived for idle_ms (since the handshake, for none at all), else 0;
 * -1 when fd is not an established (or half-closed) TCP connection.
 * *silent_ms gets the milliseconds since data last arrived. */
int octo_sock_idle(int fd, unsigned idle_ms, unsigned *silent_ms);

#endif
