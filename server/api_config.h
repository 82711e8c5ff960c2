/* api_config.h - what the API listens on, checked before anything starts.
 *
 * API_PROTOCOL is one of exactly "http", "https", "http,https": a value
 * from an env file with a stray space ("https ") once served plain HTTP.
 * Without API_TOKEN the service accepts the public "default_token", so it
 * may only listen on loopback: any other API_HOST (0.0.0.0, ::, [::], a
 * name that resolves elsewhere) is refused, never silently accepted.
 */
#ifndef OCTO_API_CONFIG_H
#define OCTO_API_CONFIG_H

#include <octoflow/core.h>

struct octo_api_listen {
    int http;           /* serve plain HTTP on api_port */
    int https;          /* serve HTTPS (on api_port, or api_https_port with both) */
    char host[300];     /* for civetweb's listening_ports ("[::1]" for IPv6) */
    int metrics_public; /* METRICS_PUBLIC=true: GET /metrics needs no token */
};

/* Check API_PROTOCOL, API_HOST and the token of c (borrowed) and fill
 * out. Returns OCTO_OK, or OCTO_EINVAL with err naming the variable (a
 * configuration error: exit status 2). Never puts the token in err. */
int octo_api_listen_config(const struct octo_config *c, struct octo_api_listen *out,
                           octo_error *err);

#endif
