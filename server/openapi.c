/* openapi.c - the OpenAPI 3.0 description of the real API (the file
 * server/static/openapi.json, served at /static/swagger.json; its page,
 * /api/docs, is server/static/ui/docs.html). Keep the document in step
 * with the route table in api.c (a test compares them). */
#include "openapi.h"

/* server/static/openapi.json, compiled in (cmake/embed.cmake) */
extern const unsigned char octo_static_openapi[];
extern const unsigned long octo_static_openapi_len;

const char *octo_openapi_json(void)
{
    return (const char *)octo_static_openapi;
}
