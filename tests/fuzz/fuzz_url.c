/* libFuzzer: redis_url_parse never crashes, always NUL-terminates its fields, gives a reason on
 * failure, and the display form does not depend on the password. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../collectors/redis_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1);
    memcpy(url, data, size);
    url[size] = '\0';
    struct redis_target t;
    char err[256] = "";
    if (redis_url_parse(url, &t, err, sizeof err) == 0) {
        if (memchr(t.host, '\0', sizeof t.host) == NULL || memchr(t.path, '\0', sizeof t.path) == NULL)
            abort();
        if (t.port < 1 || t.port > 65535 || t.db < 0)
            abort();
        /* the display must not depend on the password at all */
        char shown[1024], blanked[1024];
        redis_target_display(&t, shown, sizeof shown);
        struct redis_target other = t;
        memset(other.password, 0, sizeof other.password);
        strcpy(other.password, "x");
        redis_target_display(&other, blanked, sizeof blanked);
        if (strcmp(shown, blanked) != 0)
            abort();
    } else if (err[0] == '\0' || strchr(err, '\n')) {
        abort();
    }
    free(url);
    return 0;
}
