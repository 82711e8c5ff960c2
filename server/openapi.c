/* openapi.c - the OpenAPI 3.0 description of the real API (the file
 * server/static/openapi.json, served at /static/swagger.json) and a
 * self-contained docs page (/api/docs) that renders it without fetching
 * anything from the internet. Keep the document in step with the route
 * table in api.c (a test compares them). */
#include "openapi.h"

/* server/static/openapi.json, compiled in (cmake/embed.cmake) */
extern const unsigned char octo_static_openapi[];
extern const unsigned long octo_static_openapi_len;

static const char DOCS[] =
    "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Octoflow API</title>\n"
    "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
    "code{background:#eee;padding:0 .3em}.m{display:inline-block;width:5em;font-weight:bold}"
    "li{margin:.4em 0}</style></head><body>\n"
    "<h1>Octoflow API</h1><p id=\"d\"></p><ul id=\"r\"></ul>\n"
    "<p>Machine-readable description: <a href=\"/static/swagger.json\">/static/swagger.json</a>"
    " (OpenAPI 3).</p>\n"
    "<script>fetch('/static/swagger.json').then(function(r){return r.json()}).then(function(s){"
    "document.getElementById('d').textContent=s.info.description;"
    "var ul=document.getElementById('r');Object.keys(s.paths).forEach(function(p){"
    "Object.keys(s.paths[p]).forEach(function(m){var li=document.createElement('li');"
    "var o=s.paths[p][m];li.innerHTML='<span class=m>'+m.toUpperCase()+'</span><code></code> ';"
    "li.querySelector('code').textContent=p;li.appendChild(document.createTextNode(o.summary+' \\u2014 '+"
    "Object.keys(o.responses).join(', ')));ul.appendChild(li)})})});</script>\n"
    "</body></html>\n";

const char *octo_openapi_json(void)
{
    return (const char *)octo_static_openapi;
}

const char *octo_docs_html(void)
{
    return DOCS;
}
