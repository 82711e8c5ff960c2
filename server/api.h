/* api.h - the REST API server (civetweb). */
#ifndef OCTO_API_H
#define OCTO_API_H

#include <stddef.h>

#include <octoflow/octo_step.h>

/* Start listening as configured (API_PORT, API_PROTOCOL, API_HOST,
 * API_TLS_CERT/KEY, API_THREADS). Writes what it listens on into
 * listening. Returns OCTO_OK or fills err. */
int octo_api_start(const char *exe_dir, char *listening, size_t cap, octo_error *err);
/* Stop accepting and wait for the request threads. */
void octo_api_stop(void);

#endif
