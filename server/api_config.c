/* api_config.c - what the API listens on (see api_config.h). */
#include "api_config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <civetweb.h>

/* civetweb's mg_check_feature bit for IPv6 (civetweb.h documents the
 * numbers, names none). Debian 12's build does not have it. */
#define CW_FEATURE_IPV6 8

static int v4_loopback(const struct in_addr *a)
{
    return (ntohl(a->s_addr) >> 24) == 127;
}

static int v6_loopback(const struct in6_addr *a)
{
    if (IN6_IS_ADDR_LOOPBACK(a)) {
        return 1;
    }
    /* ::ffff:127.x.y.z */
    return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
}

/* Does host (a literal or a name) mean loopback addresses only? A name
 * counts when every address it resolves to is loopback. -1: a name that
 * does not resolve. */
static int is_loopback(const char *host)
{
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    struct addrinfo *ai;
    int all = 1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
        return -1;
    }
    for (ai = res; ai != NULL && all; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            all = v4_loopback(&((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr);
        } else if (ai->ai_family == AF_INET6) {
            all = v6_loopback(&((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr);
        } else {
            all = 0;
        }
    }
    freeaddrinfo(res);
    return all;
}

static int protocol(const char *p, struct octo_api_listen *out, octo_error *err)
{
    /* Exact and lower-case: "https " or "HTTPS" is a typo to report, not a
     * value to guess at (a substring test once served "https " as HTTP). */
    if (strcmp(p, "http") == 0) {
        out->http = 1;
    } else if (strcmp(p, "https") == 0) {
        out->https = 1;
    } else if (strcmp(p, "http,https") == 0) {
        out->http = 1;
        out->https = 1;
    } else {
        return octo_error_set(err, OCTO_EINVAL, "API_PROTOCOL",
                              "API_PROTOCOL=\"%s\" must be exactly http, https or http,https "
                              "(lower case, no spaces)",
                              p);
    }
    return OCTO_OK;
}

/* METRICS_PUBLIC: exactly true or false (or unset). */
static int metrics_public(struct octo_api_listen *out, octo_error *err)
{
    const char *v = getenv("METRICS_PUBLIC");

    if (v == NULL || v[0] == '\0' || strcmp(v, "false") == 0) {
        return OCTO_OK;
    }
    if (strcmp(v, "true") == 0) {
        out->metrics_public = 1;
        return OCTO_OK;
    }
    return octo_error_set(err, OCTO_EINVAL, "METRICS_PUBLIC",
                          "METRICS_PUBLIC=\"%.64s\" must be true or false", v);
}

int octo_api_listen_config(const struct octo_config *c, struct octo_api_listen *out,
                           octo_error *err)
{
    const char *host = c->api_host;
    char bare[sizeof(out->host)];
    size_t len = strlen(host);
    struct in6_addr a6;
    int v6 = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = protocol(c->api_protocol, out, err)) != OCTO_OK ||
        (rc = metrics_public(out, err)) != OCTO_OK) {
        return rc;
    }
    if (host[0] == '\0') {
        snprintf(out->host, sizeof(out->host), "%s",
                 c->api_token_is_default ? "127.0.0.1" : "0.0.0.0");
        return OCTO_OK;
    }
    /* "[::1]" or "::1": an IPv6 literal, bracketed for civetweb */
    if (host[0] == '[' && len > 2 && host[len - 1] == ']') {
        snprintf(bare, sizeof(bare), "%.*s", (int)(len - 2), host + 1);
    } else {
        snprintf(bare, sizeof(bare), "%s", host);
    }
    if (strchr(bare, ':') != NULL) {
        if (inet_pton(AF_INET6, bare, &a6) != 1) {
            return octo_error_set(err, OCTO_EINVAL, "API_HOST",
                                  "API_HOST=\"%s\" is not an IPv4 or IPv6 address or a host name",
                                  host);
        }
        v6 = 1;
    }
    if (c->api_token_is_default) {
        int lo = v6 ? v6_loopback(&a6) : is_loopback(bare);

        if (lo < 0) {
            return octo_error_set(err, OCTO_EINVAL, "API_HOST",
                                  "API_HOST=\"%s\" does not resolve to an address", host);
        }
        if (!lo) {
            return octo_error_set(
                err, OCTO_EINVAL, "API_HOST",
                "API_HOST=\"%s\" is not a loopback address and API_TOKEN is not set: the "
                "service would accept the public default token \"default_token\" from the "
                "network. Set API_TOKEN, or leave API_HOST unset (127.0.0.1)",
                host);
        }
    }
    if (v6 && !mg_check_feature(CW_FEATURE_IPV6)) {
        return octo_error_set(err, OCTO_EINVAL, "API_HOST",
                              "API_HOST=\"%s\" is an IPv6 address, and this civetweb library "
                              "was built without IPv6",
                              host);
    }
    snprintf(out->host, sizeof(out->host), v6 ? "[%s]" : "%s", bare);
    return OCTO_OK;
}
