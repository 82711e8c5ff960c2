/* test_control_steps.c - goto, switch, set_fact, sleep, exit and
 * on_error_goto through the real core and plugins: the executed-step cap
 * (MAX_STEPS_PER_RUN, set to 200 here, and a flow's max_steps), goto
 * targets (__end__, __start__, __exit__, __exit, names, templated names,
 * unknown ones at load and at run time), outputs with a goto key staying
 * data, on_error_goto (the flow can still succeed; an ignored error never
 * re-executes a jump - the original's infinite loop), exit at top level,
 * in a loop item and in a sub-flow, the switch's matching and its nested
 * steps, set_fact's string and typed values, sleep and a deadline. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
    setenv("MAX_STEPS_PER_RUN", "200", 1);
    return octo_test_group_setup(state);
}

static int teardown(void **state)
{
    unsetenv("MAX_STEPS_PER_RUN");
    return octo_test_group_teardown(state);
}

static json_t *errors_of(const struct octo_run_result *r)
{
    return json_object_get(r->data, "__errors__");
}

static const char *error_message(const struct octo_run_result *r, size_t i)
{
    return json_string_value(octo_test_get(json_array_get(errors_of(r), i), "error.message"));
}

/* ---- the executed-step cap ------------------------------------------------ */

static void test_goto_loop_hits_max_steps_per_run(void **state)
{
    struct octo_run_result r;

    (void)state;
    r = octo_test_run_text("cap.yml",
                           "name: cap\n"
                           "steps:\n"
                           "- {name: a, type: set_fact, set_fact: {value: x}}\n"
                           "- {name: back, type: goto, goto: {step_name: a}}\n",
                           NULL);
    assert_true(r.failed);
    assert_int_equal(r.status, OCTO_RUN_FAILED);
    assert_int_equal(r.steps_run, 201);
    assert_string_equal(r.message,
                        "the run executed 200 steps, the limit (MAX_STEPS_PER_RUN): a goto loop?");
    assert_int_equal(json_array_size(errors_of(&r)), 1);
    assert_string_equal(error_message(&r, 0), r.message);
    octo_run_result_free(&r);
}

static void test_flow_max_steps(void **state)
{
    struct octo_run_result r;

    (void)state;
    r = octo_test_run_text("cap7.yml",
                           "name: cap7\n"
                           "max_steps: 7\n"
                           "steps:\n"
                           "- {name: a, type: goto, goto: {step_name: __start__}}\n",
                           NULL);
    assert_true(r.failed);
    assert_int_equal(r.steps_run, 8);
    assert_string_equal(r.message,
                        "the run executed 7 steps, the limit (the flow's max_steps): a goto loop?");
    octo_run_result_free(&r);
    /* a loop that ends below the cap: __start__ with a counter */
    r = octo_test_run_text("count.yml",
                           "name: count\n"
                           "max_steps: 9\n"
                           "steps:\n"
                           "- name: n\n"
                           "  type: set_fact\n"
                           "  set_fact: {value: \"{{ (n | default('0') | int) + 1 }}\"}\n"
                           "- name: again\n"
                           "  type: goto\n"
                           "  when: n | int < 3\n"
                           "  goto: {step_name: __start__}\n",
                           NULL);
    assert_false(r.failed);
    assert_int_equal(r.status, OCTO_RUN_SUCCESS);
    assert_string_equal(json_string_value(json_object_get(r.data, "n")), "3");
    assert_int_equal(r.steps_run, 6);
    assert_null(json_object_get(r.data, "again")); /* a goto stores nothing */
    octo_run_result_free(&r);
    /* max_steps must be a positive number of steps */
    {
        char msg[512];

        octo_test_write("flows/capbad.yml", "name: b\nmax_steps: 0\nsteps: []\n");
        assert_int_not_equal(octo_test_load_flow("capbad.yml", 0, msg, sizeof(msg), NULL, 0),
                             OCTO_OK);
        octo_test_assert_contains(msg, "capbad.yml:2: max_steps: must be a number of steps");
    }
}

/* ---- goto targets ------------------------------------------------------------ */

static void test_goto_targets(void **state)
{
    struct octo_run_result r;
    json_t *in = json_pack("{s:s}", "to", "third");
    char msg[512];

    (void)state;
    r = octo_test_run_text("g1.yml",
                           "name: g1\n"
                           "steps:\n"
                           "- name: jump\n"
                           "  type: goto\n"
                           "  result_key: ignored\n"
                           "  jq_expression: '{x: 1}'\n"
                           "  goto: {step_name: \"{{ __input__.to }}\"}\n"
                           "- {name: second, type: set_fact, set_fact: {value: no}}\n"
                           "- {name: third, type: set_fact, set_fact: {value: ok}}\n"
                           "- {name: end, type: goto, goto: {step_name: __end__}}\n"
                           "- {name: after_end, type: set_fact, set_fact: {value: no}}\n",
                           in);
    assert_int_equal(r.status, OCTO_RUN_SUCCESS);
    assert_null(json_object_get(r.data, "second"));
    assert_string_equal(json_string_value(json_object_get(r.data, "third")), "ok");
    assert_null(json_object_get(r.data, "after_end"));
    assert_null(json_object_get(r.data, "ignored")); /* NO_RESULT: no result_key, no jq */
    assert_null(json_object_get(r.data, "jump"));
    octo_run_result_free(&r);

    /* __exit__ and the original's __exit end with status exit */
    r = octo_test_run_text("g2.yml",
                           "name: g2\n"
                           "steps:\n"
                           "- {name: out, type: goto, goto: {step_name: __exit__}}\n"
                           "- {name: never, type: set_fact, set_fact: {value: no}}\n",
                           NULL);
    assert_int_equal(r.status, OCTO_RUN_EXIT);
    assert_false(r.failed);
    assert_string_equal(r.message, "Flow exited.");
    assert_null(json_object_get(r.data, "never"));
    octo_run_result_free(&r);
    r = octo_test_run_text("g3.yml",
                           "name: g3\n"
                           "steps:\n"
                           "- {name: out, type: goto, goto: {step_name: __exit}}\n",
                           NULL);
    assert_int_equal(r.status, OCTO_RUN_EXIT);
    octo_run_result_free(&r);

    /* a templated unknown target fails the run with the original's words */
    json_object_set_new(in, "to", json_string("nowhere"));
    r = octo_test_run_text("g4.yml",
                           "name: g4\n"
                           "steps:\n"
                           "- {name: jump, type: goto, goto: {step_name: \"{{ __input__.to }}\"}}\n"
                           "- {name: never, type: set_fact, set_fact: {value: no}}\n",
                           in);
    assert_true(r.failed);
    assert_string_equal(r.step, "jump");
    assert_string_equal(r.message, "Goto step 'nowhere' not found in flow.");
    assert_string_equal(json_string_value(octo_test_get(json_array_get(errors_of(&r), 0), "step")),
                        "jump");
    assert_null(json_object_get(r.data, "never"));
    octo_run_result_free(&r);

    /* a literal unknown target is a load error naming file and line */
    octo_test_write("flows/g5.yml",
                    "name: g5\n"
                    "steps:\n"
                    "- {name: a, type: set_fact, set_fact: {value: x}}\n"
                    "- name: jump\n"
                    "  type: goto\n"
                    "  goto:\n"
                    "    step_name: nowhere\n");
    assert_int_not_equal(octo_test_load_flow("g5.yml", 0, msg, sizeof(msg), NULL, 0), OCTO_OK);
    assert_string_equal(msg, "g5.yml:7: steps[1] (\"jump\"): step_name: no step is named "
                             "\"nowhere\"");
    json_decref(in);
}

/* The original jumped on any step output that was a mapping with a goto
 * key (a REST answer, a jq result): here only a control step jumps. */
static void test_goto_key_in_an_output_is_data(void **state)
{
    struct octo_run_result r;

    (void)state;
    r = octo_test_run_text("gk.yml",
                           "name: gk\n"
                           "steps:\n"
                           "- {name: answer, type: jq, jq: {expression: '{goto: \"__end__\"}'}}\n"
                           "- {name: fact, type: set_fact, set_fact: {values: {goto: __start__}}}\n"
                           "- {name: next, type: set_fact, set_fact: {value: ran}}\n",
                           NULL);
    assert_int_equal(r.status, OCTO_RUN_SUCCESS);
    octo_test_assert_json(json_object_get(r.data, "answer"), "{\"goto\": \"__end__\"}");
    octo_test_assert_json(json_object_get(r.data, "fact"), "{\"goto\": \"__start__\"}");
    assert_string_equal(json_string_value(json_object_get(r.data, "next")), "ran");
    assert_int_equal(r.steps_run, 3);
    octo_run_result_free(&r);
}

/* ---- on_error_goto ------------------------------------------------------------ */

static void test_on_error_goto(void **state)
{
    struct octo_run_result r;
    json_t *e;
    char msg[512];

    (void)state;
    r = octo_test_run_text("oeg.yml",
                           "name: oeg\n"
                           "steps:\n"
                           "- name: fails\n"
                           "  type: jq\n"
                           "  on_error_goto: recover\n"
                           "  jq: {expression: 'error(\"boom\")'}\n"
                           "- {name: skipped, type: set_fact, set_fact: {value: no}}\n"
                           "- name: recover\n"
                           "  type: set_fact\n"
                           "  set_fact: {value: \"{{ __errors__ | length }} error\"}\n",
                           NULL);
    assert_false(r.failed);
    assert_int_equal(r.status, OCTO_RUN_SUCCESS); /* the flow can still succeed */
    assert_null(json_object_get(r.data, "skipped"));
    assert_string_equal(json_string_value(json_object_get(r.data, "recover")), "1 error");
    e = json_array_get(errors_of(&r), 0);
    assert_string_equal(json_string_value(json_object_get(e, "step")), "fails");
    assert_string_equal(json_string_value(json_object_get(e, "on_error_goto")), "recover");
    assert_string_equal(json_string_value(octo_test_get(e, "error.type")), "jq");
    octo_run_result_free(&r);

    /* its target is checked at load */
    octo_test_write("flows/oeg2.yml",
                    "name: oeg2\n"
                    "steps:\n"
                    "- name: a\n"
                    "  type: jq\n"
                    "  on_error_goto: nope\n"
                    "  jq: {expression: '.'}\n");
    assert_int_not_equal(octo_test_load_flow("oeg2.yml", 0, msg, sizeof(msg), NULL, 0), OCTO_OK);
    assert_string_equal(msg, "oeg2.yml:5: steps[0] (\"a\"): on_error_goto: no step is named "
                             "\"nope\"");
}

/* The original kept the previous step's result when an error was
 * ignored: after a goto, an ignored error re-executed the jump forever. */
static void test_ignored_error_never_rejumps(void **state)
{
    struct octo_run_result r;

    (void)state;
    r = octo_test_run_text("rejump.yml",
                           "name: rejump\n"
                           "steps:\n"
                           "- {name: jump, type: goto, goto: {step_name: flaky}}\n"
                           "- {name: skipped, type: set_fact, set_fact: {value: no}}\n"
                           "- name: flaky\n"
                           "  type: jq\n"
                           "  ignore_errors: [boom]\n"
                           "  jq: {expression: 'error(\"boom\")'}\n"
                           "- {name: done, type: set_fact, set_fact: {value: ok}}\n",
                           NULL);
    assert_int_equal(r.status, OCTO_RUN_SUCCESS);
    assert_int_equal(r.steps_run, 3);
    assert_string_equal(json_string_value(json_object_get(r.data, "done")), "ok");
    assert_non_null(json_object_get(json_array_get(errors_of(&r), 0), "ignored"));
    octo_run_result_free(&r);
}

/* ---- exit ------------------------------------------------------------------- */

static void test_exit_top_level_loop_item_and_sub_flow(void **state)
{
    struct octo_run_result r;
    json_t *in = json_pack("{s:s}", "id", "T-1");

    (void)state;
    r = octo_test_run_text("ex.yml",
                           "name: ex\n"
                           "steps:\n"
                           "- name: stop\n"
                           "  type: exit\n"
                           "  result_key: ignored\n"
                           "  exit: {message: \"nothing to do for {{ __input__.id }}\"}\n"
                           "- {name: never, type: set_fact, set_fact: {value: no}}\n",
                           in);
    assert_int_equal(r.status, OCTO_RUN_EXIT);
    assert_false(r.failed);
    assert_string_equal(r.message, "Flow exited with message: nothing to do for T-1");
    assert_string_equal(r.step, "stop");
    assert_null(json_object_get(r.data, "never"));
    assert_null(json_object_get(r.data, "ignored"));
    assert_int_equal(json_array_size(errors_of(&r)), 0);
    octo_run_result_free(&r);

    /* in a loop item or a sub-flow it ends only that child */
    octo_test_write("flows/exitem.yml",
                    "name: exitem\n"
                    "steps:\n"
                    "- name: x\n"
                    "  type: exit\n"
                    "  when: __input__ == 2\n"
                    "  exit: {message: \"item {{ __input__ }}\"}\n"
                    "- {name: y, type: set_fact, set_fact: {value: \"{{ __input__ }} done\"}}\n");
    r = octo_test_run_text("exparent.yml",
                           "name: exparent\n"
                           "steps:\n"
                           "- {name: items, type: jq, jq: {expression: '[1, 2, 3]'}}\n"
                           "- name: loop\n"
                           "  type: flow_loop\n"
                           "  flow_loop: {path: exitem.yml, data_key: items, fail_on_item_error: true}\n"
                           "  jq_expression: '[.[] | .y]'\n"
                           "- {name: two, type: jq, jq: {expression: '2'}}\n"
                           "- name: sub\n"
                           "  type: flow\n"
                           "  flow: {path: exitem.yml, data_key: two}\n"
                           "  jq_expression: '[.y, (.__errors__ | length)]'\n"
                           "- {name: after, type: set_fact, set_fact: {value: goes on}}\n",
                           NULL);
    assert_int_equal(r.status, OCTO_RUN_SUCCESS);
    octo_test_assert_json(json_object_get(r.data, "loop"), "[\"1 done\", null, \"3 done\"]");
    octo_test_assert_json(json_object_get(r.data, "sub"), "[null, 0]");
    assert_string_equal(json_string_value(json_object_get(r.data, "after")), "goes on");
    assert_int_equal(json_array_size(errors_of(&r)), 0);
    octo_run_result_free(&r);
    json_decref(in);
}

/* ---- switch ------------------------------------------------------------------ */

static const char *SWITCH_FLOW =
    "name: sw\n"
    "steps:\n"
    "- name: sw\n"
    "  type: switch\n"
    "  result_key: never_stored\n"
    "  jq_expression: '{x: 1}'\n"
    "  ignore_errors: ['http: fake']\n"
    "  switch:\n"
    "    data_key: __input__\n"
    "    cases:\n"
    "    - when: None$\n"
    "      step:\n"
    "        name: case none\n"
    "        type: set_fact\n"
    "        result_key: picked\n"
    "        jq_expression: '. + \"!\"'\n"
    "        set_fact: {value: none}\n"
    "    - when: 1\\.0$\n"
    "      step: {name: case float, type: goto, goto: {step_name: __end__}}\n"
    "    - when: \"\\\\{'k'\"\n"
    "      step: {name: case dict, type: set_fact, result_key: picked, set_fact: {value: dict}}\n"
    "    - when: skip\n"
    "      step:\n"
    "        name: case skip\n"
    "        type: set_fact\n"
    "        result_key: picked\n"
    "        when: false\n"
    "        set_fact: {value: skipped?}\n"
    "    - when: new\n"
    "      step: {name: case new, type: exit, exit: {message: \"{{ __input__ }}\"}}\n"
    "    - when: boom\n"
    "      step: {name: case boom, type: jq, jq: {expression: 'error(\"http: fake\")'}}\n"
    "    default:\n"
    "      name: case default\n"
    "      type: set_fact\n"
    "      result_key: picked\n"
    "      set_fact: {value: \"default for {{ __input__ }}\"}\n"
    "- {name: after, type: set_fact, set_fact: {value: ran}}\n";

/* Run the switch flow on input (JSON text); *picked: what it stored. */
static struct octo_run_result run_switch(const char *input)
{
    json_t *in = json_loads(input, JSON_DECODE_ANY, NULL);
    struct octo_run_result r;

    assert_non_null(in);
    r = octo_test_run_flow("sw.yml", in);
    json_decref(in);
    assert_null(json_object_get(r.data, "never_stored"));
    assert_null(json_object_get(r.data, "sw"));
    return r;
}

static void test_switch(void **state)
{
    struct octo_run_result r;
    char msg[512];

    (void)state;
    octo_test_write("flows/sw.yml", SWITCH_FLOW);
    r = run_switch("null"); /* str(None); the case step's result_key and jq apply */
    assert_string_equal(json_string_value(json_object_get(r.data, "picked")), "none!");
    assert_null(json_object_get(r.data, "case none"));
    assert_string_equal(json_string_value(json_object_get(r.data, "after")), "ran");
    octo_run_result_free(&r);
    r = run_switch("1.0"); /* str(1.0); the case's goto propagates */
    assert_int_equal(r.status, OCTO_RUN_SUCCESS);
    assert_null(json_object_get(r.data, "after"));
    octo_run_result_free(&r);
    r = run_switch("1"); /* str(1) is not "1.0": the default */
    assert_string_equal(json_string_value(json_object_get(r.data, "picked")), "default for 1");
    octo_run_result_free(&r);
    r = run_switch("{\"k\": true}");
    assert_string_equal(json_string_value(json_object_get(r.data, "picked")), "dict");
    octo_run_result_free(&r);
    r = run_switch("\"skip\""); /* the case step's own when is evaluated: skipped */
    assert_null(json_object_get(r.data, "picked"));
    assert_string_equal(json_string_value(json_object_get(r.data, "after")), "ran");
    octo_run_result_free(&r);
    r = run_switch("\"newer\""); /* re.match: a prefix; the case's exit propagates */
    assert_int_equal(r.status, OCTO_RUN_EXIT);
    assert_string_equal(r.message, "Flow exited with message: newer");
    assert_null(json_object_get(r.data, "after"));
    octo_run_result_free(&r);
    r = run_switch("\"renew\""); /* not a search */
    assert_string_equal(json_string_value(json_object_get(r.data, "picked")),
                        "default for renew");
    octo_run_result_free(&r);
    /* the case step's error is the switch's: the switch's ignore_errors */
    r = run_switch("\"boom\"");
    assert_int_equal(r.status, OCTO_RUN_SUCCESS);
    assert_string_equal(json_string_value(octo_test_get(json_array_get(errors_of(&r), 0), "step")),
                        "sw");
    assert_non_null(json_object_get(json_array_get(errors_of(&r), 0), "ignored"));
    assert_string_equal(json_string_value(json_object_get(r.data, "after")), "ran");
    octo_run_result_free(&r);

    /* a case step is validated at load as a full step, with its own line */
    octo_test_write("flows/swbad.yml",
                    "name: swbad\n"
                    "steps:\n"
                    "- name: sw\n"
                    "  type: switch\n"
                    "  switch:\n"
                    "    data_key: x\n"
                    "    cases:\n"
                    "    - when: a\n"
                    "      step:\n"
                    "        name: inner\n"
                    "        type: set_fact\n"
                    "        set_fact: {value: x, colour: red}\n"
                    "    - when: b\n"
                    "      step: {name: inner2, type: nosuchtype}\n");
    assert_int_not_equal(octo_test_load_flow("swbad.yml", OCTO_FLOW_STRICT, msg, sizeof(msg), NULL,
                                             0),
                         OCTO_OK);
    octo_test_assert_contains(msg, "swbad.yml:12: steps[0] (\"inner\").set_fact: unknown key \"colour\"");
    assert_int_not_equal(octo_test_load_flow("swbad.yml", 0, msg, sizeof(msg), NULL, 0), OCTO_OK);
    octo_test_assert_contains(msg, "swbad.yml:14: steps[0] (\"inner2\"): unknown step type "
                                   "\"nosuchtype\"");
}

/* ---- set_fact and sleep --------------------------------------------------------- */

static void test_set_fact(void **state)
{
    struct octo_run_result r;
    json_t *in = json_pack("{s:[i,i,i], s:s}", "items", 1, 2, 3, "body", "a: [1, 2]\nb: yes");

    (void)state;
    r = octo_test_run_text("sf.yml",
                           "name: sf\n"
                           "steps:\n"
                           "- name: count\n"
                           "  type: set_fact\n"
                           "  set_fact: {value: \"{{ __input__['items'] | length }}\"}\n"
                           "- name: facts\n"
                           "  type: set_fact\n"
                           "  set_fact:\n"
                           "    values:\n"
                           "      n: {value: \"{{ __input__['items'] | length }}\", type: json}\n"
                           "      ids: {value: \"{{ __input__['items'] | map('string') | list | "
                           "tojson }}\", type: json}\n"
                           "      doc: {value: \"{{ __input__.body }}\", type: yaml}\n"
                           "      text: \"{{ count }} items\"\n"
                           "      limit: 50\n"
                           "- name: picked\n"
                           "  type: set_fact\n"
                           "  result_key: typed\n"
                           "  jq_expression: '.n * 2'\n"
                           "  set_fact: {values: {n: \"{{ facts.n + 1 }}\"}, type: json}\n",
                           in);
    assert_int_equal(r.status, OCTO_RUN_SUCCESS);
    octo_test_assert_json(json_object_get(r.data, "count"), "\"3\""); /* always a string */
    octo_test_assert_json(json_object_get(r.data, "facts"),
                          "{\"n\": 3, \"ids\": [\"1\", \"2\", \"3\"], \"doc\": {\"a\": [1, 2], "
                          "\"b\": true}, \"text\": \"3 items\", \"limit\": 50}");
    octo_test_assert_json(json_object_get(r.data, "typed"), "8");
    octo_run_result_free(&r);
    json_decref(in);
}

static void test_sleep_and_deadline(void **state)
{
    struct octo_flow *f = NULL;
    struct octo_run_opts o;
    struct octo_run_result r;
    struct octo_cancel c;
    json_t *in = json_pack("{s:f}", "d", 0.01);
    octo_error err;

    (void)state;
    r = octo_test_run_text("sl.yml",
                           "name: sl\n"
                           "steps:\n"
                           "- {name: nap, type: sleep, sleep: {seconds: 0.01}}\n"
                           "- {name: nap2, type: sleep, sleep: {seconds: \"{{ __input__.d }}\"}}\n",
                           in);
    assert_int_equal(r.status, OCTO_RUN_SUCCESS);
    octo_test_assert_json(json_object_get(r.data, "nap"), "{}");
    octo_test_assert_json(json_object_get(r.data, "nap2"), "{}");
    octo_run_result_free(&r);
    json_object_set_new(in, "d", json_string("soon"));
    r = octo_test_run_flow("sl.yml", in);
    assert_true(r.failed);
    assert_string_equal(r.step, "nap2");
    assert_string_equal(r.message, "sleep seconds must be a number, not \"soon\"");
    octo_run_result_free(&r);

    /* the run's deadline ends a long sleep: status timeout, not a 30 s wait */
    octo_test_write("flows/sl30.yml",
                    "name: sl30\nsteps:\n- {name: nap, type: sleep, sleep: {seconds: 30}}\n"
                    "- {name: never, type: set_fact, set_fact: {value: no}}\n");
    memset(&err, 0, sizeof(err));
    assert_int_equal(octo_flow_get("sl30.yml", &f, NULL, &err), OCTO_OK);
    octo_cancel_init(&c, 0.2);
    memset(&o, 0, sizeof(o));
    o.cancel = &c;
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    assert_int_equal(r.status, OCTO_RUN_TIMEOUT);
    assert_string_equal(r.step, "nap");
    assert_string_equal(json_string_value(octo_test_get(json_array_get(errors_of(&r), 0),
                                                        "error.type")),
                        "timeout");
    assert_null(json_object_get(r.data, "never"));
    octo_run_result_free(&r);
    /* a cancelled run: status cancelled */
    octo_cancel_request(&c);
    assert_int_equal(octo_run_flow(f, &o, &r), OCTO_OK);
    assert_int_equal(r.status, OCTO_RUN_CANCELLED);
    octo_run_result_free(&r);
    octo_cancel_destroy(&c);
    octo_flow_unref(f);
    json_decref(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_goto_loop_hits_max_steps_per_run),
        cmocka_unit_test(test_flow_max_steps),
        cmocka_unit_test(test_goto_targets),
        cmocka_unit_test(test_goto_key_in_an_output_is_data),
        cmocka_unit_test(test_on_error_goto),
        cmocka_unit_test(test_ignored_error_never_rejumps),
        cmocka_unit_test(test_exit_top_level_loop_item_and_sub_flow),
        cmocka_unit_test(test_switch),
        cmocka_unit_test(test_set_fact),
        cmocka_unit_test(test_sleep_and_deadline),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
