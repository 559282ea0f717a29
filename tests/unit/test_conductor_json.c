/* Conductor's JSON as stored in workflow.json_data / task.json_data, both generations. */
#include <stdlib.h>
#include <string.h>

#include "cm.h"
#include "../../collectors/pg_conductor.h"

static void test_current_names(void **state)
{
    (void)state;
    struct workflow_exec w;
    assert_int_equal(conductor_parse_workflow(
        "{\"workflowId\":\"a1\",\"workflowName\":\"ship\",\"workflowVersion\":4,"
        "\"status\":\"COMPLETED\",\"createTime\":1000,\"updatedTime\":5000,\"endTime\":4000,"
        "\"parentWorkflowId\":\"p9\",\"tasks\":[]}", &w), 0);
    assert_string_equal(w.id.ptr, "a1");
    assert_string_equal(w.name.ptr, "ship");
    assert_int_equal(w.version, 4);
    assert_true(w.start_ms == 1000 && w.end_ms == 4000 && w.update_ms == 5000);
    assert_string_equal(w.parent_id.ptr, "p9");
    workflow_exec_free(&w);
}

static void test_legacy_names_and_zero_times(void **state)
{
    (void)state;
    struct workflow_exec w;
    assert_int_equal(conductor_parse_workflow(
        "{\"workflowId\":\"b2\",\"workflowType\":\"refund\",\"version\":2,\"status\":\"RUNNING\","
        "\"startTime\":2000,\"createTime\":1500,\"updateTime\":2500,\"endTime\":0}", &w), 0);
    assert_string_equal(w.name.ptr, "refund");
    assert_int_equal(w.version, 2);
    assert_true(w.start_ms == 2000);             /* startTime wins over createTime */
    assert_true(w.end_ms == QT_UNKNOWN);         /* 0 means "not yet", not 1970 */
    assert_true(w.update_ms == 2500);
    workflow_exec_free(&w);
    /* the name only in the embedded definition */
    assert_int_equal(conductor_parse_workflow(
        "{\"workflowId\":\"c3\",\"workflowDefinition\":{\"name\":\"nightly\",\"version\":7}}", &w), 0);
    assert_string_equal(w.name.ptr, "nightly");
    assert_int_equal(w.version, 7);
    workflow_exec_free(&w);
}

static void test_task(void **state)
{
    (void)state;
    struct task_exec t;
    assert_int_equal(conductor_parse_task(
        "{\"taskId\":\"t1\",\"referenceTaskName\":\"sub\",\"taskType\":\"SUB_WORKFLOW\","
        "\"status\":\"IN_PROGRESS\",\"seq\":3,\"retryCount\":2,\"pollCount\":5,"
        "\"scheduledTime\":10,\"startTime\":9,\"endTime\":0,\"workerId\":\"w\","
        "\"outputData\":{\"subWorkflowId\":\"child-1\"}}", &t), 0);
    assert_string_equal(t.ref.ptr, "sub");
    assert_int_equal(t.seq, 3);
    assert_int_equal(t.retry_count, 2);
    assert_int_equal(t.poll_count, 5);
    assert_true(t.start_ms == 9 && t.scheduled_ms == 10);   /* started before scheduled: kept */
    assert_true(t.end_ms == QT_UNKNOWN);
    assert_string_equal(t.sub_workflow_id.ptr, "child-1");
    struct workflow_exec w = { 0 };
    w.tasks = malloc(sizeof t);
    w.tasks[0] = t;
    w.task_count = 1;
    workflow_exec_free(&w);   /* frees the task's strings and the array */
}

static void test_rejects_non_objects(void **state)
{
    (void)state;
    struct workflow_exec w;
    struct task_exec t;
    assert_int_equal(conductor_parse_workflow("[1,2]", &w), -1);
    assert_int_equal(conductor_parse_workflow("not json", &w), -1);
    assert_int_equal(conductor_parse_task("", &t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_current_names),
        cmocka_unit_test(test_legacy_names_and_zero_times),
        cmocka_unit_test(test_task),
        cmocka_unit_test(test_rejects_non_objects),
    };
    return cmocka_run_group_tests_name("conductor_json", tests, NULL, NULL);
}
