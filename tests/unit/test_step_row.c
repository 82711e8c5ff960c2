/* test_step_row.c - timeline rows (step_row.h): made from step events
 * with redacted, capped values; the store's JSON shape; the wire form
 * between a worker and the service, which must refuse every malformed
 * frame instead of trusting it (a worker runs plugin code). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redact.h"
#include "step_row.h"

static struct octo_step_event event(const char *outcome)
{
    struct octo_step_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.seq = 7;
    ev.parent = 3;
    ev.item = 2;
    ev.depth = 1;
    ev.index = 4;
    ev.name = "post ticket";
    ev.type = "rest";
    ev.flow = "sub/ticket.yml";
    ev.attempt = 2;
    ev.started = 1765000000.25;
    ev.outcome = outcome;
    ev.duration_us = 1234;
    return ev;
}

static void test_start_row_is_running(void **state)
{
    struct octo_step_event ev = event(NULL);
    struct octo_step_row *r = octo_step_row_from_event(&ev, 1024);
    json_t *j;

    (void)state;
    assert_true(octo_step_row_running(r));
    assert_string_equal(r->outcome, "running");
    assert_null(r->input);
    j = octo_step_row_json(r);
    assert_string_equal(json_string_value(json_object_get(j, "outcome")), "running");
    assert_null(json_object_get(j, "duration_us"));
    assert_int_equal(json_integer_value(json_object_get(j, "parent")), 3);
    assert_int_equal(json_integer_value(json_object_get(j, "idx")), 4);
    json_decref(j);
    octo_step_row_unref(r);
}

static void test_end_row_values_redacted_and_capped(void **state)
{
    struct octo_step_event ev = event("failed");
    struct octo_step_row *r;
    char big[3000];
    json_t *j;

    (void)state;
    octo_redact_add("s3cr3t-value-for-row");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ev.input = json_pack("{s:s}", "password", "s3cr3t-value-for-row");
    ev.output = json_pack("{s:s}", "blob", big);
    ev.error = json_pack("{s:s}", "message", "bad");
    r = octo_step_row_from_event(&ev, 1024);
    assert_false(octo_step_row_running(r));
    assert_int_equal(r->duration_us, 1234);
    assert_null(strstr(r->input, "s3cr3t-value-for-row"));
    assert_non_null(strstr(r->input, "password"));
    assert_non_null(strstr(r->output, "$truncated"));
    assert_true(strlen(r->output) < 1200);
    assert_string_equal(r->error, "{\"message\":\"bad\"}");
    j = octo_step_row_json(r);
    assert_string_equal(json_string_value(json_object_get(j, "error")), r->error);
    assert_int_equal(json_integer_value(json_object_get(j, "duration_us")), 1234);
    json_decref(j);
    json_decref(ev.input);
    json_decref(ev.output);
    json_decref(ev.error);
    octo_step_row_unref(r);
}

static void test_ended_copy(void **state)
{
    struct octo_step_event ev = event(NULL);
    struct octo_step_row *r = octo_step_row_from_event(&ev, 0);
    struct octo_step_row *e = octo_step_row_ended(r, "aborted", 99, "{\"type\":\"internal\"}");

    (void)state;
    assert_true(octo_step_row_running(r)); /* rows are immutable */
    assert_string_equal(e->outcome, "aborted");
    assert_int_equal(e->duration_us, 99);
    assert_string_equal(e->error, "{\"type\":\"internal\"}");
    assert_string_equal(e->name, "post ticket");
    assert_int_equal(e->seq, 7);
    octo_step_row_unref(r);
    octo_step_row_unref(e);
}

static void test_wire_round_trip(void **state)
{
    struct octo_step_event ev = event("ok");
    struct octo_step_row *r;
    struct octo_step_row *back;
    char *wire = NULL;
    size_t len = 0;

    (void)state;
    ev.input = json_pack("{s:[i,i]}", "a", 1, 2);
    ev.output = json_string("d\xc3\xa9j\xc3\xa0");
    r = octo_step_row_from_event(&ev, 4096);
    assert_int_equal(octo_step_row_encode(r, &wire, &len), 0);
    back = octo_step_row_decode(wire, len);
    assert_non_null(back);
    assert_int_equal(back->seq, 7);
    assert_int_equal(back->parent, 3);
    assert_int_equal(back->item, 2);
    assert_int_equal(back->depth, 1);
    assert_int_equal(back->attempt, 2);
    assert_int_equal(back->duration_us, 1234);
    assert_true(back->started == 1765000000.25);
    assert_string_equal(back->outcome, "ok");
    assert_string_equal(back->flow, "sub/ticket.yml");
    assert_string_equal(back->input, r->input);
    assert_string_equal(back->output, r->output);
    assert_null(back->error);
    free(wire);
    json_decref(ev.input);
    json_decref(ev.output);
    octo_step_row_unref(r);
    octo_step_row_unref(back);
}

/* The worker encodes events straight to the wire: the same bytes as the
 * row made from the event, for a start, an end with values (redacted and
 * capped alike) and a skipped step's only event. */
static void test_event_encode_is_the_rows_wire_form(void **state)
{
    const char *outcomes[] = {NULL, "ok", "skipped", "failed"};
    size_t i;

    (void)state;
    octo_redact_add("s3cr3t-value-for-row");
    for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
        struct octo_step_event ev = event(outcomes[i]);
        struct octo_step_row *r;
        struct octo_buf direct = OCTO_BUF_INIT;
        char *wire = NULL;
        size_t len = 0;

        ev.input = json_pack("{s:s, s:i}", "password", "s3cr3t-value-for-row", "n", 5);
        ev.output = json_pack("{s:[s,s]}", "rows", "a", "b");
        ev.error = outcomes[i] != NULL && strcmp(outcomes[i], "failed") == 0
                       ? json_pack("{s:s}", "message", "bad")
                       : NULL;
        r = octo_step_row_from_event(&ev, 64);
        assert_int_equal(octo_step_row_encode(r, &wire, &len), 0);
        octo_buf_putc(&direct, '#'); /* appended after what is there */
        octo_step_event_encode(&ev, 64, &direct);
        assert_int_equal(direct.len, len + 1);
        assert_memory_equal(direct.data + 1, wire, len);
        assert_null(memmem(direct.data, direct.len, "s3cr3t", 6));
        free(wire);
        octo_buf_free(&direct);
        octo_step_row_unref(r);
        json_decref(ev.input);
        json_decref(ev.output);
        json_decref(ev.error);
    }
}

/* Every truncation and every corrupted length of a good frame is refused
 * or decodes to a row that stays within the frame (ASan checks reads). */
static void test_wire_malformed_refused(void **state)
{
    struct octo_step_event ev = event("ok");
    struct octo_step_row *r;
    char *wire = NULL;
    size_t len = 0;
    size_t n;
    size_t i;

    (void)state;
    ev.input = json_string("input text");
    r = octo_step_row_from_event(&ev, 4096);
    octo_step_row_encode(r, &wire, &len);
    for (n = 0; n < len; n++) {
        char *cut = malloc(n + 1);

        memcpy(cut, wire, n);
        assert_null(octo_step_row_decode(cut, n));
        free(cut);
    }
    {
        char *longer = malloc(len + 1);

        memcpy(longer, wire, len);
        longer[len] = 'x';
        assert_null(octo_step_row_decode(longer, len + 1)); /* trailing bytes */
        free(longer);
    }
    for (i = 0; i < len; i++) {
        char *bad = malloc(len);
        struct octo_step_row *d;

        memcpy(bad, wire, len);
        bad[i] = (char)(bad[i] ^ 0xff);
        d = octo_step_row_decode(bad, len);
        if (d != NULL) {
            assert_true(strlen(d->outcome) < OCTO_STEP_OUTCOME_LEN);
            assert_true(d->seq > 0);
            octo_step_row_unref(d);
        }
        free(bad);
    }
    free(wire);
    json_decref(ev.input);
    octo_step_row_unref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_row_is_running),
        cmocka_unit_test(test_end_row_values_redacted_and_capped),
        cmocka_unit_test(test_ended_copy),
        cmocka_unit_test(test_wire_round_trip),
        cmocka_unit_test(test_event_encode_is_the_rows_wire_form),
        cmocka_unit_test(test_wire_malformed_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
