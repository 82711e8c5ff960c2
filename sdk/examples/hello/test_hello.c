/* test_hello.c - a unit test of the hello plugin on the SDK's mock host:
 * no core, no flow file, no service. The plugin's source is compiled
 * into the test, whose octo_plugin_entry is then a plain function.
 *
 *   PKG_CONFIG_PATH=<prefix>/lib/pkgconfig make check
 *   (or with CMake: cmake --build build && ctest --test-dir build)
 */
#include <stdio.h>
#include <string.h>

#include <octoflow/octo_mock_host.h>

static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* Run hello with options (JSON text) on flow data (JSON text). */
static int run(octo_mock *m, const octo_step_type *t, const char *options, const char *data,
               json_t **out, octo_error *err)
{
    json_t *o = json_loads(options, 0, NULL);
    json_t *d = json_loads(data, 0, NULL);
    int rc;

    memset(err, 0, sizeof(*err));
    octo_mock_set_data(m, d); /* the mock keeps its own reference */
    rc = octo_mock_run_step(m, t, o, out, err);
    json_decref(o);
    json_decref(d);
    return rc;
}

int main(void)
{
    octo_mock *m = octo_mock_new();
    const octo_step_type *t = NULL;
    json_t *out = NULL;
    octo_error err;

    memset(&err, 0, sizeof(err));
    CHECK(octo_mock_load(m, octo_plugin_entry, "hello", &t, &err) == OCTO_OK);
    if (t == NULL) {
        fprintf(stderr, "cannot load hello: %s\n", err.msg);
        return 1;
    }

    /* the default greeting, the input from data_key, the log line */
    CHECK(run(m, t, "{\"data_key\": \"who\"}", "{\"who\": \"world\"}", &out, &err) == OCTO_OK);
    CHECK(json_is_string(out) && strcmp(json_string_value(out), "Hello, world!") == 0);
    CHECK(octo_mock_log_find(m, "-> Hello, world!") >= 0);
    json_decref(out);

    CHECK(run(m, t, "{\"data_key\": \"who\", \"greeting\": \"Hi\"}", "{\"who\": \"you\"}", &out,
              &err) == OCTO_OK);
    CHECK(json_is_string(out) && strcmp(json_string_value(out), "Hi, you!") == 0);
    json_decref(out);

    /* errors name the option they are about */
    CHECK(run(m, t, "{\"data_key\": \"who\"}", "{\"who\": 42}", &out, &err) == OCTO_EINVAL);
    CHECK(out == NULL && strcmp(err.field, "data_key") == 0);
    CHECK(strcmp(err.msg, "the input must be a string") == 0);
    CHECK(run(m, t, "{\"data_key\": \"who\"}", "{}", &out, &err) == OCTO_EINVAL); /* INPUT_NEEDED */
    CHECK(run(m, t, "{}", "{}", &out, &err) == OCTO_EINVAL); /* data_key is REQUIRED */
    CHECK(strcmp(err.field, "data_key") == 0);

    octo_mock_free(m);
    if (failures > 0) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok: hello passes its unit test on the mock host\n");
    return 0;
}
