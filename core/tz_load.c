/* tz_load.c - zones read from the system's TZif files (RFC 8536) and
 * found by name: an IANA name, the local zone ($TZ, /etc/localtime), UTC
 * (see tz.h).
 *
 * Split from tz.c: parsing and checking an untrusted file, and the rules
 * for which file a name stands for, are apart from the conversions over a
 * zone once loaded.
 */
#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz_int.h"
#include "xalloc.h"

#define TZ_FILE_MAX  (1024 * 1024)
#define TZ_MAX_TIMES 100000
#define TZ_MAX_TYPES 256

/* ---- errors ------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static int tz_fail(octo_error *err, int code, const char *fmt,
                                                         ...)
{
    va_list ap;

    if (err != NULL) {
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Copy s into dst for quoting in a message: printable ASCII only, at most
 * ~100 characters. */
static const char *tz_quote(const char *s, char *dst, size_t cap)
{
    size_t n = 0;

    for (; *s != '\0' && n + 5 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (n >= 100) {
            memcpy(dst + n, "...", 3);
            n += 3;
            break;
        }
        dst[n++] = (ch >= 0x20 && ch < 0x7f && ch != '"') ? (char)ch : '?';
    }
    dst[n] = '\0';
    return dst;
}

/* ---- TZif -------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int64_t be64(const unsigned char *p)
{
    uint64_t v = ((uint64_t)be32(p) << 32) | be32(p + 4);
    return (int64_t)v;
}

struct tzif_hdr {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static void read_hdr(const unsigned char *p, struct tzif_hdr *h)
{
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
}

static uint64_t block_size(const struct tzif_hdr *h, int tsize)
{
    return (uint64_t)h->timecnt * (uint64_t)tsize + h->timecnt + (uint64_t)h->typecnt * 6 +
           h->charcnt + (uint64_t)h->leapcnt * (uint64_t)(tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* Parse a TZif image into tz. Returns 0 or -1 with *why set. */
static int parse_tzif(const unsigned char *d, size_t len, struct octo_tz *tz, const char **why)
{
    struct tzif_hdr h;
    const unsigned char *p;
    int tsize = 4;
    uint64_t sz;
    char version;

    *why = "not a TZif file";
    if (len < 44 || memcmp(d, "TZif", 4) != 0) {
        return -1;
    }
    version = (char)d[4];
    read_hdr(d, &h);
    sz = block_size(&h, 4);
    if (sz > len - 44) {
        *why = "truncated TZif file";
        return -1;
    }
    p = d + 44;
    if (version >= '2') {
        const unsigned char *h2 = d + 44 + sz;
        if ((uint64_t)(len - 44) - sz < 44 || memcmp(h2, "TZif", 4) != 0) {
            *why = "truncated TZif file (version 2 header missing)";
            return -1;
        }
        read_hdr(h2, &h);
        sz = block_size(&h, 8);
        if (sz > (uint64_t)(d + len - (h2 + 44))) {
            *why = "truncated TZif file";
            return -1;
        }
        p = h2 + 44;
        tsize = 8;
    }
    if (h.leapcnt != 0) {
        *why = "leap-second (\"right/\") zones are not supported";
        return -1;
    }
    if (h.typecnt == 0 || h.typecnt > TZ_MAX_TYPES || h.charcnt == 0 || h.timecnt > TZ_MAX_TIMES ||
        (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) ||
        (h.isutcnt != 0 && h.isutcnt != h.typecnt)) {
        *why = "inconsistent TZif header";
        return -1;
    }
    {
        const unsigned char *times = p;
        const unsigned char *idx = times + (size_t)h.timecnt * tsize;
        const unsigned char *ti = idx + h.timecnt;
        const unsigned char *chars = ti + (size_t)h.typecnt * 6;
        const unsigned char *end = p + sz;

        tz->timecnt = h.timecnt;
        tz->typecnt = h.typecnt;
        /* bounded by TZ_MAX_TIMES / TZ_MAX_TYPES, checked above */
        tz->ats = octo_xcalloc(h.timecnt + 1, sizeof(*tz->ats));
        tz->idx = octo_xcalloc(h.timecnt + 1, 1);
        tz->types = octo_xcalloc(h.typecnt, sizeof(*tz->types));
        for (size_t i = 0; i < h.timecnt; i++) {
            tz->ats[i] = tsize == 8 ? be64(times + i * 8) : (int64_t)(int32_t)be32(times + i * 4);
            tz->idx[i] = idx[i];
            if (idx[i] >= h.typecnt || (i > 0 && tz->ats[i] <= tz->ats[i - 1]) ||
                tz->ats[i] < -TZ_T_LIMIT || tz->ats[i] > TZ_T_LIMIT) {
                *why = "invalid TZif transition table";
                return -1;
            }
        }
        for (size_t i = 0; i < h.typecnt; i++) {
            const unsigned char *e = ti + i * 6;
            int32_t utoff = (int32_t)be32(e);
            unsigned di = e[5];
            size_t k;
            if (utoff < -TZ_UTOFF_LIMIT || utoff > TZ_UTOFF_LIMIT || e[4] > 1 || di >= h.charcnt) {
                *why = "invalid TZif local time type";
                return -1;
            }
            tz->types[i].utoff = utoff;
            tz->types[i].isdst = e[4];
            for (k = 0; di + k < h.charcnt && chars[di + k] != '\0'; k++) {
                if (k + 1 < TZ_ABBR_MAX) {
                    tz->types[i].abbr[k] = (char)chars[di + k];
                }
            }
            if (di + k >= h.charcnt) {
                *why = "invalid TZif abbreviation";
                return -1;
            }
        }
        if (tsize == 8) {
            const unsigned char *f = end;
            const unsigned char *fe;
            char buf[256];
            size_t flen;

            if (f >= d + len || *f != '\n') {
                *why = "TZif footer missing";
                return -1;
            }
            f++;
            fe = memchr(f, '\n', (size_t)(d + len - f));
            if (fe == NULL) {
                *why = "TZif footer not terminated";
                return -1;
            }
            flen = (size_t)(fe - f);
            if (flen > 0) {
                if (flen >= sizeof(buf)) {
                    *why = "TZif footer too long";
                    return -1;
                }
                memcpy(buf, f, flen);
                buf[flen] = '\0';
                if (octo_tz_parse_posix(buf, &tz->rule) != 0) {
                    *why = "invalid POSIX TZ string in the TZif footer";
                    return -1;
                }
            }
        }
    }
    return 0;
}

void octo_tz_free(struct octo_tz *tz)
{
    if (tz == NULL) {
        return;
    }
    free(tz->name);
    free(tz->ats);
    free(tz->idx);
    free(tz->types);
    free(tz);
}

const char *octo_tz_name(const struct octo_tz *tz)
{
    return tz != NULL ? tz->name : "UTC";
}

static struct octo_tz *tz_new(const char *name)
{
    struct octo_tz *tz = octo_xcalloc(1, sizeof(*tz));

    tz->name = octo_xstrdup(name);
    return tz;
}

static int tz_utc(const char *name, struct octo_tz **out, octo_error *err)
{
    struct octo_tz *tz = tz_new(name);

    (void)err;
    tz->typecnt = 1;
    tz->types = octo_xcalloc(1, sizeof(*tz->types));
    memcpy(tz->types[0].abbr, "UTC", 4);
    *out = tz;
    return 0;
}

int octo_tz_posix(const char *spec, struct octo_tz **out, octo_error *err)
{
    struct octo_tz *tz;
    struct tz_posix rule;
    char q[128];

    *out = NULL;
    if (spec == NULL || octo_tz_parse_posix(spec, &rule) != 0) {
        return tz_fail(err, OCTO_EINVAL, "time zone \"%s\": invalid POSIX TZ string",
                       tz_quote(spec != NULL ? spec : "", q, sizeof(q)));
    }
    tz = tz_new(spec);
    tz->typecnt = 1;
    tz->types = octo_xcalloc(1, sizeof(*tz->types));
    tz->types[0] = rule.std;
    tz->rule = rule;
    *out = tz;
    return 0;
}

/* Read and parse a TZif file. display is the name for messages and for
 * octo_tz_name. Returns 0, OCTO_ENOENT (missing, a directory), OCTO_EIO. */
static int load_path(const char *path, const char *display, struct octo_tz **out, octo_error *err)
{
    struct octo_tz *tz;
    struct stat st;
    unsigned char *data;
    const char *why = NULL;
    size_t got = 0;
    int fd;
    char q[128];

    *out = NULL;
    tz_quote(display, q, sizeof(q));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == ENAMETOOLONG) {
            return tz_fail(err, OCTO_ENOENT,
                           "unknown time zone \"%s\" (not in the zoneinfo database)", q);
        }
        return tz_fail(err, OCTO_EIO, "time zone \"%s\": cannot open %s: %s", q, path,
                       strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return tz_fail(err, OCTO_ENOENT, "unknown time zone \"%s\" (not a zone file)", q);
    }
    if (st.st_size > TZ_FILE_MAX) {
        close(fd);
        return tz_fail(err, OCTO_EIO, "time zone \"%s\": file too large", q);
    }
    data = octo_xmalloc((size_t)st.st_size + 1); /* at most TZ_FILE_MAX */
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, data + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    tz = tz_new(display);
    if (parse_tzif(data, got, tz, &why) != 0) {
        free(data);
        octo_tz_free(tz);
        return tz_fail(err, OCTO_EIO, "time zone \"%s\": %s", q, why);
    }
    free(data);
    *out = tz;
    return 0;
}

/* An IANA-style name: relative, components of [A-Za-z0-9_+-.] not starting
 * with '.', no "..", no empty component. */
static int valid_name(const char *name)
{
    size_t len = strlen(name);
    const char *s;

    if (len == 0 || len > 255 || name[0] == '/' || name[len - 1] == '/' ||
        strstr(name, "..") != NULL || strstr(name, "//") != NULL) {
        return 0;
    }
    for (s = name; *s != '\0'; s++) {
        char ch = *s;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '/' || ch == '_' || ch == '-' || ch == '+' || ch == '.')) {
            return 0;
        }
        if (ch == '.' && (s == name || s[-1] == '/')) {
            return 0;
        }
    }
    return 1;
}

static int is_utc_name(const char *name)
{
    return strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 || strcmp(name, "GMT") == 0 ||
           strcmp(name, "Etc/GMT") == 0;
}

static const char *zone_dir(const char *dir)
{
    if (dir == NULL) {
        dir = getenv("TZDIR");
        if (dir == NULL || *dir == '\0') {
            dir = OCTO_TZ_DEFAULT_DIR;
        }
    }
    return dir;
}

static int load_named(const char *dir, const char *name, struct octo_tz **out, octo_error *err)
{
    char path[4096];
    char q[128];
    int rc;

    if (!valid_name(name)) {
        return tz_fail(err, OCTO_EINVAL,
                       "time zone \"%s\": invalid name (expected an IANA name such as "
                       "Europe/Brussels; absolute paths and \"..\" are refused)",
                       tz_quote(name, q, sizeof(q)));
    }
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
        return tz_fail(err, OCTO_EINVAL, "time zone \"%s\": path too long",
                       tz_quote(name, q, sizeof(q)));
    }
    rc = load_path(path, name, out, err);
    if (rc == OCTO_ENOENT && is_utc_name(name)) {
        if (err != NULL) {
            memset(err, 0, sizeof(*err));
        }
        return tz_utc(name, out, err);
    }
    return rc;
}

/* The zone name /etc/localtime stands for, into buf. */
static void local_name(char *buf, size_t cap)
{
    char link[4096];
    ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);

    snprintf(buf, cap, "localtime");
    if (n > 0) {
        const char *z;
        link[n] = '\0';
        z = strstr(link, "zoneinfo/");
        if (z != NULL && valid_name(z + 9)) {
            snprintf(buf, cap, "%s", z + 9);
            return;
        }
    }
    {
        FILE *f = fopen("/etc/timezone", "re");
        if (f != NULL) {
            char line[256];
            if (fgets(line, sizeof(line), f) != NULL) {
                line[strcspn(line, " \t\r\n")] = '\0';
                if (valid_name(line)) {
                    snprintf(buf, cap, "%s", line);
                }
            }
            fclose(f);
        }
    }
}

static int load_local(const char *dir, struct octo_tz **out, octo_error *err)
{
    const char *env = getenv("TZ");
    char q[128];

    if (env != NULL) {
        const char *s = env;
        int rc;
        if (*s == '\0') {
            return tz_utc("UTC", out, err);
        }
        if (*s == ':') {
            s++;
        }
        if (*s == '/') {
            const char *z = strstr(s, "zoneinfo/");
            int lrc = load_path(s, (z != NULL && z[9] != '\0') ? z + 9 : s, out, err);
            if (lrc == OCTO_ENOENT) {
                return tz_fail(err, OCTO_ENOENT, "TZ=\"%s\": no such time zone file",
                               tz_quote(env, q, sizeof(q)));
            }
            return lrc;
        }
        if (valid_name(s)) {
            rc = load_named(dir, s, out, err);
            if (rc != OCTO_ENOENT) {
                return rc;
            }
        }
        if (octo_tz_posix(s, out, NULL) == 0) {
            if (err != NULL) {
                memset(err, 0, sizeof(*err));
            }
            return 0;
        }
        return tz_fail(
            err, OCTO_ENOENT,
            "TZ=\"%s\": unknown time zone (neither a zoneinfo name nor a POSIX TZ string)",
            tz_quote(env, q, sizeof(q)));
    }
    if (access("/etc/localtime", F_OK) == 0) {
        char name[256];
        local_name(name, sizeof(name));
        return load_path("/etc/localtime", name, out, err);
    }
    return tz_utc("UTC", out, err);
}

int octo_tz_load_dir(const char *dir, const char *name, struct octo_tz **out, octo_error *err)
{
    *out = NULL;
    dir = zone_dir(dir);
    if (name == NULL || *name == '\0') {
        return load_local(dir, out, err);
    }
    return load_named(dir, name, out, err);
}

int octo_tz_load(const char *name, struct octo_tz **out, octo_error *err)
{
    return octo_tz_load_dir(NULL, name, out, err);
}
