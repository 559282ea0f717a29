/* text_scroll.h -- the scrolling of a view drawn as lines of text (server health, locks and
 * prefixes, one stream, help): where it starts, and what its last draw had, so that the keys
 * stop at the ends. Owned by the view that scrolls. */
#ifndef QT_TEXT_SCROLL_H
#define QT_TEXT_SCROLL_H

struct text_scroll {
    int first;    /* first line shown */
    int lines;    /* lines the last draw had */
    int page;     /* lines it could show */
};

/* j/k, arrows, PgUp/PgDn (and space), Home/End (g/G): moves first, clamped to the last draw;
 * ACT_REDRAW, or ACT_NONE for any other key. */
int text_scroll_key(struct text_scroll *s, int key);
/* After a draw counted lines and page: first no further than the last full page. */
void text_scroll_clamp(struct text_scroll *s);

#endif
