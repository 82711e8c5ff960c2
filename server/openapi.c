/* openapi.c - OpenAPI 3.0 description of the real API (served at
 * /static/swagger.json) and a self-contained docs page (/api/docs) that
 * renders it without fetching anything from the internet. Keep it in
 * step with the route table in api.c (a test compares them). */
#include "openapi.h"

#define ERR "{\"$ref\": \"#/components/responses/Error\"}"
#define J(x) "{\"description\": \"" x "\", \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\"}}}}"

static const char OPENAPI[] =
    "{\n"
    "  \"openapi\": \"3.0.3\",\n"
    "  \"info\": {\"title\": \"Octoflow API\", \"version\": \"0.1.0\",\n"
    "    \"description\": \"Launch and schedule flows. Every route but /api/health, /api/docs and /static/swagger.json needs 'Authorization: Bearer <API_TOKEN>'. Errors are JSON objects {\\\"error\\\": message}.\"},\n"
    "  \"components\": {\n"
    "    \"securitySchemes\": {\"bearer\": {\"type\": \"http\", \"scheme\": \"bearer\"}},\n"
    "    \"responses\": {\"Error\": {\"description\": \"Error\", \"content\": {\"application/json\": {\"schema\": {\"type\": \"object\", \"properties\": {\"error\": {\"type\": \"string\"}}}}}}},\n"
    "    \"schemas\": {\n"
    "      \"Schedule\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\"}, \"path\": {\"type\": \"string\"}, \"cron\": {\"type\": \"string\", \"nullable\": true}, \"every_seconds\": {\"type\": \"integer\", \"nullable\": true}, \"timeout_seconds\": {\"type\": \"number\"}, \"next_run\": {\"type\": \"string\", \"nullable\": true}, \"last_run\": {\"type\": \"string\", \"nullable\": true}, \"last_status\": {\"type\": \"string\", \"nullable\": true}, \"running\": {\"type\": \"boolean\"}}},\n"
    "      \"PathBody\": {\"type\": \"object\", \"required\": [\"path\"], \"properties\": {\"path\": {\"type\": \"string\", \"description\": \"flow file relative to FLOWS_PATH\"}, \"cron\": {\"type\": \"string\"}, \"every_seconds\": {\"type\": \"integer\"}, \"timeout_seconds\": {\"type\": \"number\"}}},\n"
    "      \"LaunchBody\": {\"type\": \"object\", \"required\": [\"path\"], \"properties\": {\"path\": {\"type\": \"string\"}, \"data\": {\"description\": \"the flow's __input__\"}, \"timeout_seconds\": {\"type\": \"number\"}}}\n"
    "    }\n"
    "  },\n"
    "  \"security\": [{\"bearer\": []}],\n"
    "  \"paths\": {\n"
    "    \"/api/flows\": {\"get\": {\"summary\": \"List scheduled flows\", \"responses\": {\"200\": " J("{flows: [Schedule]}") ", \"401\": " ERR "}}},\n"
    "    \"/api/flows/add\": {\"post\": {\"summary\": \"Schedule a flow (cron or every_seconds from the body or the flow file)\", \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/PathBody\"}}}}, \"responses\": {\"201\": " J("{status, flow_id}") ", \"400\": " ERR ", \"401\": " ERR ", \"404\": " ERR ", \"409\": " ERR ", \"413\": " ERR ", \"415\": " ERR ", \"503\": " ERR "}}},\n"
    "    \"/api/flows/launch\": {\"post\": {\"summary\": \"Run a flow now and wait for it\", \"requestBody\": {\"required\": true, \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/LaunchBody\"}}}}, \"responses\": {\"200\": " J("{status: 'Flow <name> executed successfully.', data: <final flow data>}") ", \"400\": " ERR ", \"401\": " ERR ", \"404\": " ERR ", \"409\": " J("{error: 'Flow <name> is already running.'}") ", \"413\": " ERR ", \"415\": " ERR ", \"500\": " J("{error: '<step>: <message>', data: <final flow data>}") ", \"503\": " ERR "}}},\n"
    "    \"/api/flows/{flow_id}\": {\"delete\": {\"summary\": \"Remove a schedule\", \"parameters\": [{\"name\": \"flow_id\", \"in\": \"path\", \"required\": true, \"schema\": {\"type\": \"string\"}}], \"responses\": {\"200\": " J("{status}") ", \"401\": " ERR ", \"404\": " ERR "}}},\n"
    "    \"/api/locks\": {\"get\": {\"summary\": \"List lock files\", \"responses\": {\"200\": " J("{locks: [{filename, timestamp}]}") ", \"401\": " ERR "}},\n"
    "                  \"delete\": {\"summary\": \"Remove every lock file\", \"responses\": {\"200\": " J("{status: 'All locks released.'}") ", \"401\": " ERR "}}},\n"
    "    \"/api/locks/{flow_name}\": {\"delete\": {\"summary\": \"Remove one lock file (name with or without .yml)\", \"parameters\": [{\"name\": \"flow_name\", \"in\": \"path\", \"required\": true, \"schema\": {\"type\": \"string\"}}], \"responses\": {\"200\": " J("{status}") ", \"401\": " ERR ", \"404\": " ERR "}}},\n"
    "    \"/api/logs\": {\"get\": {\"summary\": \"The last lines of the log file\", \"parameters\": [{\"name\": \"lines\", \"in\": \"query\", \"schema\": {\"type\": \"integer\", \"default\": 100, \"minimum\": 1}}], \"responses\": {\"200\": " J("{logs: [line]}") ", \"400\": " ERR ", \"401\": " ERR ", \"404\": " ERR "}}},\n"
    "    \"/api/jobs\": {\"get\": {\"summary\": \"Runs in progress\", \"responses\": {\"200\": " J("{running: [{path, source, started}]}") ", \"401\": " ERR "}}},\n"
    "    \"/api/health\": {\"get\": {\"summary\": \"Liveness (no auth)\", \"security\": [], \"responses\": {\"200\": " J("{status: 'ok', version}") "}}},\n"
    "    \"/static/swagger.json\": {\"get\": {\"summary\": \"This document (no auth)\", \"security\": [], \"responses\": {\"200\": " J("OpenAPI") "}}},\n"
    "    \"/api/docs\": {\"get\": {\"summary\": \"API documentation page (no auth)\", \"security\": [], \"responses\": {\"200\": {\"description\": \"HTML\"}}}}\n"
    "  }\n"
    "}\n";

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
    return OPENAPI;
}

const char *octo_docs_html(void)
{
    return DOCS;
}
