/* sanitize.c -- see sanitize.h. */
#include "sanitize.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
    if (len == 0)
        return 0;
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        n = 2; min = 0x80; c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3; min = 0x800; c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4; min = 0x10000; c &= 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* Characters that are valid but must not reach a terminal as themselves. */
static bool is_hidden_or_control(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F)          /* C1 controls (8-bit CSI, OSC...) */
        || cp == 0xAD                          /* soft hyphen */
        || (cp >= 0x200B && cp <= 0x200F)      /* zero-width, LRM/RLM */
        || (cp >= 0x2028 && cp <= 0x202E)      /* separators, bidi embeddings/overrides */
        || (cp >= 0x2060 && cp <= 0x206F)      /* word joiner, bidi isolates, invisible ops */
        || cp == 0xFEFF                        /* BOM / zero-width no-break space */
        || (cp >= 0xFFF9 && cp <= 0xFFFB)      /* interlinear annotation */
        || (cp >= 0xE0000 && cp <= 0xE007F);   /* tag characters */
}

/* Renders one piece for the character at s[i]; returns bytes consumed from s. */
static size_t piece_at(const unsigned char *s, size_t len, size_t i, bool utf8, char *piece,
                       size_t *plen, int *pcols)
{
    unsigned cp = s[i];
    size_t n = utf8 ? utf8_decode(s + i, len - i, &cp) : (s[i] < 0x80 ? 1 : 0);
    if (n == 0) {
        *plen = (size_t)snprintf(piece, 16, "\\x%02x", s[i]);
        *pcols = (int)*plen;
        return 1;
    }
    if (cp == '\\') {
        memcpy(piece, "\\\\", 2);
        *plen = 2;
        *pcols = 2;
    } else if (cp < 0x20 || cp == 0x7F) {
        *plen = (size_t)snprintf(piece, 16, "\\x%02x", cp);
        *pcols = (int)*plen;
    } else if (cp < 0x80) {
        piece[0] = (char)cp;
        *plen = 1;
        *pcols = 1;
    } else {
        int w = is_hidden_or_control(cp) ? -1 : wcwidth((wchar_t)cp);
        if (w <= 0) {
            *plen = (size_t)snprintf(piece, 16, "\\u{%04x}", cp);
            *pcols = (int)*plen;
        } else {
            memcpy(piece, s + i, n);
            *plen = n;
            *pcols = w;
        }
    }
    return n;
}

/* Renders as much as fits in max_cols columns and room bytes; *cut tells whether input remained. */
static int render(const unsigned char *s, size_t len, char *out, size_t room, int max_cols,
                  bool utf8, bool *cut, size_t *used)
{
    size_t o = 0, i = 0;
    int cols = 0;
    *cut = false;
    while (i < len) {
        char piece[16];
        size_t plen;
        int pcols;
        size_t n = piece_at(s, len, i, utf8, piece, &plen, &pcols);
        if (cols + pcols > max_cols || o + plen > room) {
            *cut = true;
            break;
        }
        memcpy(out + o, piece, plen);
        o += plen;
        cols += pcols;
        i += n;
    }
    *used = o;
    return cols;
}

int sanitize_for_cell(const char *in, size_t len, char *out, size_t outsz, int max_cols, bool utf8)
{
    const unsigned char *s = (const unsigned char *)in;
    const char *ellipsis = utf8 ? "\xE2\x80\xA6" : "~";
    size_t elen = strlen(ellipsis), used;
    bool cut;
    if (outsz == 0)
        return 0;
    out[0] = '\0';
    if (max_cols < 0)
        max_cols = (int)outsz;
    if (max_cols == 0)
        return 0;
    int cols = render(s, len, out, outsz - 1, max_cols, utf8, &cut, &used);
    if (cut) {
        /* Again, leaving one column and the ellipsis' bytes free. */
        if (outsz - 1 < elen) {
            out[0] = '\0';
            return 0;
        }
        cols = render(s, len, out, outsz - 1 - elen, max_cols - 1, utf8, &cut, &used);
        memcpy(out + used, ellipsis, elen);
        used += elen;
        cols += 1;
    }
    out[used] = '\0';
    return cols;
}
