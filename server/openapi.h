/* openapi.h - the API's OpenAPI description. */
#ifndef OCTO_OPENAPI_H
#define OCTO_OPENAPI_H

/* Static, NUL-terminated. */
const char *octo_openapi_json(void);

#endif
