/* test_flow_cases.c - the flow-rule cases of tests/flows/<case>/ run
 * in-process with the real core and plugins, one cmocka test per case
 * (reported by the case's name). tests/flows/README.md is the convention:
 * which files a case holds and how each is compared. Every case gets a
 * fresh DATA_PATH and a freshly initialised core, so cases cannot leak
 * state (files, cached flows, redaction values) into each other.
 *
 * usage: test_flow_cases [CASES_DIR] [NAME_SUBSTRING]
 *        test_flow_cases NAME_SUBSTRING
 *   CASES_DIR defaults to tests/flows of the source tree; only the cases
 *   whose folder name contains NAME_SUBSTRING run when it is given. With
 *   OCTO_FLOW_CASES_ACTUAL=DIR set, what each run gave is written under
 *   DIR/<case>/ in the cases' own file formats (to write a new case or
 *   read a failing one); the comparisons happen all the same. */
#include "testutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casefiles.h"
#include "redact.h"

struct flow_case {
    char name[256];
    char dir[PATH_MAX];
    char **env; /* "KEY=VALUE" of the case's env file, NULL-terminated */
};

/* ---- files ----------------------------------------------------------------- */

static char *case_file(const char *dir, const char *name)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return cf_slurp(path, NULL);
}

/* The files under DATA_PATH a case's expected_tree.txt lists: all but
 * the job store (JOBS_DB and its -wal, -shm, -journal), which is the
 * core's bookkeeping, not what the flow did. New array. */
static json_t *data_tree(void)
{
    const char *db = octo_config()->jobs_db;
    const char *root = octo_config()->data_path;
    size_t rl = strlen(root);
    json_t *all = json_array();
    json_t *out = json_array();
    size_t i;
    json_t *rel;

    cf_walk_files(root, "", all);
    json_array_foreach(all, i, rel)
    {
        char full[PATH_MAX];

        snprintf(full, sizeof(full), "%s/%s", root, json_string_value(rel));
        if (strncmp(db, root, rl) == 0 && strncmp(full, db, strlen(db)) == 0) {
            continue;
        }
        json_array_append(out, rel);
    }
    json_decref(all);
    return out;
}

/* ---- expected texts ---------------------------------------------------------- */

/* Fail unless the list of messages (borrowed array of strings) is
 * exactly the lines of the case file fname (absent: no messages). */
static void compare_lines(const char *dir, const char *fname, json_t *list, const struct cf_vars *v)
{
    char *raw = case_file(dir, fname);
    char *expected = cf_subst(raw != NULL ? raw : "", v, fname);
    char *actual = cf_lines_text(list);

    cf_compare_text(fname, expected, strlen(expected), actual, strlen(actual));
    free(actual);
    free(expected);
    free(raw);
}

/* The run's data as the cases store it: ordered, 2-space indent. */
static char *dump_data(json_t *data)
{
    char *s = json_dumps(data, JSON_INDENT(2) | JSON_ENCODE_ANY);
    char *nl;
    size_t n;

    if (s == NULL) {
        fail_msg("the flow data does not serialise (a cycle?)");
    }
    n = strlen(s);
    nl = realloc(s, n + 2); /* with a final newline, as a file */
    assert_non_null(nl);
    nl[n] = '\n';
    nl[n + 1] = '\0';
    return nl;
}

/* ---- the actual-output dump ---------------------------------------------- */

static void dump_actual(const char *case_name, const char *run, const char *fname, const char *text,
                        const struct cf_vars *v)
{
    const char *root = getenv("OCTO_FLOW_CASES_ACTUAL");
    char path[PATH_MAX];
    char *u;

    if (root == NULL || root[0] == '\0') {
        return;
    }
    snprintf(path, sizeof(path), "%s/%s%s%s/%s", root, case_name, run[0] ? "/" : "", run, fname);
    u = cf_unsubst(text, v);
    cf_write_file(path, u, strlen(u));
    free(u);
}

/* The data directory after a run, under the case's actual-output folder
 * (data_after/), with the variables put back. */
static void dump_actual_tree(const char *case_name, const char *run, const struct cf_vars *v)
{
    const char *root = getenv("OCTO_FLOW_CASES_ACTUAL");
    json_t *files;
    size_t i;
    json_t *rel;

    if (root == NULL || root[0] == '\0') {
        return;
    }
    files = json_array();
    cf_walk_files(v->data_path, "", files);
    json_array_foreach(files, i, rel)
    {
        char src[PATH_MAX];
        char fname[PATH_MAX + 16];
        char *text;

        snprintf(src, sizeof(src), "%s/%s", v->data_path, json_string_value(rel));
        snprintf(fname, sizeof(fname), "data_after/%s", json_string_value(rel));
        text = cf_slurp(src, NULL);
        if (text != NULL) {
            dump_actual(case_name, run, fname, text, v);
            free(text);
        }
    }
    json_decref(files);
}

/* ---- loads ------------------------------------------------------------------ */

/* The flow must not load (with flags): errors and warnings exactly as
 * the case files errors_file / warnings_file say. */
static void check_load_refused(const struct flow_case *c, unsigned flags, const char *errors_file,
                               const char *warnings_file, const struct cf_vars *v)
{
    char abs[PATH_MAX];
    char display[300];
    struct octo_flow *f = NULL;
    struct octo_diags d;
    octo_error err;
    int rc;

    snprintf(abs, sizeof(abs), "%s/%s.yml", octo_config()->flows_path, c->name);
    snprintf(display, sizeof(display), "%s.yml", c->name);
    octo_diags_init(&d);
    memset(&err, 0, sizeof(err));
    rc = octo_flow_load(abs, display, flags, &f, &d, &err);
    {
        char *e = cf_lines_text(d.errors);
        char *w = cf_lines_text(d.warnings);

        dump_actual(c->name, "", errors_file, e, v);
        dump_actual(c->name, "", warnings_file, w, v);
        free(e);
        free(w);
    }
    if (rc == OCTO_OK) {
        octo_flow_unref(f);
        fail_msg("the flow loaded%s; %s expects it refused", flags ? " (strict)" : "", errors_file);
    }
    assert_int_equal(rc, OCTO_EINVAL);
    assert_null(f);
    compare_lines(c->dir, errors_file, d.errors, v);
    compare_lines(c->dir, warnings_file, d.warnings, v);
    /* the error the caller sees is the first of the list */
    assert_string_equal(err.msg, json_string_value(json_array_get(d.errors, 0)));
    octo_diags_free(&d);
}

/* ---- runs --------------------------------------------------------------------- */

static const char *status_name(int s)
{
    return octo_run_status_name(s);
}

/* expected_status: the status word, then optional "step: NAME" and
 * "steps_run: N" lines. Absent: success. */
static void check_status(const char *dir, const struct octo_run_result *r)
{
    char *text = case_file(dir, "expected_status");
    char word[32] = "success";
    char step[256] = "";
    long steps_run = -1;
    int has_step = 0;
    char *line;
    char *save = NULL;

    if (text != NULL) {
        int first = 1;

        for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
            if (first) {
                snprintf(word, sizeof(word), "%s", line);
                first = 0;
            } else if (strncmp(line, "step: ", 6) == 0) {
                snprintf(step, sizeof(step), "%s", line + 6);
                has_step = 1;
            } else if (strncmp(line, "steps_run: ", 11) == 0) {
                steps_run = strtol(line + 11, NULL, 10);
            } else {
                fail_msg("expected_status: unknown line \"%s\" (step: or steps_run:)", line);
            }
        }
        free(text);
    }
    if (strcmp(status_name(r->status), word) != 0) {
        fail_msg("the run ended %s (step \"%s\": %s), expected_status says %s",
                 status_name(r->status), r->step, r->message, word);
    }
    /* failed and cancelled follow from the status */
    assert_int_equal(r->failed, r->status == OCTO_RUN_FAILED || r->status == OCTO_RUN_CANCELLED ||
                                    r->status == OCTO_RUN_TIMEOUT);
    assert_int_equal(r->cancelled,
                     r->status == OCTO_RUN_CANCELLED || r->status == OCTO_RUN_TIMEOUT);
    /* a run that names a step must be expected to: nothing goes unchecked */
    if (r->step[0] != '\0' && !has_step) {
        fail_msg("the run names step \"%s\"; expected_status has no step: line", r->step);
    }
    if (has_step) {
        assert_string_equal(r->step, step);
    }
    if (steps_run >= 0) {
        assert_int_equal(r->steps_run, steps_run);
    }
}

static char *status_text(const struct octo_run_result *r)
{
    char buf[512];

    snprintf(buf, sizeof(buf), "%s\n%s%s%ssteps_run: %ld\n", status_name(r->status),
             r->step[0] ? "step: " : "", r->step, r->step[0] ? "\n" : "", r->steps_run);
    return strdup(buf);
}

/* Every file under the run's expected_files/ exists in DATA_PATH with
 * exactly those bytes (variables substituted). */
static void check_files(const char *run_dir, const struct cf_vars *v)
{
    char root[PATH_MAX];
    json_t *files;
    size_t i;
    json_t *rel;

    snprintf(root, sizeof(root), "%s/expected_files", run_dir);
    if (!cf_is_dir(root)) {
        return;
    }
    files = json_array();
    cf_walk_files(root, "", files);
    json_array_foreach(files, i, rel)
    {
        char epath[PATH_MAX];
        char apath[PATH_MAX];
        char what[PATH_MAX + 32];
        size_t alen = 0;
        char *raw;
        char *expected;
        char *actual;

        snprintf(epath, sizeof(epath), "%s/%s", root, json_string_value(rel));
        snprintf(apath, sizeof(apath), "%s/%s", v->data_path, json_string_value(rel));
        snprintf(what, sizeof(what), "expected_files/%s", json_string_value(rel));
        raw = cf_slurp(epath, NULL);
        assert_non_null(raw);
        expected = cf_subst(raw, v, what);
        actual = cf_slurp(apath, &alen);
        if (actual == NULL) {
            fail_msg("%s: the run wrote no %s", what, json_string_value(rel));
        }
        cf_compare_text(what, expected, strlen(expected), actual, alen);
        free(actual);
        free(expected);
        free(raw);
    }
    json_decref(files);
}

static void check_run(const struct flow_case *c, struct octo_flow *f, const char *run_dir,
                      const char *run_name)
{
    char path[PATH_MAX];
    struct octo_run_opts o;
    struct octo_run_result r;
    struct cf_vars v;
    json_t *input;
    json_error_t jerr;
    int capture = cf_has_file(run_dir, "expected_log.txt");
    char *log = NULL;

    if (run_name[0] != '\0') {
        print_message("    run %s/%s\n", c->name, run_name); /* names the run that fails */
    }
    snprintf(path, sizeof(path), "%s/input.json", run_dir);
    input = json_load_file(path, JSON_DECODE_ANY, &jerr);
    if (input == NULL) {
        fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
    }
    if (json_is_null(input)) {
        json_decref(input); /* null: a run without input */
        input = NULL;
    }
    if (capture) {
        octo_test_log_start();
    }
    memset(&o, 0, sizeof(o));
    o.input = input;
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    if (capture) {
        char *raw = octo_test_log_end();

        assert_non_null(raw);
        log = cf_mask_log_times(raw);
        free(raw);
    }
    json_decref(input);

    memset(&v, 0, sizeof(v));
    v.data_path = octo_config()->data_path;
    v.job_id = r.job_id[0] ? r.job_id : NULL;
    v.timestamp = json_string_value(json_object_get(r.data, "__timestamp__"));
    {
        char *d = dump_data(r.data);
        char *s = status_text(&r);
        char *m = NULL;

        dump_actual(c->name, run_name, "expected.json", d, &v);
        dump_actual(c->name, run_name, "expected_status", s, &v);
        if (r.message[0] != '\0') {
            size_t ml = strlen(r.message) + 2;

            m = malloc(ml);
            assert_non_null(m);
            snprintf(m, ml, "%s\n", r.message);
            dump_actual(c->name, run_name, "expected_error.txt", m, &v);
        }
        if (log != NULL) {
            dump_actual(c->name, run_name, "expected_log.txt", log, &v);
        }
        dump_actual_tree(c->name, run_name, &v);
        free(m);
        free(s);
        free(d);
    }

    check_status(run_dir, &r);
    /* the run's message: the failure, or an exit's words */
    {
        char *raw = case_file(run_dir, "expected_error.txt");

        if (raw == NULL) {
            if (r.message[0] != '\0') {
                fail_msg("the run says \"%s\"; there is no expected_error.txt", r.message);
            }
        } else {
            char *e = cf_subst(raw, &v, "expected_error.txt");
            size_t n = strlen(e);

            if (n > 0 && e[n - 1] == '\n') {
                e[--n] = '\0'; /* the file's final newline */
            }
            cf_compare_text("expected_error.txt", e, n, r.message, strlen(r.message));
            free(e);
            free(raw);
        }
    }
    /* the final data: the same JSON, keys in the same order */
    {
        char *raw = case_file(run_dir, "expected.json");
        char *e;
        json_t *ej;
        char *es;
        char *as;

        if (raw == NULL) {
            fail_msg("%s has no expected.json", run_dir);
        }
        e = cf_subst(raw, &v, "expected.json");
        ej = json_loads(e, JSON_DECODE_ANY, &jerr);
        if (ej == NULL) {
            fail_msg("%s/expected.json:%d: %s", run_dir, jerr.line, jerr.text);
        }
        es = dump_data(ej);
        as = dump_data(r.data);
        cf_compare_text("expected.json", es, strlen(es), as, strlen(as));
        assert_true(json_equal(ej, r.data));
        free(as);
        free(es);
        json_decref(ej);
        free(e);
        free(raw);
    }
    if (capture) {
        char *raw = case_file(run_dir, "expected_log.txt");
        char *e = cf_subst(raw, &v, "expected_log.txt");

        cf_compare_text("expected_log.txt", e, strlen(e), log, strlen(log));
        free(e);
        free(raw);
        free(log);
    }
    check_files(run_dir, &v);
    octo_run_result_free(&r);
}

/* ---- one case --------------------------------------------------------------- */

static void load_env(struct flow_case *c)
{
    char *text = case_file(c->dir, "env");
    json_t *lines;
    size_t i;
    json_t *l;

    if (text == NULL) {
        return;
    }
    lines = cf_lines_of(text);
    c->env = calloc(json_array_size(lines) + 1, sizeof(char *));
    assert_non_null(c->env);
    json_array_foreach(lines, i, l)
    {
        const char *s = json_string_value(l);

        if (strchr(s, '=') == NULL) {
            fail_msg("%s/env: \"%s\" is not KEY=VALUE", c->dir, s);
        }
        c->env[i] = strdup(s);
        assert_non_null(c->env[i]);
    }
    json_decref(lines);
    free(text);
}

static int case_setup(void **state)
{
    struct flow_case *c = *state;
    char path[PATH_MAX];
    const char *data;
    size_t i;

    data = octo_test_setup_data(); /* unsets the path variables: env comes after */
    for (i = 0; c->env != NULL && c->env[i] != NULL; i++) {
        struct cf_vars v = {data, NULL, NULL};
        char *eq = strchr(c->env[i], '=');
        char *value;

        *eq = '\0';
        value = cf_subst(eq + 1, &v, "env"); /* ${DATA_PATH} */
        setenv(c->env[i], value, 1);
        free(value);
        *eq = '=';
    }
    snprintf(path, sizeof(path), "%s/files", c->dir);
    if (cf_is_dir(path)) {
        cf_copy_tree(path, data);
    }
    {
        size_t len = 0;
        char *flow;

        snprintf(path, sizeof(path), "%s/flow.yml", c->dir);
        flow = cf_slurp(path, &len);
        assert_non_null(flow);
        snprintf(path, sizeof(path), "%s/flows/%s.yml", data, c->name);
        cf_write_file(path, flow, len);
        free(flow);
    }
    octo_test_core_init();
    {
        char *text = case_file(c->dir, "redact.txt");

        if (text != NULL) {
            json_t *lines = cf_lines_of(text);
            json_t *l;

            json_array_foreach(lines, i, l)
            {
                assert_int_equal(octo_redact_add(json_string_value(l)), 0);
            }
            json_decref(lines);
            free(text);
        }
    }
    return 0;
}

static int case_teardown(void **state)
{
    struct flow_case *c = *state;
    size_t i;

    octo_redact_clear();
    octo_test_core_shutdown();
    octo_test_cleanup_data();
    for (i = 0; c->env != NULL && c->env[i] != NULL; i++) {
        char *eq = strchr(c->env[i], '=');

        *eq = '\0';
        unsetenv(c->env[i]);
        *eq = '=';
    }
    return 0;
}

static void run_case(void **state)
{
    const struct flow_case *c = *state;
    struct cf_vars v;
    int refused = cf_has_file(c->dir, "expected_errors.txt");
    int strict = cf_has_file(c->dir, "expected_errors_strict.txt");
    int checked = 0;

    memset(&v, 0, sizeof(v));
    v.data_path = octo_config()->data_path;
    if (refused && (cf_has_file(c->dir, "input.json") || cf_has_file(c->dir, "expected.json"))) {
        fail_msg("a case whose flow is refused (expected_errors.txt) cannot run it");
    }
    if (refused) {
        check_load_refused(c, 0, "expected_errors.txt", "expected_warnings.txt", &v);
        checked++;
    }
    if (strict) {
        check_load_refused(c, OCTO_FLOW_STRICT, "expected_errors_strict.txt",
                           "expected_warnings_strict.txt", &v);
        checked++;
    }
    if (!refused) {
        struct octo_flow *f = NULL;
        struct octo_diags d;
        octo_error err;
        char rel[300];
        size_t n = 0;
        size_t i;
        char **names;

        /* loaded as a run loads it: through the flow cache */
        snprintf(rel, sizeof(rel), "%s.yml", c->name);
        octo_diags_init(&d);
        memset(&err, 0, sizeof(err));
        if (octo_flow_get(rel, &f, &d, &err) != OCTO_OK) {
            char *e = cf_lines_text(d.errors);

            dump_actual(c->name, "", "expected_errors.txt", e, &v);
            free(e);
            fail_msg("the flow does not load: %s", err.msg);
        }
        {
            char *w = cf_lines_text(d.warnings);

            dump_actual(c->name, "", "expected_warnings.txt", w, &v);
            free(w);
        }
        if (cf_has_file(c->dir, "input.json")) {
            check_run(c, f, c->dir, "");
            checked++;
        } else {
            /* several runs of the one flow: the sub-folders with an input */
            names = cf_list_dir(c->dir, &n);
            for (i = 0; i < n; i++) {
                char sub[PATH_MAX];

                snprintf(sub, sizeof(sub), "%s/%s", c->dir, names[i]);
                if (cf_is_dir(sub) && cf_has_file(sub, "input.json")) {
                    check_run(c, f, sub, names[i]);
                    checked++;
                }
            }
            cf_free_names(names, n);
        }
        /* after the runs, so that OCTO_FLOW_CASES_ACTUAL shows them too */
        compare_lines(c->dir, "expected_warnings.txt", d.warnings, &v);
        /* the flow carries the same warnings */
        assert_true(json_equal(d.warnings, f->warnings));
        if (cf_has_file(c->dir, "expected_warnings.txt")) {
            checked++;
        }
        octo_diags_free(&d);
        octo_flow_unref(f);
    }
    {
        json_t *files = data_tree();
        char *t = cf_lines_text(files);

        dump_actual(c->name, "", "expected_tree.txt", t, &v);
        free(t);
        json_decref(files);
    }
    if (cf_has_file(c->dir, "expected_tree.txt")) {
        json_t *files = data_tree();

        compare_lines(c->dir, "expected_tree.txt", files, &v);
        json_decref(files);
        checked++;
    }
    if (checked == 0) {
        fail_msg("the case checks nothing: no input.json, runs, expected_errors.txt or "
                 "expected_warnings.txt");
    }
}

int main(int argc, char **argv)
{
    char dir[PATH_MAX];
    const char *filter = argc > 2 ? argv[2] : NULL;
    const char *cases_dir = argc > 1 ? argv[1] : NULL;
    struct CMUnitTest *tests;
    struct flow_case *cases;
    size_t n;
    size_t i;
    size_t nt = 0;
    char **names;
    int rc;

    if (argc == 2 && !cf_is_dir(argv[1])) {
        filter = argv[1]; /* test_flow_cases NAME_SUBSTRING */
        cases_dir = NULL;
    }
    snprintf(dir, sizeof(dir), "%s",
             cases_dir != NULL ? cases_dir : OCTO_TEST_SOURCE_DIR "/tests/flows");
    names = cf_list_dir(dir, &n);
    tests = calloc(n + 1, sizeof(*tests));
    cases = calloc(n + 1, sizeof(*cases));
    if (tests == NULL || cases == NULL) {
        return 1;
    }
    for (i = 0; i < n; i++) {
        struct flow_case *c = &cases[nt];

        snprintf(c->dir, sizeof(c->dir), "%s/%s", dir, names[i]);
        if (!cf_is_dir(c->dir) || (filter != NULL && strstr(names[i], filter) == NULL)) {
            continue;
        }
        if (!cf_has_file(c->dir, "flow.yml")) {
            fprintf(stderr, "%s: a case folder without flow.yml\n", c->dir);
            return 1;
        }
        snprintf(c->name, sizeof(c->name), "%s", names[i]);
        load_env(c);
        tests[nt].name = c->name;
        tests[nt].test_func = run_case;
        tests[nt].setup_func = case_setup;
        tests[nt].teardown_func = case_teardown;
        tests[nt].initial_state = c;
        nt++;
    }
    cf_free_names(names, n);
    if (nt == 0) {
        fprintf(stderr, "no flow cases under %s%s%s\n", dir, filter ? " matching " : "",
                filter ? filter : "");
        return 1;
    }
    rc = _cmocka_run_group_tests("flow_cases", tests, nt, NULL, NULL);
    for (i = 0; i < nt; i++) {
        size_t k;

        for (k = 0; cases[i].env != NULL && cases[i].env[k] != NULL; k++) {
            free(cases[i].env[k]);
        }
        free(cases[i].env);
    }
    free(cases);
    free(tests);
    return rc;
}
