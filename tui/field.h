/* field.h -- a line typed into (a filter on a list, a search), and a list's filter built on it:
 * the same keys in every view that has one. */
#ifndef QT_FIELD_H
#define QT_FIELD_H

#include <stdbool.h>
#include <stddef.h>

/* One key typed into a one-line text field: printable ASCII appends, Backspace deletes, Enter
 * ends the editing and keeps the text, Esc ends it and clears the text. True when the key
 * changed the text or ended the editing, false for a key the field ignores. */
bool field_edit(char *buf, size_t size, bool *editing, int key);
/* The status line of a field being typed: " LABEL: text_   (Enter: keep, Esc: clear)"; true
 * when editing (else line is left alone), for a view's `editing`. */
bool field_prompt(char *line, size_t len, const char *label, const char *text, bool editing);

/* A list's filter: kept (shown in the view's title with what it left) until cleared. */
struct filter {
    char text[128];       /* "" none */
    bool editing;         /* being typed */
};

/* The filter's keys: while it is typed, every key (Enter keeps it, Esc clears it); '/' starts
 * typing it; Esc clears a kept one. *changed is set when the text changed (the view's rows are
 * to be rebuilt). ACT_REDRAW or ACT_HANDLED when it took the key, ACT_NONE when not (Esc with
 * no filter kept: the view's way back). */
int filter_key(struct filter *f, int key, bool *changed);
/* For a view's `editing`: the prompt while the filter is typed. */
bool filter_prompt(const struct filter *f, char *line, size_t len, const char *label);

#endif
