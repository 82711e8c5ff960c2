/* retry.c - step retry policy (see retry.h). */
#include "retry.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "flow_diag.h"
#include "pyregex.h"
#include "xalloc.h"

static const char *const RETRY_KEYS[] = {"attempts", "delay", "backoff", "max_delay", "when", NULL};

/* What is worth retrying when the flow does not say: the failures that
 * are usually transient. A step's own "timeout" type is one (the run's
 * deadline never gets here: the runner stops first). */
static const char *const DEFAULT_WHEN[] = {
    "^(network|timeout): ",
    "^http: .*\\{'status_code': (429|5[0-9][0-9]),",
    NULL,
};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static struct octo_regex *g_default[4];

static void compile_defaults(void)
{
    size_t i;

    for (i = 0; DEFAULT_WHEN[i] != NULL; i++) {
        octo_error err;

        memset(&err, 0, sizeof(err));
        if (octo_regex_compile(DEFAULT_WHEN[i], 0, &g_default[i], &err) != OCTO_OK) {
            g_default[i] = NULL; /* cannot happen: the patterns are fixed */
        }
    }
}

static int number_in(json_t *v, double min, double max, double *out)
{
    if (!json_is_number(v)) {
        return -1;
    }
    *out = json_number_value(v);
    return isfinite(*out) && *out >= min && *out <= max ? 0 : -1;
}

int octo_retry_compile(struct octo_loadctx *lc, json_t *v, const char *mark, const char *where,
                       struct octo_retry **out)
{
    struct octo_retry *r;
    const char *key;
    json_t *m;
    json_t *when;
    int bad = 0;

    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        return 0;
    }
    r = octo_xcalloc(1, sizeof(*r));
    r->attempts = 3;
    r->delay = 1.0;
    r->backoff = 2.0;
    r->max_delay = 60.0;
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 1 || json_integer_value(v) > 100) {
            octo_diag_error(lc, mark, where, "retry: the number of attempts must be 1..100");
            free(r);
            return -1;
        }
        r->attempts = (int)json_integer_value(v);
        *out = r;
        return 0;
    }
    if (!json_is_object(v)) {
        octo_diag_error(lc, mark, where,
                        "retry must be a number of attempts or a mapping with attempts, delay, "
                        "backoff, max_delay and when");
        free(r);
        return -1;
    }
    json_object_foreach(v, key, m)
    {
        size_t k;

        for (k = 0; RETRY_KEYS[k] != NULL && strcmp(RETRY_KEYS[k], key) != 0; k++) {
        }
        if (RETRY_KEYS[k] == NULL) {
            char m2[300];

            snprintf(m2, sizeof(m2), "%s.%s", mark, key);
            octo_diag_unknown_key(lc, m2, where, key, RETRY_KEYS);
        }
    }
    if ((m = json_object_get(v, "attempts")) != NULL) {
        if (!json_is_integer(m) || json_integer_value(m) < 1 || json_integer_value(m) > 100) {
            octo_diag_error(lc, mark, where, "retry.attempts must be an integer in 1..100");
            bad = 1;
        } else {
            r->attempts = (int)json_integer_value(m);
        }
    }
    if ((m = json_object_get(v, "delay")) != NULL && number_in(m, 0, 86400, &r->delay) != 0) {
        octo_diag_error(lc, mark, where, "retry.delay must be a number of seconds in 0..86400");
        bad = 1;
    }
    if ((m = json_object_get(v, "backoff")) != NULL && number_in(m, 1, 100, &r->backoff) != 0) {
        octo_diag_error(lc, mark, where, "retry.backoff must be a factor in 1..100");
        bad = 1;
    }
    if ((m = json_object_get(v, "max_delay")) != NULL &&
        number_in(m, 0, 86400, &r->max_delay) != 0) {
        octo_diag_error(lc, mark, where, "retry.max_delay must be a number of seconds in 0..86400");
        bad = 1;
    }
    when = json_object_get(v, "when");
    if (json_is_string(when)) {
        when = json_pack("[O]", when);
    } else if (json_is_array(when)) {
        json_incref(when);
    } else if (when != NULL && !json_is_null(when)) {
        octo_diag_error(lc, mark, where, "retry.when must be a list of regular expressions");
        bad = 1;
        when = NULL;
    } else {
        when = NULL;
    }
    if (when != NULL) {
        size_t i;
        json_t *p;

        r->when = octo_xcalloc(json_array_size(when) + 1, sizeof(*r->when));
        r->when_src = octo_xcalloc(json_array_size(when) + 1, sizeof(*r->when_src));
        json_array_foreach(when, i, p)
        {
            octo_error err;

            memset(&err, 0, sizeof(err));
            if (!json_is_string(p)) {
                octo_diag_error(lc, mark, where, "retry.when[%zu] must be a regular expression", i);
                bad = 1;
                continue;
            }
            if (octo_regex_compile(json_string_value(p), 0, &r->when[r->nwhen], &err) != OCTO_OK) {
                octo_diag_error(lc, mark, where, "retry.when[%zu]: %s", i, err.msg);
                bad = 1;
                continue;
            }
            r->when_src[r->nwhen++] = octo_xstrdup(json_string_value(p));
        }
        json_decref(when);
    }
    if (bad) {
        octo_retry_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void octo_retry_free(struct octo_retry *r)
{
    size_t i;

    if (r == NULL) {
        return;
    }
    for (i = 0; i < r->nwhen; i++) {
        octo_regex_free(r->when[i]);
        free(r->when_src[i]);
    }
    free(r->when);
    free(r->when_src);
    free(r);
}

static int search(struct octo_regex *re, const char *subject)
{
    struct octo_match m;

    return re != NULL && octo_regex_search(re, subject, strlen(subject), 0, &m, NULL) == 1;
}

int octo_retry_matches(const struct octo_retry *r, const char *subject)
{
    size_t i;

    if (r->nwhen == 0) {
        pthread_once(&g_once, compile_defaults);
        for (i = 0; DEFAULT_WHEN[i] != NULL; i++) {
            if (search(g_default[i], subject)) {
                return 1;
            }
        }
        return 0;
    }
    for (i = 0; i < r->nwhen; i++) {
        if (search(r->when[i], subject)) {
            return 1;
        }
    }
    return 0;
}

double octo_retry_delay(const struct octo_retry *r, int n, double retry_after)
{
    double d;

    if (retry_after > 0) {
        d = retry_after;
    } else {
        d = r->delay * pow(r->backoff, n > 1 ? n - 1 : 0);
    }
    return d > r->max_delay ? r->max_delay : d;
}
