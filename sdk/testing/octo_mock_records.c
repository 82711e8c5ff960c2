/* octo_mock_records.c - what a test reads back from the mock host: the
 * captured log, the control, sleep and run_nested calls. Each read takes
 * the mock's mutex, so a test may read while a plugin runs on another
 * thread. */
#include <stdlib.h>
#include <string.h>

#include "mock_internal.h"

size_t octo_mock_log_count(octo_mock *m)
{
    size_t n;

    pthread_mutex_lock(&m->mu);
    n = m->nlines;
    pthread_mutex_unlock(&m->mu);
    return n;
}

const char *octo_mock_log_line(octo_mock *m, size_t i, int *level)
{
    const char *s = NULL;

    pthread_mutex_lock(&m->mu);
    if (i < m->nlines) {
        s = m->lines[i];
        if (level != NULL) {
            *level = m->levels[i];
        }
    }
    pthread_mutex_unlock(&m->mu);
    return s;
}

long octo_mock_log_find(octo_mock *m, const char *needle)
{
    long at = -1;
    size_t i;

    pthread_mutex_lock(&m->mu);
    for (i = 0; i < m->nlines && at < 0; i++) {
        if (strstr(m->lines[i], needle) != NULL) {
            at = (long)i;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return at;
}

char *octo_mock_log_text(octo_mock *m)
{
    size_t n = 1;
    size_t i;
    char *s;

    pthread_mutex_lock(&m->mu);
    for (i = 0; i < m->nlines; i++) {
        n += strlen(m->lines[i]) + 1;
    }
    s = malloc(n);
    if (s == NULL) {
        abort();
    }
    s[0] = '\0';
    for (i = 0; i < m->nlines; i++) {
        strcat(s, m->lines[i]);
        if (i + 1 < m->nlines) {
            strcat(s, "\n");
        }
    }
    pthread_mutex_unlock(&m->mu);
    return s;
}

void octo_mock_log_clear(octo_mock *m)
{
    size_t i;

    pthread_mutex_lock(&m->mu);
    for (i = 0; i < m->nlines; i++) {
        free(m->lines[i]);
    }
    m->nlines = 0;
    pthread_mutex_unlock(&m->mu);
}

int octo_mock_control(octo_mock *m, const char **arg)
{
    int what;

    pthread_mutex_lock(&m->mu);
    what = m->control_what;
    if (arg != NULL) {
        *arg = m->control_arg; /* stable until the next control call or reset */
    }
    pthread_mutex_unlock(&m->mu);
    return what;
}

size_t octo_mock_control_calls(octo_mock *m)
{
    size_t n;

    pthread_mutex_lock(&m->mu);
    n = m->control_calls;
    pthread_mutex_unlock(&m->mu);
    return n;
}

void octo_mock_control_reset(octo_mock *m)
{
    pthread_mutex_lock(&m->mu);
    m->control_what = 0;
    m->control_arg[0] = '\0';
    m->control_calls = 0;
    pthread_mutex_unlock(&m->mu);
}

size_t octo_mock_sleeps(octo_mock *m)
{
    size_t n;

    pthread_mutex_lock(&m->mu);
    n = m->sleeps;
    pthread_mutex_unlock(&m->mu);
    return n;
}

double octo_mock_slept(octo_mock *m)
{
    double s;

    pthread_mutex_lock(&m->mu);
    s = m->slept;
    pthread_mutex_unlock(&m->mu);
    return s;
}

size_t octo_mock_nested_calls(octo_mock *m)
{
    size_t n;

    pthread_mutex_lock(&m->mu);
    n = m->nnested;
    pthread_mutex_unlock(&m->mu);
    return n;
}

const char *octo_mock_nested_call(octo_mock *m, size_t i, size_t *index)
{
    const char *s = NULL;

    pthread_mutex_lock(&m->mu);
    if (i < m->nnested) {
        s = m->nested[i].option;
        if (index != NULL) {
            *index = m->nested[i].index;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return s;
}
