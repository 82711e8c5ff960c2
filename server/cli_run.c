/* cli_run.c - `octoflow run` and `octoflow validate`. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <octoflow/core.h>

#include "buf.h"
#include "cli.h"
#include "pyjson.h"
#include "redact.h"

static struct octo_cancel g_cancel;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&g_cancel.flag, 1);
}

static int init_core(const char *exe_dir, int log_to_file, int pool, int level, int *exit_code)
{
    struct octo_core_opts o;
    octo_error err;

    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    o.exe_dir = exe_dir;
    o.log_to_file = log_to_file;
    o.start_pool = pool;
    o.load_plugins = 1;
    o.log_level = level;
    if (octo_core_init(&o, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow: %s\n", err.msg);
        *exit_code = OCTO_EXIT_USAGE;
        return -1;
    }
    return 0;
}

static void print_diags(const struct octo_diags *d, FILE *fp)
{
    size_t i;
    json_t *m;

    json_array_foreach(d->errors, i, m) {
        fprintf(fp, "error: %s\n", json_string_value(m));
    }
    json_array_foreach(d->warnings, i, m) {
        fprintf(fp, "warning: %s\n", json_string_value(m));
    }
}

/* --data JSON or --data @FILE into *out (new). */
static int parse_data(const char *arg, json_t **out)
{
    json_error_t je;

    if (arg[0] == '@') {
        *out = json_load_file(arg + 1, JSON_DECODE_ANY, &je);
        if (*out == NULL) {
            fprintf(stderr, "octoflow run: --data %s: %s (line %d)\n", arg, je.text, je.line);
            return -1;
        }
        return 0;
    }
    *out = json_loads(arg, JSON_DECODE_ANY, &je);
    if (*out == NULL) {
        fprintf(stderr, "octoflow run: --data is not valid JSON: %s (column %d)\n", je.text,
                je.column);
        return -1;
    }
    return 0;
}

int octo_cmd_run(int argc, char **argv, const char *exe_dir)
{
    const char *flow_arg = NULL;
    const char *data_arg = NULL;
    double timeout = 0;
    json_t *input = NULL;
    struct octo_flow *f = NULL;
    struct octo_diags diags;
    struct octo_run_opts ro;
    struct octo_run_result rr;
    struct octo_buf out = OCTO_BUF_INIT;
    octo_error err;
    json_t *shown;
    int code = OCTO_EXIT_USAGE;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data_arg = argv[++i];
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            data_arg = argv[i] + 7;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            timeout = atof(argv[++i]);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "octoflow run: unknown option %s\n", argv[i]);
            return OCTO_EXIT_USAGE;
        } else if (flow_arg == NULL) {
            flow_arg = argv[i];
        } else {
            fprintf(stderr, "octoflow run: one flow at a time\n");
            return OCTO_EXIT_USAGE;
        }
    }
    if (flow_arg == NULL) {
        fprintf(stderr, "usage: octoflow run FLOW [--data JSON | --data @FILE] [--timeout S]\n");
        return OCTO_EXIT_USAGE;
    }
    if (data_arg != NULL && parse_data(data_arg, &input) != 0) {
        return OCTO_EXIT_USAGE;
    }
    if (init_core(exe_dir, 1, 1, 0, &code) != 0) {
        json_decref(input);
        return code;
    }
    memset(&err, 0, sizeof(err));
    octo_diags_init(&diags);
    if (octo_flow_open_arg(flow_arg, 0, &f, &diags, &err) != OCTO_OK) {
        if (json_array_size(diags.errors) == 0) {
            fprintf(stderr, "error: %s\n", err.msg);
        }
        print_diags(&diags, stderr);
        code = OCTO_EXIT_USAGE;
        goto out;
    }
    print_diags(&diags, stderr);
    if (octo_lock_acquire(f->abs_path, f->file_name, &err) != OCTO_OK) {
        fprintf(stderr, "octoflow run: %s\n", err.msg);
        code = err.code == OCTO_EACCES ? OCTO_EXIT_LOCKED : OCTO_EXIT_USAGE;
        goto out;
    }
    octo_cancel_init(&g_cancel, timeout);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    memset(&ro, 0, sizeof(ro));
    ro.input = input;
    ro.cancel = &g_cancel;
    octo_run_flow(f, &ro, &rr);
    octo_lock_release(f->abs_path, f->file_name);
    shown = octo_redact_json(rr.data);
    octo_pyjson_dump(shown, OCTO_JSON_INDENT(2) | OCTO_JSON_UNICODE, &out);
    json_decref(shown);
    printf("%s\n", octo_buf_cstr(&out));
    octo_buf_free(&out);
    if (rr.failed) {
        fprintf(stderr, "octoflow run: flow failed: %s: %s\n", rr.step, rr.message);
    }
    code = rr.failed ? OCTO_EXIT_FAILED : OCTO_EXIT_OK;
    octo_run_result_free(&rr);
out:
    octo_flow_unref(f);
    octo_diags_free(&diags);
    json_decref(input);
    octo_core_shutdown();
    return code;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s);
    size_t b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect *.yml / *.yaml under dir (relative names), recursively. */
static void collect(const char *dir, const char *rel, char ***names, size_t *n, size_t *cap,
                    int depth)
{
    DIR *d;
    struct dirent *de;

    if (depth > 16 || (d = opendir(dir)) == NULL) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        char abs[4096];
        char r[4096];
        struct stat st;

        if (de->d_name[0] == '.') {
            continue;
        }
        snprintf(abs, sizeof(abs), "%s/%s", dir, de->d_name);
        snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        if (stat(abs, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            collect(abs, r, names, n, cap, depth + 1);
        } else if (ends_with(de->d_name, ".yml") || ends_with(de->d_name, ".yaml")) {
            if (*n == *cap) {
                char **nn = realloc(*names, (*cap ? *cap * 2 : 32) * sizeof(*nn));

                if (nn == NULL) {
                    break;
                }
                *names = nn;
                *cap = *cap ? *cap * 2 : 32;
            }
            (*names)[(*n)++] = strdup(r);
        }
    }
    closedir(d);
}

int octo_cmd_validate(int argc, char **argv, const char *exe_dir)
{
    char **names = NULL;
    size_t n = 0;
    size_t cap = 0;
    size_t i;
    unsigned flags = 0;
    int bad = 0;
    int code = OCTO_EXIT_USAGE;
    int k;

    for (k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--strict") == 0) {
            flags |= OCTO_FLOW_STRICT;
        } else if (argv[k][0] == '-' && argv[k][1] != '\0') {
            fprintf(stderr, "octoflow validate: unknown option %s\n", argv[k]);
            return OCTO_EXIT_USAGE;
        }
    }
    if (init_core(exe_dir, 0, 0, OCTO_LOG_ERROR, &code) != 0) {
        return code;
    }
    for (k = 1; k < argc; k++) {
        if (argv[k][0] != '-' || argv[k][1] == '\0') {
            if (n == cap) {
                char **nn = realloc(names, (cap ? cap * 2 : 16) * sizeof(*nn));

                if (nn == NULL) {
                    break;
                }
                names = nn;
                cap = cap ? cap * 2 : 16;
            }
            names[n++] = strdup(argv[k]);
        }
    }
    if (n == 0) {
        collect(octo_config()->flows_path, "", &names, &n, &cap, 0);
        if (n > 0) {
            qsort(names, n, sizeof(*names), str_cmp);
        }
    }
    for (i = 0; i < n; i++) {
        struct octo_flow *f = NULL;
        struct octo_diags d;
        octo_error err;

        memset(&err, 0, sizeof(err));
        octo_diags_init(&d);
        if (octo_flow_open_arg(names[i], flags, &f, &d, &err) != OCTO_OK) {
            if (json_array_size(d.errors) == 0) {
                printf("error: %s\n", err.msg);
            }
            bad++;
        }
        print_diags(&d, stdout);
        printf("%s: %s (%zu warning%s)\n", names[i], f != NULL ? "valid" : "INVALID",
               json_array_size(d.warnings), json_array_size(d.warnings) == 1 ? "" : "s");
        octo_flow_unref(f);
        octo_diags_free(&d);
        free(names[i]);
    }
    free(names);
    printf("%zu flow%s checked, %d invalid\n", n, n == 1 ? "" : "s", bad);
    octo_core_shutdown();
    return bad > 0 ? OCTO_EXIT_FAILED : OCTO_EXIT_OK;
}
