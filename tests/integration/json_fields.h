/* json_fields.h -- typed field access for asserting on queuetop's JSON in cmocka tests: a field
 * of the wrong type (or missing) fails the test with its name. Include after cmocka. */
#ifndef QT_JSON_FIELDS_H
#define QT_JSON_FIELDS_H

#include <jansson.h>

static inline long long num(json_t *obj, const char *field)
{
    json_t *v = json_object_get(obj, field);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", field);
    return json_integer_value(v);
}

static inline const char *str(json_t *obj, const char *field)
{
    const char *s = json_string_value(json_object_get(obj, field));
    if (!s)
        fail_msg("%s is not a string", field);
    return s;
}

static inline void assert_null_field(json_t *obj, const char *field)
{
    if (!json_is_null(json_object_get(obj, field)))   /* a missing field is not null */
        fail_msg("%s should be null", field);
}

#endif
