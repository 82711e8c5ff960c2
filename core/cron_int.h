/* cron_int.h - the parsed form of a cron expression, shared by the parser
 * (cron_parse.c) and the next-fire search (cron.c). Internal to them. */
#ifndef OCTO_CRON_INT_H
#define OCTO_CRON_INT_H

#include <stdint.h>

#include "cron.h"

enum { F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_SEC, F_COUNT };

#define NTH_LAST 0x20u
/* A fire time is searched for at most this far (a Gregorian cycle repeats
 * every 400 years, so any pattern that can match does so within it). */
#define CRON_SPAN    ((int64_t)401 * 366 * 86400)
#define CRON_T_LIMIT ((int64_t)1 << 55)

struct octo_cron {
    uint64_t sec;   /* bits 0-59; bit 0 only for five fields */
    uint64_t min;   /* bits 0-59 */
    uint32_t hour;  /* bits 0-23 */
    uint32_t dom;   /* bits 1-31 */
    uint16_t mon;   /* bits 1-12 */
    uint8_t dow;    /* bits 0-6, 0 = Sunday */
    uint8_t nth[7]; /* per weekday: bit n-1 = the n-th (1-5), NTH_LAST = the last */
    unsigned dom_last : 1;
    unsigned dom_star : 1;
    unsigned dow_star : 1;
    unsigned has_seconds : 1;
    unsigned wildcard : 1;
};

#endif
