/* jqbridge.c - running jq programs (see jqbridge.h); the programs and
 * their pools of jq_states are jq_programs.c's.
 *
 * jq_init/jq_compile run under one global mutex: compilation is rare (flow
 * load, or a new concurrent user) and libjq 1.6's compiler has process-wide
 * state we do not want to race. Runs need no global lock: each borrows a
 * jq_state that no other thread touches meanwhile.
 *
 * NEVER ABANDON A RUN
 * -------------------
 * libjq 1.6 resets a state (jq_start, jq_teardown) by popping its fork
 * points without running their backtrack handlers, so the path being
 * tracked is not restored. When a run is left while a path expression
 * still has fork points (the first output of `paths`, `first(paths)` in
 * FIRST mode, the second output in SINGLE mode, a `halt` after `paths`),
 * the next reset meets a fork point saved inside the path expression with
 * no path array and aborts (stack_restore: Assertion `path_len == 0').
 * The jq 1.6 CLI never abandons a run (it reads every output), except on
 * halt, where it aborts the same way (`[1,[2]] | paths | halt`).
 * So a run here always ends the way jq ends it itself: by backtracking.
 * To stop early we read the remaining outputs (up to DRAIN_OUTPUTS), then
 * set the slot's stop flag and keep calling jq_next: the prelude follows
 * every output with a check of that flag (read through the input
 * callback, the one channel from C into a running program) that raises
 * an error, and raising unwinds every fork point through its handler. `halt` and `halt_error` are
 * redefined the same way: they tell the debug callback and raise, instead of leaving the state
 * halted. Outputs and errors seen after a stop request are ignored.
 */
#include "jqbridge.h"

#include <jq.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "jq_programs.h"
#include "jqconv.h"
#include "log.h"
#include "xalloc.h"

/* One jq_state and what its callbacks report about the current run. A
 * slot is used by one thread at a time (borrowed from the pool). */
struct jq_slot {
    jq_state *jq;
    int stop;     /* the stop check raises (read through the input callback) */
    int halted;   /* halt / halt_error ran (reported through the debug callback) */
    jv halt_code; /* null for halt, the number for halt_error */
    jv halt_msg;
};

static pthread_mutex_t g_compile_mu = PTHREAD_MUTEX_INITIALIZER;

struct errcap {
    struct octo_buf text;
};

static void error_cb(void *data, jv msg)
{
    struct errcap *ec = data;

    if (jv_get_kind(msg) == JV_KIND_STRING) {
        const char *s = jv_string_value(msg);

        if (strncmp(s, "jq: error: ", 11) == 0) {
            s += 11;
        }
        if (strstr(s, "compile error") == NULL || ec->text.len == 0) {
            if (ec->text.len > 0) {
                octo_buf_puts(&ec->text, "; ");
            }
            octo_buf_puts(&ec->text, s);
        }
    }
    jv_free(msg);
}

#define STOP_MARK "__octo_stop__"
/* Outputs read after the ones a run needs before stopping it by force. */
#define DRAIN_OUTPUTS 1000
#define HALT_MARK     "__octo_halt__"
/* Above this index an assignment would make libjq 1.6 allocate and fill
 * every element before it (16 bytes each): setpath([1e9]; 1) asks for
 * 16 GB and aborts the process. */
#define MAX_SET_INDEX "10000000"

/* The prelude every program is compiled behind (see the top of the file
 * for the stop check and halt). Besides the sandbox ($ENV, env, files) it
 * shadows the libjq 1.6 builtins that crash or never end on some inputs,
 * with guards that refuse exactly those inputs before libjq sees them:
 * - strftime/strflocaltime (and todate) of a number gmtime/localtime
 *   cannot convert (1e17, 1e1000, nan) hand libjq an invalid value and it
 *   asserts; converting first gives jq's own error instead.
 * - setpath (and =, |=, +=, fromstream, which call it) with a huge array
 *   index: refused above MAX_SET_INDEX.
 * - sub/gsub with "g" loop forever (and grow the stack) when the regex
 *   matches the empty string at the start of what is left; refused there.
 * - paths, paths(f) and leaf_paths collect the paths before handing them
 *   out: libjq 1.6 leaks an object key (the jq CLI too, under valgrind)
 *   when an error - break in first(paths), our stop - unwinds a path
 *   expression that is iterating over an object; the output is the same.
 * A builtin is captured under another name before it is shadowed
 * (`def __octo_x: x; def x: ... __octo_x`): jq binds names lexically, so
 * the copies of _assign, _modify, fromstream and gsub below (jq 1.6's
 * text) call the guarded setpath and sub. `input`/`inputs` keep their
 * error; `_input` itself now gives null (it is how the stop check reads
 * the flag). */
static const char PRELUDE[] =
    "def env: {}; def stderr: .; def input_filename: null; def get_search_list: [];"
    "def input: error(\"No more inputs\"); def inputs: error(\"No more inputs\");"
    "def halt: [\"" HALT_MARK "\", null, null] | debug | error(\"" STOP_MARK "\");"
    "def halt_error($code): if ($code | type) != \"number\""
    " then error(\"halt_error/1: number required\")"
    " else [\"" HALT_MARK "\", $code, .] | debug | error(\"" STOP_MARK "\") end;"
    "def halt_error: halt_error(5);"
    "def __octo_strftime($f): strftime($f);"
    "def strftime($f): if type == \"number\" then gmtime else . end | __octo_strftime($f);"
    "def __octo_strflocaltime($f): strflocaltime($f);"
    "def strflocaltime($f): if type == \"number\" then localtime else . end"
    " | __octo_strflocaltime($f);"
    "def todateiso8601: strftime(\"%Y-%m-%dT%H:%M:%SZ\"); def todate: todateiso8601;"
    "def __octo_setpath($p; $v): setpath($p; $v);"
    "def setpath($p; $v): if ($p | type) == \"array\""
    " and ([$p[] | numbers | select(. > " MAX_SET_INDEX ")] | length) > 0"
    " then error(\"setpath: an array index above " MAX_SET_INDEX " is refused\")"
    " else __octo_setpath($p; $v) end;"
    "def _assign(paths; value): value as $v | reduce path(paths) as $p (.; setpath($p; $v));"
    "def _modify(paths; update): reduce path(paths) as $p (.; label $out"
    " | (setpath($p; getpath($p) | update) | ., break $out), delpaths([$p]));"
    "def fromstream(i): foreach i as $item ([null,false,null,false];"
    " if ($item[0]|length) == 0 then [null,false,.[2],.[3]]"
    " elif ($item|length) == 1 and ($item[0]|length) < 2 then [null,false,.[0],.[1]]"
    " else . end | . as $state"
    " | if ($item|length) > 1 and ($item[0]|length) > 0"
    " then [.[0]|setpath(($item|.[0]); ($item|.[1])), true, $state[2], $state[3]]"
    " else . end;"
    " if ($item[0]|length) == 1 and ($item|length == 1) and .[3] then .[2] else empty end,"
    " if ($item[0]|length) == 0 then $item[1] else empty end);"
    "def sub($re; s; flags):"
    " def subg: [explode[] | select(. != 103)] | implode;"
    " def sub1(fla; gs): def mysub: . as $in | [match($re; fla)]"
    " | if length == 0 then $in"
    " else .[0] as $edit | ($edit | .offset + .length) as $len"
    " | if gs and $len == 0 and ($in | length) > 0"
    " then error(\"gsub: the regular expression matches an empty string, which jq 1.6 \""
    " + \"cannot replace globally (it would never end)\") else . end"
    " | reduce ($edit | .captures | .[] | select(.name != null) | {(.name): .string})"
    " as $pair ({}; . + $pair)"
    " | $in[0:$edit.offset] + s + ($in[$len:] | if length > 0 and gs then mysub else . end)"
    " end; mysub;"
    " (flags | index(\"g\")) as $gs | (flags | if $gs then subg else . end) as $fla"
    " | sub1($fla; $gs);"
    "def gsub($re; s; flags): sub($re; s; flags + \"g\"); def gsub($re; s): sub($re; s; \"g\");"
    "def paths: [path(..)] | .[] | select(length > 0);"
    "def paths(node_filter): . as $dot | paths"
    " | select(. as $p | $dot | getpath($p) | node_filter);"
    "def leaf_paths: paths(scalars);"
    "{} as $ENV | (";

/* After the program: every output is followed by the stop check. */
static const char EPILOGUE[] =
    "\n) | (., (if _input == \"" STOP_MARK "\" then error(\"" STOP_MARK "\") else empty end))";

char *octo__jq_wrap(const char *program)
{
    struct octo_buf w = OCTO_BUF_INIT;

    octo_buf_puts(&w, PRELUDE);
    octo_buf_puts(&w, program);
    octo_buf_puts(&w, EPILOGUE);
    return octo_buf_steal(&w, NULL);
}

/* `input` reads nothing (the prelude's input/inputs raise before calling
 * this); the stop check reads the slot's flag here. */
static jv read_stop_flag(jq_state *jq, void *data)
{
    const struct jq_slot *s = data;

    (void)jq;
    return s->stop ? jv_string(STOP_MARK) : jv_null();
}

/* `debug` hands over its input. The prelude's halt reports itself here
 * with [HALT_MARK, code, message]; any other value goes to the log at
 * DEBUG as the jq CLI prints it (["DEBUG:",value]), redacted by octo_log. */
static void debug_cb(void *data, jv v)
{
    struct jq_slot *s = data;

    if (jv_get_kind(v) == JV_KIND_ARRAY && jv_array_length(jv_copy(v)) == 3) {
        jv tag = jv_array_get(jv_copy(v), 0);
        int is_halt =
            jv_get_kind(tag) == JV_KIND_STRING && strcmp(jv_string_value(tag), HALT_MARK) == 0;

        jv_free(tag);
        if (is_halt) {
            if (!s->halted) {
                s->halted = 1;
                s->halt_code = jv_array_get(jv_copy(v), 1);
                s->halt_msg = jv_array_get(jv_copy(v), 2);
            }
            s->stop = 1;
            jv_free(v);
            return;
        }
    }
    if (octo_log_enabled(OCTO_LOG_DEBUG)) {
        jv text = jv_dump_string(JV_ARRAY(jv_string("DEBUG:"), v), 0);

        octo_log(OCTO_LOG_DEBUG, "jq: %s", jv_string_value(text));
        jv_free(text);
    } else {
        jv_free(v);
    }
}

void octo__jq_slot_free(struct jq_slot *s)
{
    if (s != NULL) {
        jq_teardown(&s->jq);
        jv_free(s->halt_code);
        jv_free(s->halt_msg);
        free(s);
    }
}

/* Ready the slot for a run (the state itself is reset by jq_start). */
static void slot_reset(struct jq_slot *s)
{
    jv_free(s->halt_code);
    jv_free(s->halt_msg);
    s->halt_code = jv_null();
    s->halt_msg = jv_null();
    s->stop = 0;
    s->halted = 0;
}

/* Programs compiled alone (without the wrapper) for their messages only:
 * never one with a module directive, which libjq 1.6 resolves at compile
 * time (and aborts on without a library path). Behind the wrapper such
 * directives are plain syntax errors. */
static int bare_compile_safe(const char *program)
{
    return strstr(program, "import") == NULL && strstr(program, "include") == NULL;
}

/* 1 when the first len bytes of src alone have a syntax error other than
 * an early end ("unexpected $end", "unexpected INVALID_CHARACTER" at the
 * cut): the first such prefix ends at the offending token, since a
 * parser that failed on a token fails on every longer text. Call with
 * g_compile_mu held. */
static int prefix_has_syntax_error(const char *src, size_t len)
{
    struct errcap ec;
    char *text = octo_xstrndup(src, len);
    jq_state *jq;
    int bad = 0;

    if (!bare_compile_safe(text) || (jq = jq_init()) == NULL) {
        free(text);
        return 0;
    }
    memset(&ec, 0, sizeof(ec));
    jq_set_error_cb(jq, error_cb, &ec);
    if (!jq_compile(jq, text)) {
        const char *m = octo_buf_cstr(&ec.text);

        bad = strstr(m, "syntax error") != NULL && strstr(m, "unexpected $end") == NULL;
    }
    jq_teardown(&jq);
    octo_buf_free(&ec.text);
    free(text);
    return bad;
}

/* The column (1-based) where the program's syntax error is, or 0. Only
 * for programs short enough for the bisection (a dozen compiles). */
static size_t error_column(const char *source, const char *msg)
{
    size_t n = strlen(source);
    size_t lo = 0;
    size_t hi = n;
    const char *nd;

    if (n == 0 || n > 4096) {
        return 0;
    }
    if (strstr(msg, "unexpected $end") != NULL) {
        return n + 1; /* it stops where the program does */
    }
    if ((nd = strstr(msg, " is not defined")) != NULL) {
        /* "foo/1 is not defined", "$x is not defined": where it is used */
        const char *end = memchr(msg, '/', (size_t)(nd - msg));
        const char *start;
        char name[128];
        const char *at;

        if (end == NULL) {
            end = nd;
        }
        start = end;
        while (start > msg && start[-1] != ' ' && start[-1] != ':') {
            start--;
        }
        if (end == start || (size_t)(end - start) >= sizeof(name)) {
            return 0;
        }
        snprintf(name, sizeof(name), "%.*s", (int)(end - start), start);
        at = strstr(source, name);
        return at != NULL ? (size_t)(at - source) + 1 : 0;
    }
    if (strstr(msg, "syntax error") == NULL || !prefix_has_syntax_error(source, n)) {
        return 0;
    }
    while (lo + 1 < hi) { /* the shortest prefix with the error */
        size_t mid = lo + (hi - lo) / 2;

        if (prefix_has_syntax_error(source, mid)) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    return hi; /* the error's token ends at hi */
}

/* The compile error as a message: libjq's text without its shell hint
 * and wrapper position, the column in the expression, and the expression
 * quoted with a caret when it is one short line. */
static void compile_error(const char *source, const char *raw, octo_error *err)
{
    char clean[OCTO_ERROR_MSG_LEN];
    char quote[300] = "";
    size_t i;
    size_t n = 0;
    size_t col;

    for (i = 0; raw[i] != '\0' && n + 1 < sizeof(clean); i++) {
        if (strncmp(raw + i, " at <top-level>", 15) == 0) {
            break; /* the position in the wrapped program: meaningless here */
        }
        if (strncmp(raw + i, " (Unix shell quoting issues?)", 29) == 0) {
            i += 28; /* a hint for shells, not for YAML */
            continue;
        }
        clean[n++] = raw[i];
    }
    clean[n] = '\0';
    col = error_column(source, clean);
    if (col > 0 && strchr(source, '\n') == NULL && strlen(source) <= 120) {
        snprintf(quote, sizeof(quote), "\n    %s\n    %*s^", source, (int)(col - 1), "");
    }
    if (col > 0) {
        octo_error_set(err, OCTO_EJQ, NULL,
                       "jq expression \"%s\" does not compile: %s (column %zu)%s", source,
                       n > 0 ? clean : "syntax error", col, quote);
    } else {
        octo_error_set(err, OCTO_EJQ, NULL, "jq expression \"%s\" does not compile: %s", source,
                       n > 0 ? clean : "syntax error");
    }
}

struct jq_slot *octo__jq_slot_new(const char *wrapped, const char *source, octo_error *err)
{
    struct errcap ec;
    struct jq_slot *s;
    jq_state *jq;
    int ok;

    s = octo_xcalloc(1, sizeof(*s));
    s->halt_code = jv_null();
    s->halt_msg = jv_null();
    memset(&ec, 0, sizeof(ec));
    pthread_mutex_lock(&g_compile_mu);
    jq = jq_init();
    if (jq == NULL) {
        pthread_mutex_unlock(&g_compile_mu);
        free(s);
        octo_error_set(err, OCTO_ENOMEM, NULL, "jq_init failed");
        return NULL;
    }
    jq_set_error_cb(jq, error_cb, &ec);
    ok = jq_compile(jq, wrapped);
    jq_set_error_cb(jq, NULL, NULL);
    jq_set_input_cb(jq, read_stop_flag, s);
    jq_set_debug_cb(jq, debug_cb, s);
    pthread_mutex_unlock(&g_compile_mu);
    s->jq = jq;
    if (!ok) {
        struct errcap bare;
        jq_state *b;

        /* a syntax error reads better from the program alone than from
         * the wrapper around it (whose closing text libjq trips on) */
        memset(&bare, 0, sizeof(bare));
        pthread_mutex_lock(&g_compile_mu);
        if (bare_compile_safe(source) && (b = jq_init()) != NULL) {
            jq_set_error_cb(b, error_cb, &bare);
            if (jq_compile(b, source) ||
                strstr(octo_buf_cstr(&bare.text), "syntax error") == NULL) {
                octo_buf_reset(&bare.text);
            }
            jq_teardown(&b);
        }
        compile_error(source,
                      bare.text.len > 0 ? octo_buf_cstr(&bare.text) : octo_buf_cstr(&ec.text), err);
        pthread_mutex_unlock(&g_compile_mu);
        octo_buf_free(&bare.text);
        octo_buf_free(&ec.text);
        octo__jq_slot_free(s);
        return NULL;
    }
    octo_buf_free(&ec.text);
    return s;
}

static void runtime_error(jv res, const struct octo_jq_prog *p, octo_error *err)
{
    jv msg = jv_invalid_get_msg(res);

    if (jv_get_kind(msg) == JV_KIND_STRING) {
        octo_error_set(err, OCTO_EJQ, NULL, "jq expression \"%s\" failed: %s", octo_jq_source(p),
                       jv_string_value(msg));
    } else {
        jv dumped = jv_dump_string(jv_copy(msg), 0);

        octo_error_set(err, OCTO_EJQ, NULL, "jq expression \"%s\" failed: %s (not a string)",
                       octo_jq_source(p), jv_string_value(dumped));
        jv_free(dumped);
    }
    jv_free(msg);
}

/* After the prelude's `halt` or `halt_error`: a non-zero exit code is an
 * error with the program's message, zero (or halt's null) a normal end. */
static int halted(const struct jq_slot *s, const struct octo_jq_prog *p, octo_error *err)
{
    jv code = s->halt_code;
    jv msg = s->halt_msg;

    if (jv_get_kind(code) != JV_KIND_NUMBER || jv_number_value(code) == 0) {
        return OCTO_OK;
    }
    if (jv_get_kind(msg) == JV_KIND_STRING) {
        return octo_error_set(err, OCTO_EJQ, NULL, "jq expression \"%s\" halted: %s",
                              octo_jq_source(p), jv_string_value(msg));
    }
    {
        jv text = jv_dump_string(jv_copy(msg), 0);
        int rc =
            octo_error_set(err, OCTO_EJQ, NULL, "jq expression \"%s\" halted with an error: %s",
                           octo_jq_source(p), jv_string_value(text));

        jv_free(text);
        return rc;
    }
}

/* Stop the run and let jq unwind it (see the top of the file). First by
 * plain backtracking, reading up to DRAIN_OUTPUTS more outputs: an error
 * unwinding a path expression over an object leaks in libjq 1.6 (see the
 * prelude's paths). Then, for programs with more outputs than that, by the
 * stop check: it raises after the pending output. Whatever comes out
 * meanwhile (outputs, errors, those of a `try` that caught the stop) is
 * dropped. */
static void finish(struct jq_slot *s)
{
    jv res;
    int n;

    for (n = 0; n < DRAIN_OUTPUTS && !s->halted; n++) {
        res = jq_next(s->jq);
        if (!jv_is_valid(res)) {
            jv_free(res);
            return;
        }
        jv_free(res);
    }
    s->stop = 1;
    for (;;) {
        res = jq_next(s->jq);
        if (!jv_is_valid(res)) {
            jv_free(res);
            return;
        }
        jv_free(res);
    }
}

/* A stop error of our own (the prelude's check or halt), not the program's. */
static int is_stop(jv res)
{
    jv msg = jv_invalid_get_msg(jv_copy(res));
    int stop = jv_get_kind(msg) == JV_KIND_STRING && strcmp(jv_string_value(msg), STOP_MARK) == 0;

    jv_free(msg);
    return stop;
}

int octo_jq_run(const struct octo_jq_prog *cp, json_t *input, int mode, json_t **out,
                int *n_outputs, octo_error *err)
{
    struct octo_jq_prog *p = (struct octo_jq_prog *)cp; /* the pool is internally locked */
    struct jq_slot *s;
    jv in;
    jv res;
    json_t *acc = NULL;
    json_t *first = NULL;
    int count = 0;
    int rc = OCTO_OK;
    int ended = 0; /* jq_next reported the end itself: nothing left to unwind */

    *out = NULL;
    if (n_outputs != NULL) {
        *n_outputs = 0;
    }
    in = octo__jq_from_json(input != NULL ? input : json_null());
    if (!jv_is_valid(in)) {
        jv_free(in);
        return octo_error_set(err, OCTO_EJQ, NULL, "jq input nests too deeply");
    }
    s = octo__jq_borrow(p, err);
    if (s == NULL) {
        jv_free(in);
        return err->code;
    }
    slot_reset(s);
    if (mode == OCTO_JQ_ALL) {
        acc = json_array();
    }
    jq_start(s->jq, in, 0);
    for (;;) {
        res = jq_next(s->jq);
        if (!jv_is_valid(res)) {
            ended = 1;
            if (s->halted) {
                jv_free(res);
                rc = halted(s, p, err);
            } else if (jv_invalid_has_msg(jv_copy(res)) && !is_stop(res)) {
                runtime_error(res, p, err);
                rc = OCTO_EJQ;
            } else {
                jv_free(res);
            }
            break;
        }
        if (s->halted) { /* a `try` caught the halt: nothing counts after it */
            jv_free(res);
            continue;
        }
        count++;
        if (mode == OCTO_JQ_ALL) {
            json_t *item = octo__jq_to_json(res);

            if (item == NULL) {
                rc = octo_error_set(err, OCTO_EJQ, NULL, "jq output cannot be converted");
                break;
            }
            json_array_append_new(acc, item);
            continue;
        }
        if (count == 1) {
            first = octo__jq_to_json(res);
            if (first == NULL) {
                rc = octo_error_set(err, OCTO_EJQ, NULL, "jq output cannot be converted");
                break;
            }
            if (mode == OCTO_JQ_FIRST) {
                break;
            }
            continue;
        }
        jv_free(res);
        break; /* SINGLE: a second output settles it */
    }
    if (!ended) {
        finish(s);
    }
    slot_reset(s);
    octo__jq_give_back(p, s);
    if (rc != OCTO_OK) {
        json_decref(acc);
        json_decref(first);
        return rc;
    }
    if (n_outputs != NULL) {
        *n_outputs = count;
    }
    if (mode == OCTO_JQ_ALL) {
        *out = acc;
    } else if (mode == OCTO_JQ_FIRST || count == 1) {
        *out = first != NULL ? first : json_null();
    } else {
        json_decref(first);
        *out = json_null();
    }
    return OCTO_OK;
}
