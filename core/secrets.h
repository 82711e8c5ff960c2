/* secrets.h - secrets from SECRETS_PATH (secrets.yml) and HashiCorp Vault.
 *
 * Values handed out are registered for redaction (redact.h). Thread-safe.
 */
#ifndef OCTO_SECRETS_H
#define OCTO_SECRETS_H

#include <jansson.h>
#include <octoflow/octo_step.h>

/* The secret called name as an object {"name", "type", fields...}; *out
 * new. Unknown name, wrong type, missing field: OCTO_ESECRET naming the
 * secret, never its value. */
int octo_secrets_get(const char *name, json_t **out, octo_error *err);

/* 1 when secrets.yml defines name, 0 when it does not, -1 when the file
 * cannot be read (validation warns on 0). */
int octo_secrets_known(const char *name);

/* The defined secret name closest to name (did-you-mean) into out: 1, or
 * 0 when none is close. */
int octo_secrets_suggest(const char *name, char *out, size_t cap);

/* Forget the loaded file and the Vault cache (tests, shutdown). */
void octo_secrets_reset(void);

#endif
