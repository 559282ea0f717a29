/* field.c -- a one-line text field (a filter, a search) that a view types into; see
 * app_state.h. */
#include <stdio.h>
#include <string.h>

#include "app_state.h"
#include "keys.h"

bool app_edit_field(char *buf, size_t size, bool *editing, int key)
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

bool app_field_prompt(char *line, size_t len, const char *label, const char *text, bool editing)
{
    if (editing)
        snprintf(line, len, " %s: %s_   (Enter: keep, Esc: clear)", label, text);
    return editing;
}

