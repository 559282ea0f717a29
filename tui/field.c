/* field.c -- see field.h. */
#include "field.h"

#include <stdio.h>
#include <string.h>

#include "../views/view.h"
#include "keys.h"

bool field_edit(char *buf, size_t size, bool *editing, int key)
{
    size_t len = strlen(buf);
    if (key == 27 || key == QK_EXIT) {
        buf[0] = '\0';
        *editing = false;
    } else if (key == '\r' || key == '\n' || key == QK_ENTER) {
        *editing = false;
    } else if (key == QK_BACKSPACE || key == 127 || key == 8) {
        if (len)
            buf[len - 1] = '\0';
    } else if (key >= 0x20 && key < 0x7f && len + 1 < size) {
        buf[len] = (char)key;
        buf[len + 1] = '\0';
    } else {
        return false;
    }
    return true;
}

bool field_prompt(char *line, size_t len, const char *label, const char *text, bool editing)
{
    if (editing)
        snprintf(line, len, " %s: %s_   (Enter: keep, Esc: clear)", label, text);
    return editing;
}


int filter_key(struct filter *f, int key, bool *changed)
{
    *changed = false;
    if (f->editing) {
        char before[sizeof f->text];
        memcpy(before, f->text, sizeof before);
        if (!field_edit(f->text, sizeof f->text, &f->editing, key))
            return ACT_HANDLED;   /* nothing else while typing */
        *changed = strcmp(before, f->text) != 0;
        return ACT_REDRAW;
    }
    if (key == '/') {
        f->editing = true;
        return ACT_REDRAW;
    }
    if (key == 27 && f->text[0]) {
        f->text[0] = '\0';
        *changed = true;
        return ACT_REDRAW;
    }
    return ACT_NONE;
}

bool filter_prompt(const struct filter *f, char *line, size_t len, const char *label)
{
    return field_prompt(line, len, label, f->text, f->editing);
}
