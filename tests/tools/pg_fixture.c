/* pg_fixture.c -- for the end-to-end tests: starts a private PostgreSQL (tests/integration/
 * pg_harness.c), creates Conductor's schema and a few executions written the way Conductor
 * writes them (conductor_fixture.c), prints the conninfo on one line, then waits until its
 * stdin closes or it gets SIGTERM/SIGINT, and stops and removes the server.
 *
 *   pg_fixture [SCHEMA_SQL]      (default tests/fixtures/conductor_schema.sql)
 *
 * Executions (times relative to now):
 *   e2e-run     order_fulfilment v3 RUNNING: reserve (done), FORK, email (done), webhook (in
 *               progress, worker with an escape sequence in its id), JOIN (in progress)
 *   e2e-fail    refund v1 FAILED: lookup (done), charge (failed), charge #2 (failed)
 *   e2e-parent  nightly_report v2 COMPLETED with a SUB_WORKFLOW task -> e2e-child */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../collectors/util.h"
#include "../integration/conductor_fixture.h"
#include "../integration/pg_harness.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void load(PGconn *db, long long now)
{
    struct cf_workflow run = { "e2e-run", "order_fulfilment", "RUNNING", 3, "order-7",
                               now - 120000, 0, NULL, NULL, false };
    cf_add_workflow(db, &run);
    const struct cf_task run_tasks[] = {
        { "r-1", 1, "reserve_stock", "SIMPLE", "COMPLETED", 0, now - 120000, now - 119000,
          now - 100000, "worker-a", NULL, NULL, "{\"sku\": \"A-1\"}", "{\"reserved\": true}" },
        { "r-2", 2, "fan_out", "FORK", "COMPLETED", 0, now - 100000, now - 100000, now - 100000,
          NULL, NULL, NULL, NULL, NULL },
        { "r-3", 3, "send_email", "SIMPLE", "COMPLETED", 0, now - 100000, now - 99000,
          now - 90000, "mailer-1", NULL, NULL, NULL, NULL },
        { "r-4", 4, "notify_webhook", "SIMPLE", "IN_PROGRESS", 0, now - 100000, now - 60000, 0,
          "evil\x1b[31mworker", NULL, NULL, NULL, NULL },
        { "r-5", 5, "fan_in", "JOIN", "IN_PROGRESS", 0, now - 100000, now - 100000, 0, NULL,
          NULL, NULL, "{\"joinOn\": [\"send_email\", \"notify_webhook\"]}", NULL },
    };
    for (size_t i = 0; i < ARRAY_LEN(run_tasks); i++)
        cf_add_task(db, "e2e-run", &run_tasks[i]);

    struct cf_workflow fail = { "e2e-fail", "refund", "FAILED", 1, "order-8", now - 300000,
                                now - 240000, "Task charge failed twice", NULL, true };
    cf_add_workflow(db, &fail);
    const struct cf_task fail_tasks[] = {
        { "f-1", 1, "lookup", "SIMPLE", "COMPLETED", 0, now - 300000, now - 299000,
          now - 290000, "worker-b", NULL, NULL, NULL, NULL },
        { "f-2", 2, "charge", "SIMPLE", "FAILED", 0, now - 290000, now - 289000, now - 270000,
          "worker-c", "card declined", NULL, NULL, NULL },
        { "f-3", 3, "charge", "SIMPLE", "FAILED", 1, now - 269000, now - 268000, now - 240000,
          "worker-c", "card declined again", NULL, NULL, NULL },
    };
    for (size_t i = 0; i < ARRAY_LEN(fail_tasks); i++)
        cf_add_task(db, "e2e-fail", &fail_tasks[i]);

    struct cf_workflow parent = { "e2e-parent", "nightly_report", "COMPLETED", 2, "batch-1",
                                  now - 600000, now - 500000, NULL, NULL, false };
    cf_add_workflow(db, &parent);
    const struct cf_task parent_tasks[] = {
        { "p-1", 1, "prepare", "SIMPLE", "COMPLETED", 0, now - 600000, now - 599000,
          now - 590000, "worker-a", NULL, NULL, NULL, NULL },
        { "p-2", 2, "archive", "SUB_WORKFLOW", "COMPLETED", 0, now - 590000, now - 589000,
          now - 510000, NULL, NULL, "e2e-child", NULL, "{\"subWorkflowId\": \"e2e-child\"}" },
    };
    for (size_t i = 0; i < ARRAY_LEN(parent_tasks); i++)
        cf_add_task(db, "e2e-parent", &parent_tasks[i]);
    struct cf_workflow child = { "e2e-child", "archive_report", "COMPLETED", 1, NULL,
                                 now - 589000, now - 510000, NULL, "e2e-parent", false };
    cf_add_workflow(db, &child);
    const struct cf_task child_task = { "c-1", 1, "upload_archive", "SIMPLE", "COMPLETED", 0,
                                        now - 589000, now - 588000, now - 510000, "uploader-1",
                                        NULL, NULL, NULL, NULL };
    cf_add_task(db, "e2e-child", &child_task);

    pg_exec(db,
        "INSERT INTO workflow_index (workflow_id, correlation_id, workflow_type, start_time, status,"
        "  json_data, update_time, end_time) VALUES"
        " ('e2e-run', 'order-7', 'order_fulfilment', now() - interval '2 minutes', 'RUNNING',"
        "   '{}', now(), 'epoch'),"
        " ('e2e-fail', 'order-8', 'refund', now() - interval '5 minutes', 'FAILED',"
        "   '{}', now(), now() - interval '4 minutes'),"
        " ('e2e-parent', 'batch-1', 'nightly_report', now() - interval '10 minutes', 'COMPLETED',"
        "   '{}', now(), now() - interval '500 seconds'),"
        " ('e2e-child', NULL, 'archive_report', now() - interval '589 seconds', 'COMPLETED',"
        "   '{}', now(), now() - interval '510 seconds')");
}

int main(int argc, char **argv)
{
    const char *schema = argc > 1 ? argv[1] : "tests/fixtures/conductor_schema.sql";
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "usage: pg_fixture [SCHEMA_SQL]\n");
        return 2;
    }
    struct pg_server pg;
    if (pg_server_start(&pg) < 0)
        return 1;
    PGconn *db = pg_server_client(&pg);
    pg_exec_file(db, schema);
    load(db, wall_ms());
    PQfinish(db);

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    printf("%s\n", pg.conninfo);
    fflush(stdout);
    while (!stop_requested) {
        struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
        int n = poll(&p, 1, 500);
        if (n > 0) {
            char buf[256];
            if (read(STDIN_FILENO, buf, sizeof buf) <= 0)
                break;   /* stdin closed: the test is over */
        }
    }
    pg_server_stop(&pg);
    return 0;
}
