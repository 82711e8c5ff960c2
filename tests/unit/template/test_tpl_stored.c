/* test_tpl_stored.c - every template case of tests/unit/template/cases*.txt
 * rendered with Octoflow's engine and compared with what Python's Jinja2
 * gave, as stored in tests/templates/expected/ by tests/templates/refresh.py.
 * The differential test (diff_jinja.py) needs Jinja2 at run time; this
 * one needs no Python, so the suite checks the engine whether or not
 * Jinja2 is installed.
 *
 * One cmocka test per stored file (<cases file>[.autoescape].jsonl). A
 * case passes as in the differential test: Jinja2 rendered it and ours
 * gives the same bytes, or Jinja2 refused it and ours fails too. Each
 * stored file must list the cases of its cases file, in order, as they
 * are written now: an added or edited case without a refresh fails.
 *
 * usage: test_tpl_stored [EXPECTED_DIR [CASES_DIR]] */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "casefiles.h"
#include "template.h"

/* mismatches printed per stored file (all are counted) */
#define SHOW_MAX 20

struct stored_file {
    char name[256];       /* "cases4.autoescape.jsonl" */
    char path[PATH_MAX];  /* the stored file */
    char cases[PATH_MAX]; /* its cases file */
};

static const char *g_base_context; /* base_context.json: the context of cases without one */

/* The loader of a case's "templates" (name -> source): the rules of
 * octo_tpl_render --templates, whose files they were, and like it the
 * loaded templates compile in the case's environment. */
struct named_loader {
    struct octo_tpl_env env;
    json_t *templates; /* borrowed */
};

static int load_named(void *ud, const char *name, struct octo_tpl **out, octo_error *err)
{
    struct named_loader *nl = ud;
    json_t *src;

    if (name[0] == '/' || strstr(name, "..") != NULL) {
        snprintf(err->msg, sizeof(err->msg), "%s", name);
        return OCTO_ENOENT;
    }
    src = json_object_get(nl->templates, name);
    if (!json_is_string(src)) {
        snprintf(err->msg, sizeof(err->msg), "%s", name);
        err->code = OCTO_ENOENT;
        return OCTO_ENOENT;
    }
    return octo_tpl_compile(json_string_value(src), json_string_length(src), name, &nl->env, out,
                            err);
}

/* Render one stored case with our engine. Returns 1 when it rendered
 * (*out malloc'd, *outlen bytes), 0 when it failed (*out the message). */
static int render(json_t *rec, char **out, size_t *outlen)
{
    json_t *templates = json_object_get(rec, "templates");
    const char *ctx_text = json_string_value(json_object_get(rec, "context"));
    json_t *tpl_src = json_object_get(rec, "template");
    struct named_loader nl;
    const struct octo_tpl_env *envp = NULL;
    struct octo_tpl *tpl = NULL;
    struct octo_buf buf = OCTO_BUF_INIT;
    json_error_t je;
    octo_error err;
    json_t *ctx;
    int rc;

    if (ctx_text == NULL) {
        ctx_text = g_base_context;
    }
    /* as octo_tpl_render reads --data: integers beyond int64 kept */
    ctx = octo_tpl_json_loads(ctx_text, strlen(ctx_text), JSON_ALLOW_NUL, &je);
    if (ctx == NULL || !json_is_object(ctx)) {
        fail_msg("line %d: the stored context does not load: %s",
                 (int)json_integer_value(json_object_get(rec, "line")), je.text);
    }
    memset(&nl, 0, sizeof(nl));
    nl.env.autoescape = json_is_true(json_object_get(rec, "autoescape"));
    if (templates != NULL) {
        nl.templates = templates;
        nl.env.load = load_named;
        nl.env.ud = &nl;
    }
    if (templates != NULL || nl.env.autoescape) {
        envp = &nl.env; /* else no loader, no autoescape: the tool's NULL env */
    }
    memset(&err, 0, sizeof(err));
    rc = octo_tpl_compile(json_string_value(tpl_src), json_string_length(tpl_src), "t.j2", envp,
                          &tpl, &err);
    if (rc == OCTO_OK) {
        rc = octo_tpl_render(tpl, ctx, &buf, &err);
        octo_tpl_unref(tpl);
    }
    json_decref(ctx);
    if (rc != OCTO_OK) {
        octo_buf_free(&buf);
        *out = strdup(err.msg);
        assert_non_null(*out);
        *outlen = strlen(*out);
        return 0;
    }
    *outlen = buf.len;
    *out = malloc(buf.len + 1);
    assert_non_null(*out);
    if (buf.len > 0) {
        memcpy(*out, buf.data, buf.len);
    }
    (*out)[buf.len] = '\0';
    octo_buf_free(&buf);
    return 1;
}

static void test_stored_file(void **state)
{
    const struct stored_file *sf = *state;
    char *cases_text = cf_slurp(sf->cases, NULL);
    char *stored_text = cf_slurp(sf->path, NULL);
    json_t *case_lines;
    json_t *stored;
    size_t i;
    size_t n_case = 0;
    int line_no = 0;
    int passed = 0;
    int failed = 0;
    json_t *l;

    if (cases_text == NULL || stored_text == NULL) {
        fail_msg("cannot read %s or %s", sf->cases, sf->path);
    }
    case_lines = cf_lines_of(cases_text);
    stored = cf_lines_of(stored_text);
    /* the cases as diff_jinja.py reads them: no blank or # lines */
    json_array_foreach(case_lines, i, l)
    {
        const char *raw = json_string_value(l);
        json_t *rec;
        json_error_t je;
        const char *jinja;
        char *ours = NULL;
        size_t ours_len = 0;
        int ok;

        line_no = (int)i + 1;
        if (raw[strspn(raw, " \t\r")] == '\0' || raw[0] == '#') {
            continue;
        }
        if (n_case >= json_array_size(stored)) {
            fail_msg("%s:%d has no stored output in %s: run tests/templates/refresh.py", sf->cases,
                     line_no, sf->name);
        }
        rec = json_loads(json_string_value(json_array_get(stored, n_case)), JSON_ALLOW_NUL, &je);
        if (rec == NULL) {
            fail_msg("%s:%zu: %s", sf->name, n_case + 1, je.text);
        }
        n_case++;
        if (json_integer_value(json_object_get(rec, "line")) != line_no ||
            strcmp(json_string_value(json_object_get(rec, "case")), raw) != 0) {
            fail_msg("%s:%zu stores another case than %s:%d: run tests/templates/refresh.py",
                     sf->name, n_case, sf->cases, line_no);
        }
        jinja = json_string_value(json_object_get(rec, "jinja"));
        assert_non_null(jinja);
        if (strcmp(jinja, "timeout") == 0) {
            /* Jinja2 itself did not finish: nothing to compare (as diff_jinja) */
            json_decref(rec);
            continue;
        }
        ok = render(rec, &ours, &ours_len);
        if (strcmp(jinja, "ok") == 0) {
            json_t *want = json_object_get(rec, "output");

            if (ok && ours_len == json_string_length(want) &&
                memcmp(ours, json_string_value(want), ours_len) == 0) {
                passed++;
            } else {
                if (++failed <= SHOW_MAX) {
                    print_error("MISMATCH %s:%d %s\n   jinja: ok  %.300s\n   ours : %s %.300s\n",
                                sf->cases, line_no,
                                json_string_value(json_object_get(rec, "template")),
                                json_string_value(want), ok ? "ok " : "ERR", ours);
                }
            }
        } else if (strcmp(jinja, "error") == 0) {
            if (!ok) {
                passed++;
            } else if (++failed <= SHOW_MAX) {
                print_error("MISMATCH %s:%d %s\n   jinja: ERR %.300s\n   ours : ok  %.300s\n",
                            sf->cases, line_no, json_string_value(json_object_get(rec, "template")),
                            json_string_value(json_object_get(rec, "error")), ours);
            }
        } else {
            fail_msg("%s:%zu: \"jinja\" is \"%s\" (ok, error or timeout)", sf->name, n_case, jinja);
        }
        free(ours);
        json_decref(rec);
    }
    if (n_case != json_array_size(stored)) {
        fail_msg("%s stores %zu cases, %s has %zu: run tests/templates/refresh.py", sf->name,
                 json_array_size(stored), sf->cases, n_case);
    }
    print_message("%s: %d passed, %d failed\n", sf->name, passed, failed);
    json_decref(stored);
    json_decref(case_lines);
    free(stored_text);
    free(cases_text);
    if (failed > 0) {
        fail_msg("%s: %d of %zu cases differ from Jinja2", sf->name, failed, n_case);
    }
    /* a stored file that compares nothing would pass without testing */
    assert_true(passed > 0);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : OCTO_TEST_SOURCE_DIR "/tests/templates/expected";
    const char *cases_dir = argc > 2 ? argv[2] : OCTO_TEST_SOURCE_DIR "/tests/unit/template";
    struct CMUnitTest *tests;
    struct stored_file *files;
    char path[PATH_MAX];
    char *base;
    size_t n;
    size_t i;
    size_t nt = 0;
    char **names;
    int rc;

    snprintf(path, sizeof(path), "%s/base_context.json", dir);
    base = cf_slurp(path, NULL);
    if (base == NULL) {
        fprintf(stderr, "%s is missing: run tests/templates/refresh.py\n", path);
        return 1;
    }
    g_base_context = base;
    names = cf_list_dir(dir, &n);
    tests = calloc(n + 1, sizeof(*tests));
    files = calloc(n + 1, sizeof(*files));
    if (tests == NULL || files == NULL) {
        return 1;
    }
    for (i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        char *dot;

        if (len < 6 || strcmp(names[i] + len - 6, ".jsonl") != 0) {
            continue;
        }
        snprintf(files[nt].name, sizeof(files[nt].name), "%s", names[i]);
        snprintf(files[nt].path, sizeof(files[nt].path), "%s/%s", dir, names[i]);
        /* cases4.autoescape.jsonl -> cases4.txt */
        dot = strchr(names[i], '.');
        snprintf(files[nt].cases, sizeof(files[nt].cases), "%s/%.*s.txt", cases_dir,
                 (int)(dot - names[i]), names[i]);
        tests[nt].name = files[nt].name;
        tests[nt].test_func = test_stored_file;
        tests[nt].initial_state = &files[nt];
        nt++;
    }
    cf_free_names(names, n);
    if (nt == 0) {
        fprintf(stderr, "no stored template outputs (*.jsonl) in %s\n", dir);
        return 1;
    }
    rc = _cmocka_run_group_tests("tpl_stored", tests, nt, NULL, NULL);
    free(files);
    free(tests);
    free(base);
    return rc;
}
