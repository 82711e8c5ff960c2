/* vault.c - read a HashiCorp Vault KV v2 secret with libcurl (vault.h).
 *
 * Vault's own client conventions are honoured: VAULT_CACERT (a CA bundle)
 * and VAULT_SKIP_VERIFY (true/1: no TLS verification, with a warning).
 * Only http and https are allowed, redirects are not followed (a token
 * must not travel to another host), and OCTO_CONNECT_TO redirects hosts
 * for tests and staging like REST steps.
 */
#include "vault.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "errors.h"
#include "log.h"
#include "xalloc.h"

#define MAX_RESPONSE (4u << 20)

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct octo_buf *b = ud;

    if (b->len + size * n > MAX_RESPONSE) {
        return 0;
    }
    octo_buf_append(b, p, size * n);
    return octo_buf_failed(b) ? 0 : size * n;
}

/* Append s to *l. curl_slist_append returns NULL for memory only and
 * keeps the list as it was: assigning its result directly lost (and
 * leaked) the list and sent the request without it - no token, or to the
 * real host instead of OCTO_CONNECT_TO's. Out of memory aborts, as every
 * allocation does (docs/code-layout.md). */
static void append(struct curl_slist **l, const char *s)
{
    struct curl_slist *n = curl_slist_append(*l, s);

    if (n == NULL) {
        octo_oom(strlen(s) + 1);
    }
    *l = n;
}

static struct curl_slist *connect_to_list(const char *spec)
{
    struct curl_slist *l = NULL;
    char *copy = octo_xstrdup(spec);
    char *save = NULL;
    char *tok;

    for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') {
            tok++;
        }
        if (*tok != '\0') {
            append(&l, tok);
        }
    }
    free(copy);
    return l;
}

int octo_vault_read(const char *name, const char *uri, const char *token, json_t **out,
                    octo_error *err)
{
    const char *cacert = getenv("VAULT_CACERT");
    const char *skip = getenv("VAULT_SKIP_VERIFY");
    /* Vault's CLI reads it with Go's strconv.ParseBool: 1, t, T, true, TRUE, True */
    int verify = !(skip != NULL && (strcasecmp(skip, "true") == 0 || strcmp(skip, "1") == 0 ||
                                    strcasecmp(skip, "t") == 0));
    struct octo_buf body = OCTO_BUF_INIT;
    struct curl_slist *headers = NULL;
    struct curl_slist *connect_to = NULL;
    char header[2048];
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *h;
    CURLcode cc;
    long status = 0;
    json_t *doc = NULL;
    json_t *data;
    int rc = OCTO_OK;

    *out = NULL;
    h = curl_easy_init();
    if (h == NULL) { /* not only out of memory: libcurl's own start-up can fail */
        return octo_error_set(err, OCTO_EINTERNAL, NULL,
                              "Failed to fetch secret '%s' from Hashicorp Vault: libcurl cannot "
                              "start a transfer",
                              name);
    }
    snprintf(header, sizeof(header), "X-Vault-Token: %s", token);
    append(&headers, header);
    append(&headers, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_URL, uri);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    if (!verify) {
        octo_log(OCTO_LOG_WARN, "VAULT_SKIP_VERIFY is set: Vault's TLS certificate is not checked");
    }
    if (cacert != NULL && cacert[0] != '\0') {
        curl_easy_setopt(h, CURLOPT_CAINFO, cacert);
    }
    if (octo_config() != NULL && octo_config()->connect_to[0] != '\0') {
        connect_to = connect_to_list(octo_config()->connect_to);
        curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
    }
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        rc = octo_error_set(err, cc == CURLE_OPERATION_TIMEDOUT ? OCTO_ETIMEDOUT : OCTO_ENETWORK,
                            NULL, "Failed to fetch secret '%s' from Hashicorp Vault: %s", name,
                            errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    if (status >= 400) {
        rc = octo_error_set(err, OCTO_ESECRET, NULL,
                            "Failed to fetch secret '%s' from Hashicorp Vault: HTTP %ld: %.200s",
                            name, status, octo_buf_cstr(&body));
        goto out;
    }
    doc = json_loadb(octo_buf_cstr(&body), body.len, 0, NULL);
    if (doc == NULL) {
        rc = octo_error_set(err, OCTO_ESECRET, NULL,
                            "Hashicorp Vault secret '%s': the response is not JSON", name);
        goto out;
    }
    if (!json_is_object(json_object_get(doc, "data"))) {
        rc = octo_error_set(err, OCTO_ESECRET, NULL, "Hashicorp Vault secret '%s' has no data",
                            name);
        goto out;
    }
    data = json_object_get(json_object_get(doc, "data"), "data");
    if (data == NULL) {
        rc =
            octo_error_set(err, OCTO_ESECRET, NULL,
                           "Hashicorp Vault secret '%s' data has no data key (is it KV v2?)", name);
        goto out;
    }
    *out = json_incref(data);
out:
    json_decref(doc);
    octo_buf_free(&body);
    curl_slist_free_all(headers);
    curl_slist_free_all(connect_to);
    curl_easy_cleanup(h);
    return rc;
}
