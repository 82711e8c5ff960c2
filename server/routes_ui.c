/* routes_ui.c - the dashboard (GET / and /ui/{file}) and the API docs
 * page (/api/docs), served from memory.
 *
 * The pages load no inline script and nothing from elsewhere, so the
 * Content-Security-Policy can be strict: scripts, styles and fetches
 * from this origin only, no framing, no plugins, no forms posted
 * anywhere. They hold no secret: the token is typed by the operator and
 * kept in the tab's sessionStorage, so these routes need none. ETags let
 * a browser revalidate instead of downloading again.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "routes.h"
#include "ui_files.h"

static const char CSP[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";

static const char *content_type(const char *name)
{
    static const char *const types[][2] = {{".html", "text/html; charset=utf-8"},
                                           {".css", "text/css; charset=utf-8"},
                                           {".js", "text/javascript; charset=utf-8"},
                                           {".svg", "image/svg+xml"}};
    size_t n = strlen(name);
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        size_t k = strlen(types[i][0]);

        if (n > k && strcmp(name + n - k, types[i][0]) == 0) {
            return types[i][1];
        }
    }
    return "application/octet-stream";
}

static const struct octo_ui_file *find(const char *name)
{
    const struct octo_ui_file *f;

    for (f = octo_ui_files; f->name != NULL; f++) {
        if (strcmp(f->name, name) == 0) {
            return f;
        }
    }
    return NULL;
}

void octo_route_ui(struct octo_req *req)
{
    const char *name = req->param;
    const struct octo_ui_file *f;
    const char *inm = mg_get_header(req->conn, "If-None-Match");
    char etag[24];
    uint64_t h = 1469598103934665603ULL;
    unsigned long i;

    if (strcmp(req->path, "/") == 0) {
        name = "index.html";
    } else if (strncmp(req->path, "/api/docs", 9) == 0) {
        name = "docs.html";
    }
    f = name != NULL ? find(name) : NULL;
    if (f == NULL) {
        octo_http_error(req, 404, "Not Found: %s", req->path);
        return;
    }
    for (i = 0; i < *f->len; i++) {
        h = (h ^ f->data[i]) * 1099511628211ULL;
    }
    snprintf(etag, sizeof(etag), "\"%016llx\"", (unsigned long long)h);
    {
        const char *const headers[] = {"Content-Security-Policy",
                                       CSP,
                                       "X-Content-Type-Options",
                                       "nosniff",
                                       "Referrer-Policy",
                                       "no-referrer",
                                       "X-Frame-Options",
                                       "DENY",
                                       "Cache-Control",
                                       "no-cache",
                                       "ETag",
                                       etag,
                                       NULL};

        if (inm != NULL && strcmp(inm, etag) == 0) {
            octo_http_raw_headers(req, 304, content_type(f->name), "", 0, headers);
            return;
        }
        octo_http_raw_headers(req, 200, content_type(f->name), (const char *)f->data, *f->len,
                              headers);
    }
}
