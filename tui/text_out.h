/* text_out.h -- the plain-text table printed by --once without --json. */
#ifndef QT_TEXT_OUT_H
#define QT_TEXT_OUT_H

#include <stdio.h>

#include "../collectors/history.h"
#include "../collectors/snapshot.h"

void text_write_streams(const struct redis_snapshot *r, const struct history *h, FILE *out);

#endif
