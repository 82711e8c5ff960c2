/* secrets.c - placeholder until the secrets issue: no secret is available. */
#include "secrets.h"

#include "errors.h"

int octo_secrets_get(const char *name, json_t **out, octo_error *err)
{
    *out = NULL;
    return octo_error_set(err, OCTO_ENOTSUP, NULL,
                          "secret \"%s\": secrets are not available in this build", name);
}

int octo_secrets_known(const char *name)
{
    (void)name;
    return -1;
}
