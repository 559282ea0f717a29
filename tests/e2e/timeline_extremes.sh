#!/bin/sh
# End-to-end: the timeline of executions whose times are hostile (a task ending in the year
# 285 million, times at the ends of the int64 range, an end before its start) in tmux at 80x24,
# staged in the private PostgreSQL fixture as raw Conductor rows. Each must draw a frame, take
# zoom and scroll keys at the extremes, and leave on q within a second. Prints TAP.
set -u
tmp=$(mktemp -d "${TMPDIR:-/tmp}/queuetop-e2e-XXXXXX")
sock="qt-e2e-tlx-$$"
. tests/e2e/common.inc
trap e2e_cleanup EXIT INT TERM
start_pg_fixture

now=$(($(date +%s) * 1000))
# stage WF_ID NAME WF_START WF_END TASK_SCHED TASK_START TASK_END: one execution with one
# COMPLETED task, its JSON as Conductor writes it, the times taken as given
stage() {
    wf="{\"workflowId\":\"$1\",\"workflowName\":\"$2\",\"workflowVersion\":1,\"status\":\"COMPLETED\",\"createTime\":$3,\"endTime\":$4,\"updatedTime\":$4,\"tasks\":[]}"
    task="{\"taskId\":\"$1-t1\",\"workflowInstanceId\":\"$1\",\"seq\":1,\"referenceTaskName\":\"far_task\",\"taskType\":\"SIMPLE\",\"taskDefName\":\"SIMPLE\",\"status\":\"COMPLETED\",\"retryCount\":0,\"scheduledTime\":$5,\"startTime\":$6,\"endTime\":$7,\"updateTime\":$7,\"inputData\":{},\"outputData\":{}}"
    psql -q -v ON_ERROR_STOP=1 "$conninfo" >/dev/null <<SQL || { echo "not ok 1 - staging $1 failed"; exit 1; }
INSERT INTO workflow (workflow_id, json_data) VALUES ('$1', '$wf');
INSERT INTO task (task_id, json_data) VALUES ('$1-t1', '$task');
INSERT INTO workflow_to_task (workflow_id, task_id) VALUES ('$1', '$1-t1');
SQL
}
stage tlx-far far_end "$now" "$((now + 5000))" "$now" "$((now + 1000))" 9000000000000000000
stage tlx-max max_end "$now" 9223372036854775807 "$now" "$now" 9223372036854775807
stage tlx-min min_start -9223372036854775807 "$now" -9223372036854775807 1 "$now"
stage tlx-back end_before_start "$((now + 60000))" "$now" "$((now + 60000))" "$((now + 60000))" "$now"

start() {   # start ARGS...: queuetop on the fixture
    qt_start --pg "'$conninfo'" --interval 0.5 "$@"
}
# quits_within_1s: q, then the session must be gone within 1 s
quits_within_1s() {
    keys q
    i=0
    while tmux -L "$sock" has-session -t qt 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 10 ] && return 1; sleep 0.1
    done
}
# keys_repeat KEY N: KEY sent N times
keys_repeat() {
    j=0
    while [ $j -lt "$2" ]; do keys "$1"; j=$((j + 1)); done
}

# 1. the reported case: a task whose endTime is 9000000000000000000
start --workflow tlx-far
if wait_for "far_end v1  COMPLETED" 10 && grep -qE "^ +1 +far_task +DONE" "$tmp/screen" &&
    grep -qF "|+0s" "$tmp/screen"
then pass "a task ending at 9e18 ms draws a frame with its row and the axis"
else fail "a task ending at 9e18 ms draws a frame with its row and the axis"; fi
if quits_within_1s; then pass "q leaves within 1 s"; else capture; fail "q leaves within 1 s"; fi

# 2. every execution: zoom and scroll to both extremes, still drawing, then q in 1 s
for id in tlx-far:far_end tlx-max:max_end tlx-min:min_start tlx-back:end_before_start; do
    wf=${id%%:*}; name=${id#*:}
    start --workflow "$wf"
    wait_for "$name v1  COMPLETED" 10
    keys_repeat - 70
    keys_repeat ">" 70
    keys_repeat + 70
    keys_repeat "<" 70
    keys_repeat ">" 70
    keys f
    sleep 0.3
    if wait_for "$name v1  COMPLETED" 3 && grep -qE "^ +1 +far_task +DONE" "$tmp/screen"
    then pass "$wf: zoom and scroll at the extremes keep drawing"
    else fail "$wf: zoom and scroll at the extremes keep drawing"; fi
    if quits_within_1s; then pass "$wf: q leaves within 1 s"; else capture; fail "$wf: q leaves within 1 s"; fi
done
echo "1..$n"
