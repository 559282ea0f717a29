/* resp.h -- what every Redis collector asks of a reply, with one rule for nil: a figure that
 * Redis did not give (nil, an error, a missing field, a reply of another type) is QT_UNKNOWN,
 * never 0. The one exception has its own name: resp_counter, for a counter key that a library
 * creates on its first increment, where nil truly means 0. */
#ifndef QT_RESP_H
#define QT_RESP_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis.h>

/* An integer reply, or a string holding a decimal integer; QT_UNKNOWN otherwise. */
long long resp_ll(const redisReply *r);
/* The same, with nil as 0: GET/HGET of a counter not created yet. */
long long resp_counter(const redisReply *r);
/* The value after name in a flat name/value array (XINFO's replies); NULL when absent. */
redisReply *resp_field(const redisReply *flat, const char *name);
/* Whether r is an error reply that starts with prefix ("NOPERM", "ERR no such key"). */
bool resp_is_error(const redisReply *r, const char *prefix);
/* The line for a connection lost during what ("lost connection to URL during WHAT: why"),
 * into err; -1, for `return resp_lost(...)`. */
int resp_lost(char *err, size_t errlen, const char *url, const char *what,
              const redisContext *ctx);

#endif
