/* test_abi_layout.c - the layout lock of the step ABI.
 *
 * Every public struct of octoflow/octo_step.h is checked at COMPILE time:
 * the offset of every 1.0 member, and the 1.0 size. Inserting, removing,
 * reordering or retyping a member breaks the build here; appending a new
 * member (the allowed way to grow, "since 1.N") does not, because the live
 * header is only required to be at least as large as 1.0. Built twice:
 *   test_abi_layout      the live header (sdk/include)
 *   test_abi_layout_10   the frozen 1.0 copy (tests/abi/sdk-1.0): exact sizes
 * The numbers are those of the LP64 ABI (x86_64, aarch64), which is what
 * Octoflow is built for (Debian 12 amd64/arm64). Constants that plugins
 * compile in (status codes, enum values, flag bits) are locked too.
 * At run time the test prints the layout and repeats the checks with
 * cmocka so a failure also reads as a test failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <octoflow/octo_step.h>

#if !defined(__LP64__) || __SIZEOF_POINTER__ != 8
#error "the layout lock is written for LP64 targets"
#endif

#ifdef OCTO_LAYOUT_FROZEN_1_0
#define SIZE_1_0(type, n) _Static_assert(sizeof(type) == (n), #type ": 1.0 size changed")
#else
/* the live header may only have grown (appended members) */
#define SIZE_1_0(type, n) _Static_assert(sizeof(type) >= (n), #type ": shrank below its 1.0 size")
#endif
#define AT(type, member, off)                                                                      \
    _Static_assert(offsetof(type, member) == (off), #type "." #member " moved: append new "        \
                                                          "members at the end, never insert")
#define WIDTH(type, member, n)                                                                     \
    _Static_assert(sizeof(((type *)0)->member) == (n), #type "." #member " changed type")

/* ---- octo_error: frozen for the whole major ----------------------------- */
AT(octo_error, code, 0);
AT(octo_error, http_status, 4);
AT(octo_error, field, 8);
AT(octo_error, msg, 136);
AT(octo_error, detail, 648);
#ifdef OCTO_LAYOUT_FROZEN_1_0
AT(octo_error, reserved, 2696);
WIDTH(octo_error, reserved, 32);
#else
/* 1.1 grew into reserved[] in place: its first two words */
AT(octo_error, retry_after_ms, 2696);
AT(octo_error, detail_is_object, 2700);
AT(octo_error, reserved, 2704);
WIDTH(octo_error, retry_after_ms, 4);
WIDTH(octo_error, detail_is_object, 4);
WIDTH(octo_error, reserved, 24);
#endif
WIDTH(octo_error, field, 128);
WIDTH(octo_error, msg, 512);
WIDTH(octo_error, detail, 2048);
_Static_assert(sizeof(octo_error) == 2728, "octo_error is frozen for the major: use reserved[]");

/* ---- octo_host: frozen header, then 1.0 members ------------------------- */
AT(octo_host, struct_size, 0);
AT(octo_host, abi_major, 4);
AT(octo_host, abi_minor, 6);
WIDTH(octo_host, struct_size, 4);
WIDTH(octo_host, abi_major, 2);
WIDTH(octo_host, abi_minor, 2);
AT(octo_host, core_version, 8);
AT(octo_host, log, 16);
AT(octo_host, error_set, 24);
AT(octo_host, strerror, 32);
AT(octo_host, alloc, 40);
AT(octo_host, free, 48);
AT(octo_host, template_compile, 56);
AT(octo_host, template_load, 64);
AT(octo_host, template_render, 72);
AT(octo_host, template_free, 80);
AT(octo_host, jq_compile, 88);
AT(octo_host, jq_run, 96);
AT(octo_host, jq_free, 104);
AT(octo_host, secret_get, 112);
AT(octo_host, data_get, 120);
AT(octo_host, path_resolve, 128);
AT(octo_host, flow_run, 136);
AT(octo_host, flow_run_each, 144);
AT(octo_host, cancelled, 152);
AT(octo_host, yaml_load, 160);
AT(octo_host, yaml_dump, 168);
AT(octo_host, json_dump, 176);
AT(octo_host, value_text, 184);
SIZE_1_0(octo_host, 192);
#ifndef OCTO_LAYOUT_FROZEN_1_0
/* 1.1: appended after the 1.0 members */
AT(octo_host, error_detail, 192);
AT(octo_host, control, 200);
AT(octo_host, sleep, 208);
AT(octo_host, flow_run2, 216);
AT(octo_host, run_nested, 224);
AT(octo_host, regex_compile, 232);
AT(octo_host, regex_match, 240);
AT(octo_host, regex_free, 248);
#endif

/* ---- octo_option (versioned by octo_step_type.option_size) -------------- */
AT(octo_option, name, 0);
AT(octo_option, type, 8);
AT(octo_option, flags, 12);
AT(octo_option, def, 16);
AT(octo_option, values, 24);
AT(octo_option, summary, 32);
AT(octo_option, replaced_by, 40);
WIDTH(octo_option, type, 4);
WIDTH(octo_option, flags, 4);
SIZE_1_0(octo_option, 48);

/* ---- octo_run_args ------------------------------------------------------ */
AT(octo_run_args, struct_size, 0);
AT(octo_run_args, options, 8);
AT(octo_run_args, input, 16);
AT(octo_run_args, step_name, 24);
SIZE_1_0(octo_run_args, 32);
#ifndef OCTO_LAYOUT_FROZEN_1_0
AT(octo_run_args, paths, 32); /* 1.1 */
#endif

/* ---- octo_step_type ----------------------------------------------------- */
AT(octo_step_type, struct_size, 0);
AT(octo_step_type, flags, 4);
AT(octo_step_type, name, 8);
AT(octo_step_type, summary, 16);
AT(octo_step_type, doc, 24);
AT(octo_step_type, options, 32);
AT(octo_step_type, option_size, 40);
AT(octo_step_type, prepare, 48);
AT(octo_step_type, run, 56);
AT(octo_step_type, destroy, 64);
AT(octo_step_type, aliases, 72);
AT(octo_step_type, block_aliases, 80);
WIDTH(octo_step_type, option_size, 4);
SIZE_1_0(octo_step_type, 88);

/* ---- octo_plugin: frozen header, then 1.0 members ----------------------- */
AT(octo_plugin, struct_size, 0);
AT(octo_plugin, abi_major, 4);
AT(octo_plugin, abi_minor, 6);
WIDTH(octo_plugin, abi_major, 2);
WIDTH(octo_plugin, abi_minor, 2);
AT(octo_plugin, name, 8);
AT(octo_plugin, version, 16);
AT(octo_plugin, steps, 24);
SIZE_1_0(octo_plugin, 32);

/* ---- constants compiled into plugins ------------------------------------ */
_Static_assert(OCTO_ABI_MAJOR == 1, "a new major needs a new frozen header and layout lock");
_Static_assert(OCTO_OK == 0, "status");
_Static_assert(OCTO_EINVAL == -EINVAL && OCTO_ENOMEM == -ENOMEM && OCTO_ENOENT == -ENOENT &&
                   OCTO_EIO == -EIO && OCTO_EACCES == -EACCES && OCTO_ETIMEDOUT == -ETIMEDOUT &&
                   OCTO_ECANCELED == -ECANCELED,
               "errno-based status codes");
_Static_assert(OCTO_ETEMPLATE == -4000 && OCTO_EJQ == -4001 && OCTO_EHTTP == -4002 &&
                   OCTO_EABI == -4003 && OCTO_EPATH == -4004 && OCTO_ESECRET == -4005 &&
                   OCTO_ENETWORK == -4006 && OCTO_ESUBFLOW == -4007 && OCTO_EINTERNAL == -4008 &&
                   OCTO_ENOTSUP == -4009,
               "Octoflow status codes");
_Static_assert(OCTO_ERROR_FIELD_LEN == 128 && OCTO_ERROR_MSG_LEN == 512 &&
                   OCTO_ERROR_DETAIL_LEN == 2048,
               "octo_error buffer sizes");
_Static_assert(OCTO_LOG_ERROR == 1 && OCTO_LOG_WARN == 2 && OCTO_LOG_INFO == 3 &&
                   OCTO_LOG_DEBUG == 4,
               "log levels");
_Static_assert(OCTO_ROOT_DATA == 1 && OCTO_ROOT_TEMPLATES == 2 && OCTO_ROOT_FLOWS == 3, "roots");
_Static_assert(OCTO_JQ_SINGLE == 0 && OCTO_JQ_FIRST == 1 && OCTO_JQ_ALL == 2, "jq modes");
_Static_assert(OCTO_PATH_WRITE == 1u, "path flags");
_Static_assert(OCTO_JSON_SORT_KEYS == 1u && OCTO_JSON_UNICODE == 2u && OCTO_JSON_COMPACT == 4u &&
                   OCTO_JSON_INDENT(4) == 0x400u,
               "json_dump flags");
_Static_assert(OCTO_YAML_UNICODE == 1u && OCTO_YAML_FLOW_LEAVES == 2u && OCTO_YAML_NO_SORT == 4u &&
                   OCTO_YAML_INDENT(4) == 0x400u,
               "yaml_dump flags");
_Static_assert(OCTO_OPT_STRING == 1 && OCTO_OPT_INT == 2 && OCTO_OPT_NUMBER == 3 &&
                   OCTO_OPT_BOOL == 4 && OCTO_OPT_ENUM == 5 && OCTO_OPT_OBJECT == 6 &&
                   OCTO_OPT_ARRAY == 7 && OCTO_OPT_ANY == 8,
               "option types");
_Static_assert(OCTO_OPT_REQUIRED == (1u << 0) && OCTO_OPT_TEMPLATE == (1u << 1) &&
                   OCTO_OPT_PATH_DATA == (1u << 2) && OCTO_OPT_PATH_TPL == (1u << 3) &&
                   OCTO_OPT_PATH_FLOWS == (1u << 4) && OCTO_OPT_DATA_KEY == (1u << 5) &&
                   OCTO_OPT_SECRET == (1u << 6) && OCTO_OPT_JQ == (1u << 7) &&
                   OCTO_OPT_DEPRECATED == (1u << 8) && OCTO_OPT_NOCASE == (1u << 9) &&
                   OCTO_OPT_INPUT_NEEDED == (1u << 10),
               "option flags");
_Static_assert(OCTO_STEP_PURE == 1u, "step flags");
#ifndef OCTO_LAYOUT_FROZEN_1_0
/* 1.1 constants */
_Static_assert(OCTO_OPT_STEP_NAME == (1u << 11) && OCTO_OPT_NESTED_STEPS == (1u << 12),
               "1.1 option flags");
_Static_assert(OCTO_STEP_NO_RESULT == (1u << 1), "1.1 step flags");
_Static_assert(OCTO_CONTROL_GOTO == 1 && OCTO_CONTROL_EXIT == 2, "control results");
_Static_assert(OCTO_REGEX_IGNORECASE == 1u && OCTO_REGEX_MULTILINE == 2u &&
                   OCTO_REGEX_DOTALL == 4u && OCTO_REGEX_MATCH == 0 && OCTO_REGEX_SEARCH == 1,
               "regex flags and modes");
#endif

/* ---- run time: the same facts, reported by cmocka ------------------------ */

static void test_layout(void **state)
{
    (void)state;
    print_message("octo_error %zu, octo_host %zu, octo_option %zu, octo_run_args %zu, "
                  "octo_step_type %zu, octo_plugin %zu (%s header)\n",
                  sizeof(octo_error), sizeof(octo_host), sizeof(octo_option), sizeof(octo_run_args),
                  sizeof(octo_step_type), sizeof(octo_plugin),
#ifdef OCTO_LAYOUT_FROZEN_1_0
                  "frozen 1.0"
#else
                  "live"
#endif
    );
    assert_int_equal(sizeof(octo_error), 2728);
    assert_int_equal(offsetof(octo_host, value_text), 184);
    assert_int_equal(offsetof(octo_step_type, block_aliases), 80);
    assert_int_equal(offsetof(octo_plugin, steps), 24);
#ifdef OCTO_LAYOUT_FROZEN_1_0
    assert_int_equal(sizeof(octo_host), 192);
    assert_int_equal(sizeof(octo_step_type), 88);
    assert_int_equal(sizeof(octo_plugin), 32);
    assert_int_equal(sizeof(octo_option), 48);
    assert_int_equal(sizeof(octo_run_args), 32);
    assert_int_equal(OCTO_ABI_MINOR, 0);
#else
    assert_true(sizeof(octo_host) >= 192);
#endif
}

/* OCTO_HOST_HAS reads only what the running core provides */
static void test_host_has(void **state)
{
    octo_host h;

    (void)state;
    memset(&h, 0, sizeof(h));
    h.struct_size = (uint32_t)offsetof(octo_host, value_text); /* a core without value_text */
    h.json_dump = (int (*)(json_t *, unsigned, char **, octo_error *))1;
    h.value_text = (int (*)(json_t *, char **, octo_error *))1;
    assert_true(OCTO_HOST_HAS(&h, json_dump));
    assert_false(OCTO_HOST_HAS(&h, value_text));
    h.struct_size = sizeof(octo_host);
    assert_true(OCTO_HOST_HAS(&h, value_text));
    h.value_text = NULL;
    assert_false(OCTO_HOST_HAS(&h, value_text));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_host_has),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
