/* vault.h - read a HashiCorp Vault KV v2 secret (internal to secrets.c). */
#ifndef OCTO_VAULT_H
#define OCTO_VAULT_H

#include <jansson.h>
#include <octoflow/octo_step.h>

/* GET uri with X-Vault-Token: token; *out (new) is response.data.data.
 * TLS is verified unless VAULT_SKIP_VERIFY is true; VAULT_CACERT names a
 * CA bundle; OCTO_CONNECT_TO applies; 10 s timeout. Errors name the
 * secret (name), never the token or a value. Any thread. */
int octo_vault_read(const char *name, const char *uri, const char *token, json_t **out,
                    octo_error *err);

#endif
