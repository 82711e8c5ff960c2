/* openapi.h - the API's OpenAPI description and the docs page. */
#ifndef OCTO_OPENAPI_H
#define OCTO_OPENAPI_H

/* Static, NUL-terminated. */
const char *octo_openapi_json(void);
const char *octo_docs_html(void);

#endif
