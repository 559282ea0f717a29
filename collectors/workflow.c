/* workflow.c -- see workflow.h. */
#include "workflow.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void task_exec_free(struct task_exec *t)
{
    bytes_free(&t->task_id);
    bytes_free(&t->ref);
    bytes_free(&t->type);
    bytes_free(&t->status);
    bytes_free(&t->worker_id);
    bytes_free(&t->reason);
    bytes_free(&t->sub_workflow_id);
    bytes_free(&t->workflow_id);
    bytes_free(&t->input);
    bytes_free(&t->output);
    memset(t, 0, sizeof *t);
}

void workflow_exec_free(struct workflow_exec *w)
{
    bytes_free(&w->id);
    bytes_free(&w->name);
    bytes_free(&w->status);
    bytes_free(&w->correlation_id);
    bytes_free(&w->reason);
    bytes_free(&w->parent_id);
    bytes_free(&w->input);
    bytes_free(&w->output);
    for (size_t i = 0; i < w->task_count; i++)
        task_exec_free(&w->tasks[i]);
    free(w->tasks);
    memset(w, 0, sizeof *w);
}

static int by_seq(const void *pa, const void *pb)
{
    const struct task_exec *a = pa, *b = pb;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    if (a->scheduled_ms != b->scheduled_ms)
        return a->scheduled_ms < b->scheduled_ms ? -1 : 1;
    return bytes_cmp(&a->task_id, &b->task_id);
}

void workflow_sort_tasks(struct workflow_exec *w)
{
    if (w->task_count > 1)
        qsort(w->tasks, w->task_count, sizeof *w->tasks, by_seq);
}

enum wf_status_class wf_status_class(const char *s)
{
    static const struct { const char *name; enum wf_status_class cls; } map[] = {
        { "COMPLETED", WF_ST_DONE },
        { "RUNNING", WF_ST_ACTIVE },       { "IN_PROGRESS", WF_ST_ACTIVE },
        { "SCHEDULED", WF_ST_ACTIVE },     { "PENDING", WF_ST_ACTIVE },
        { "FAILED", WF_ST_FAILED },        { "FAILED_WITH_TERMINAL_ERROR", WF_ST_FAILED },
        { "TIMED_OUT", WF_ST_FAILED },     { "CANCELED", WF_ST_FAILED },
        { "CANCELLED", WF_ST_FAILED },     { "CRASHED", WF_ST_FAILED },
        { "TERMINATED", WF_ST_FAILED },
        { "COMPLETED_WITH_ERRORS", WF_ST_WARN }, { "PAUSED", WF_ST_WARN },
        { "CANCELLING", WF_ST_WARN },      { "RETRYING", WF_ST_WARN },
        { "SKIPPED", WF_ST_SKIPPED },
    };
    for (size_t i = 0; s && i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(s, map[i].name) == 0)
            return map[i].cls;
    }
    return WF_ST_OTHER;
}

void exec_brief_free(struct exec_brief *b)
{
    bytes_free(&b->id);
    bytes_free(&b->name);
    bytes_free(&b->status);
    bytes_free(&b->correlation_id);
    bytes_free(&b->reason);
    bytes_free(&b->failed_ref);
    bytes_free(&b->failed_reason);
}

void workflow_summary_free(struct workflow_summary *s)
{
    for (size_t i = 0; i < s->count_n; i++)
        bytes_free(&s->counts[i].type);
    free(s->counts);
    for (size_t i = 0; i < s->running_n; i++)
        exec_brief_free(&s->running[i]);
    for (size_t i = 0; i < s->failures_n; i++)
        exec_brief_free(&s->failures[i]);
    for (size_t i = 0; i < s->rate_n; i++)
        bytes_free(&s->rates[i].type);
    free(s->rates);
    memset(s, 0, sizeof *s);
}

/* ---- deep copies (the collector keeps its state and hands copies to snapshots) ------------ */

static void copy_bytes(struct bytes *dst, const struct bytes *src)
{
    bytes_set(dst, src->ptr ? src->ptr : "", src->ptr ? src->len : 0);
}

void exec_brief_copy(struct exec_brief *dst, const struct exec_brief *src)
{
    *dst = *src;
    copy_bytes(&dst->id, &src->id);
    copy_bytes(&dst->name, &src->name);
    copy_bytes(&dst->status, &src->status);
    copy_bytes(&dst->correlation_id, &src->correlation_id);
    copy_bytes(&dst->reason, &src->reason);
    copy_bytes(&dst->failed_ref, &src->failed_ref);
    copy_bytes(&dst->failed_reason, &src->failed_reason);
}

void workflow_summary_copy(struct workflow_summary *dst, const struct workflow_summary *src)
{
    *dst = *src;
    dst->counts = src->count_n ? xcalloc(src->count_n, sizeof *dst->counts) : NULL;
    for (size_t i = 0; i < src->count_n; i++) {
        dst->counts[i] = src->counts[i];
        copy_bytes(&dst->counts[i].type, &src->counts[i].type);
    }
    for (size_t i = 0; i < src->running_n; i++)
        exec_brief_copy(&dst->running[i], &src->running[i]);
    for (size_t i = 0; i < src->failures_n; i++)
        exec_brief_copy(&dst->failures[i], &src->failures[i]);
    dst->rates = src->rate_n ? xcalloc(src->rate_n, sizeof *dst->rates) : NULL;
    for (size_t i = 0; i < src->rate_n; i++) {
        dst->rates[i] = src->rates[i];
        copy_bytes(&dst->rates[i].type, &src->rates[i].type);
    }
}

void workflow_exec_copy(struct workflow_exec *dst, const struct workflow_exec *src)
{
    *dst = *src;
    copy_bytes(&dst->id, &src->id);
    copy_bytes(&dst->name, &src->name);
    copy_bytes(&dst->status, &src->status);
    copy_bytes(&dst->correlation_id, &src->correlation_id);
    copy_bytes(&dst->reason, &src->reason);
    copy_bytes(&dst->parent_id, &src->parent_id);
    copy_bytes(&dst->input, &src->input);
    copy_bytes(&dst->output, &src->output);
    dst->tasks = src->task_count ? xcalloc(src->task_count, sizeof *dst->tasks) : NULL;
    for (size_t i = 0; i < src->task_count; i++) {
        const struct task_exec *s = &src->tasks[i];
        struct task_exec *t = &dst->tasks[i];
        *t = *s;
        copy_bytes(&t->task_id, &s->task_id);
        copy_bytes(&t->ref, &s->ref);
        copy_bytes(&t->type, &s->type);
        copy_bytes(&t->status, &s->status);
        copy_bytes(&t->worker_id, &s->worker_id);
        copy_bytes(&t->reason, &s->reason);
        copy_bytes(&t->sub_workflow_id, &s->sub_workflow_id);
        copy_bytes(&t->workflow_id, &s->workflow_id);
        copy_bytes(&t->input, &s->input);
        copy_bytes(&t->output, &s->output);
    }
}

static int by_start_desc(const void *pa, const void *pb)
{
    const struct exec_brief *a = pa, *b = pb;
    if (a->start_ms != b->start_ms)
        return a->start_ms > b->start_ms ? -1 : 1;   /* QT_UNKNOWN (< 0) sorts last */
    return bytes_cmp(&a->id, &b->id);
}

void exec_briefs_sort_newest(struct exec_brief *list, size_t n)
{
    if (n > 1)
        qsort(list, n, sizeof *list, by_start_desc);
}
