/* ucase.c - character classes and case mapping by code point: ASCII,
 * Latin-1, Latin Extended-A, Greek, Cyrillic (what templates meet). */
#include "tpl.h"

unsigned tpl_ucase_upper(unsigned c)
{
    if (c < 0x80) {
        return (c >= 'a' && c <= 'z') ? c - 32 : c;
    }
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) {
        return c - 32;
    }
    if (c == 0xFF) {
        return 0x178;
    }
    if (c == 0xB5) {
        return 0x39C;
    }
    if (c >= 0x100 && c <= 0x17F) {
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) {
            return (c % 2 == 0) ? c - 1 : c;
        }
        if (c == 0x131) {
            return 'I';
        }
        if (c == 0x17F) {
            return 'S';
        }
        if (c == 0x138 || c == 0x149 || c == 0x130) {
            return c;
        }
        return (c % 2 == 1) ? c - 1 : c;
    }
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) {
        return c - 32;
    }
    if (c == 0x3C2) {
        return 0x3A3;
    }
    if (c >= 0x3AC && c <= 0x3AF) {
        static const unsigned m[] = {0x386, 0x388, 0x389, 0x38A};
        return m[c - 0x3AC];
    }
    if (c == 0x3CC) {
        return 0x38C;
    }
    if (c == 0x3CD || c == 0x3CE) {
        return c - 63;
    }
    if (c >= 0x3CA && c <= 0x3CB) {
        return c - 32;
    }
    if (c >= 0x1C4 && c <= 0x1CC) {
        return c - (c - 0x1C4) % 3;
    }
    if (c >= 0x430 && c <= 0x44F) {
        return c - 32;
    }
    if (c >= 0x450 && c <= 0x45F) {
        return c - 80;
    }
    return c;
}

unsigned tpl_ucase_lower(unsigned c)
{
    if (c < 0x80) {
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    }
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) {
        return c + 32;
    }
    if (c == 0x178) {
        return 0xFF;
    }
    if (c >= 0x100 && c <= 0x17F) {
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) {
            return (c % 2 == 1) ? c + 1 : c;
        }
        if (c == 0x130) {
            return 'i';
        }
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) {
            return c;
        }
        return (c % 2 == 0) ? c + 1 : c;
    }
    if (c >= 0x391 && c <= 0x3A9) {
        return c + 32;
    }
    if (c == 0x386) {
        return 0x3AC;
    }
    if (c >= 0x388 && c <= 0x38A) {
        return c + 37;
    }
    if (c == 0x38C) {
        return 0x3CC;
    }
    if (c == 0x38E || c == 0x38F) {
        return c + 63;
    }
    if (c >= 0x1C4 && c <= 0x1CC) {
        return c + 2 - (c - 0x1C4) % 3;
    }
    if (c >= 0x410 && c <= 0x42F) {
        return c + 32;
    }
    if (c >= 0x400 && c <= 0x40F) {
        return c + 80;
    }
    return c;
}

int tpl_ucase_isspace(unsigned c)
{
    return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

int tpl_ucase_isupper(unsigned c)
{
    return tpl_ucase_lower(c) != c || (c >= 'A' && c <= 'Z');
}

int tpl_ucase_islower(unsigned c)
{
    return tpl_ucase_upper(c) != c || c == 0xDF || c == 0x138 || c == 0x149;
}

int tpl_ucase_isalpha(unsigned c)
{
    if (c < 0x80) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    if (c == 0xAA || c == 0xB5 || c == 0xBA) {
        return 1;
    }
    if (c >= 0xC0 && c <= 0x24F) {
        return c != 0xD7 && c != 0xF7;
    }
    if ((c >= 0x370 && c <= 0x3FF) || (c >= 0x400 && c <= 0x52F) || (c >= 0x5D0 && c <= 0x5EA) ||
        (c >= 0x620 && c <= 0x64A) || (c >= 0x3040 && c <= 0x30FF && c != 0x30FB) ||
        (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3) ||
        (c >= 0x1E00 && c <= 0x1FFF)) {
        return c != 0x37E && c != 0x387 && c != 0x3F6;
    }
    return 0;
}

int tpl_ucase_isdigit(unsigned c)
{
    return (c >= '0' && c <= '9') || c == 0xB2 || c == 0xB3 || c == 0xB9 ||
           (c >= 0x660 && c <= 0x669) || (c >= 0xFF10 && c <= 0xFF19);
}

int tpl_ucase_isalnum(unsigned c)
{
    return tpl_ucase_isalpha(c) || tpl_ucase_isdigit(c) || c == 0xBC || c == 0xBD || c == 0xBE;
}
