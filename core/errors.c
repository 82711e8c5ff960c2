/* errors.c - status text and octo_error helpers (see errors.h). */
#include "errors.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "redact.h"

const char *octo_strerror(int code)
{
    switch (code) {
    case OCTO_OK:
        return "success";
#define XX(name, value, type, text)                                                                \
    case OCTO_##name:                                                                              \
        return text;
        OCTO_ERRNO_MAP(XX)
#undef XX
    default:
        return "unknown error";
    }
}

const char *octo_error_type(int code)
{
    switch (code) {
#define XX(name, value, type, text)                                                                \
    case OCTO_##name:                                                                              \
        return type;
        OCTO_ERRNO_MAP(XX)
#undef XX
    default:
        return "internal";
    }
}

int octo_error_vset(octo_error *err, int code, const char *field, const char *fmt, va_list ap)
{
    if (err == NULL) {
        return code;
    }
    err->code = code;
    snprintf(err->field, sizeof(err->field), "%s", field != NULL ? field : "");
    if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) >= (int)sizeof(err->msg)) {
        octo_utf8_trim_tail(err->msg); /* messages become JSON strings: whole characters */
    }
    octo_redact_inplace(err->msg, sizeof(err->msg));
    return code;
}

int octo_error_set(octo_error *err, int code, const char *field, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    octo_error_vset(err, code, field, fmt, ap);
    va_end(ap);
    return code;
}

void octo_error_prefix(octo_error *err, const char *fmt, ...)
{
    char pre[OCTO_ERROR_MSG_LEN];
    char old[OCTO_ERROR_MSG_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(pre, sizeof(pre), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    snprintf(err->msg, sizeof(err->msg), "%s: %s", pre, old);
}

void octo_error_clear(octo_error *err)
{
    memset(err, 0, sizeof(*err));
}
