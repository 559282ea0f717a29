/* timeline_model.h -- the arithmetic of the execution timeline (Gantt), apart from curses so
 * unit tests can check it: a time axis (epoch ms at column 0, ms per column) that fits, zooms
 * and scrolls; each task's bars as column ranges; fork/join nesting; the colour family of a
 * status. Times are epoch ms, QT_UNKNOWN when the engine did not record them. */
#ifndef QT_TIMELINE_MODEL_H
#define QT_TIMELINE_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "../collectors/workflow.h"

struct tl_axis {
    int64_t t0_ms;         /* time at the left edge of column 0 */
    double ms_per_col;     /* > 0 */
    int cols;              /* columns of the bar area */
};

/* The span an execution covers: its start (or its earliest task time) to its end (or now, or
 * its latest task time when later), into from_ms and to_ms; to is always after from. */
void tl_span(const struct workflow_exec *w, int64_t now_ms, int64_t *from_ms, int64_t *to_ms);
/* Fits the whole span into cols columns (a little room on the right for growth). */
void tl_axis_fit(struct tl_axis *a, const struct workflow_exec *w, int64_t now_ms, int cols);
/* Multiplies the ms per column by factor (0.5 zooms in), keeping the time under column
 * anchor where it was. Bounded to [1 ms, 1/8 of the axis domain] per column; times after
 * year 9999 are drawn at its end, and the left edge stays within a domain's width of it. */
void tl_axis_zoom(struct tl_axis *a, double factor, int anchor);
/* Moves the view by cols columns (negative: back in time). */
void tl_axis_scroll(struct tl_axis *a, int cols);
/* The column of a time, not clipped (may be < 0 or >= cols). */
long tl_col(const struct tl_axis *a, int64_t t_ms);

/* A task's bars as half-open column ranges clipped to [0, cols); from == to when nothing of
 * that part is visible. A started task's run bar is at least one column wide so it shows. */
struct tl_bar {
    int wait_from, wait_to;   /* scheduled -> start (or -> now while waiting) */
    int run_from, run_to;     /* start -> end (or -> now while running) */
    bool ongoing;             /* the run or the wait has no end yet: it grows */
    bool off_left, off_right; /* some of it is outside the view */
};
void tl_task_bar(const struct tl_axis *a, const struct task_exec *t, int64_t now_ms,
                 struct tl_bar *out);

/* Fork/join nesting per task: depth[i] is how many FORK ... JOIN pairs enclose task i (a FORK
 * and its JOIN are at the outer depth). Conductor records no branch numbers, so tasks between
 * a FORK and its JOIN are marked as the fork's branches. */
void tl_fork_depth(const struct workflow_exec *w, int *depth);
bool tl_is_fork(const struct task_exec *t);
bool tl_is_join(const struct task_exec *t);

/* A tick spacing for the axis: a round duration (1 ms ... 1 day) at least min_cols columns
 * wide. */
int64_t tl_tick_ms(const struct tl_axis *a, int min_cols);

#endif
