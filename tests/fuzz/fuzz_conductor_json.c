/* libFuzzer: whatever JSON text Conductor's tables hold, conductor_parse_workflow and
 * conductor_parse_task return 0 or -1, and on 0 leave every string owned and NUL-terminated and
 * every time either a real epoch ms (> 0) or QT_UNKNOWN. workflow_exec_free / task_exec_free
 * after 0, and nothing after -1, must leave nothing behind (LeakSanitizer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../collectors/pg_conductor.h"
#include "../../collectors/workflow.h"

/* UBSan findings (a float cast out of range, say) are failures here, not log lines. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}

static void check_bytes(const struct bytes *b)
{
    if (b->ptr == NULL || b->ptr[b->len] != '\0')
        abort();
}

static void check_time(long long ms)
{
    if (ms <= 0 && ms != QT_UNKNOWN)
        abort();
}

static void check_workflow(const struct workflow_exec *w)
{
    const struct bytes *fields[] = { &w->id, &w->name, &w->status, &w->correlation_id,
                                     &w->reason, &w->parent_id, &w->input, &w->output };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        check_bytes(fields[i]);
    check_time(w->start_ms);
    check_time(w->end_ms);
    check_time(w->update_ms);
    /* the stored JSON has no tasks: the parser must not invent any */
    if (w->tasks != NULL || w->task_count != 0)
        abort();
}

static void check_task(const struct task_exec *t)
{
    const struct bytes *fields[] = { &t->task_id, &t->ref, &t->type, &t->status, &t->worker_id,
                                     &t->reason, &t->sub_workflow_id, &t->workflow_id,
                                     &t->input, &t->output };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        check_bytes(fields[i]);
    check_time(t->scheduled_ms);
    check_time(t->start_ms);
    check_time(t->end_ms);
    check_time(t->update_ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';

    struct workflow_exec w;
    int rc = conductor_parse_workflow(text, &w);
    if (rc != 0 && rc != -1)
        abort();
    if (rc == 0) {
        check_workflow(&w);
        workflow_exec_free(&w);
    }   /* after -1 callers free nothing: LeakSanitizer holds the parser to that */

    struct task_exec t;
    rc = conductor_parse_task(text, &t);
    if (rc != 0 && rc != -1)
        abort();
    if (rc == 0) {
        check_task(&t);
        task_exec_free(&t);
    }

    free(text);
    return 0;
}
