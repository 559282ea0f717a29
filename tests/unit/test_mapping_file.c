/* Mapping files (collectors/pg_mapping.c): what loads, and the exact message for each way a file
 * can be wrong, since a user fixes the file from that one line. Files are written to a private
 * temporary directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm.h"
#include "../../collectors/pg_mapping.h"

static char dir[64];
static char path[128];
static char err[512];

#define WORKFLOW_OK                                                                         \
    "\"workflow\": {\"sql\": \"SELECT * FROM jobs WHERE id = $1\", \"columns\": {"          \
    "\"id\": \"id\", \"name\": \"kind\", \"status\": \"state\", \"start_ms\": \"t\"}}"

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/queuetop-mapping-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/mapping.json", dir);
    return 0;
}

static int remove_dir(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

/* Writes text as the mapping file and loads it: the mapping, or NULL with err set. */
static struct wf_mapping *load_text(const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    fclose(f);
    err[0] = '\0';
    return wf_mapping_load(path, err, sizeof err);
}

/* Loading text must fail with exactly "PATH: " + want. */
static void assert_load_error(const char *text, const char *want)
{
    struct wf_mapping *m = load_text(text);
    if (m) {
        wf_mapping_free(m);
        fail_msg("loaded, but should fail with: %s", want);
    }
    char full[600];
    snprintf(full, sizeof full, "%s: %s", path, want);
    assert_string_equal(err, full);
}

static void test_example_loads(void **state)
{
    (void)state;
    struct wf_mapping *m = wf_mapping_load("tests/fixtures/mapping_example.json", err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    assert_string_equal(wf_mapping_path(m), "tests/fixtures/mapping_example.json");
    wf_mapping_free(m);
    wf_mapping_free(NULL);   /* fine */
}

static void test_minimal_and_line_arrays_load(void **state)
{
    (void)state;
    struct wf_mapping *m = load_text("{" WORKFLOW_OK "}");
    if (!m)
        fail_msg("%s", err);
    wf_mapping_free(m);
    m = load_text("{\"description\": \"ours\", \"workflow\": {\"description\": \"one job\","
                  " \"sql\": [\"SELECT id, kind, state, t -- the header\", \"FROM jobs\","
                  " \"WHERE id = $1;\"], \"columns\": {\"id\": \"id\", \"name\": \"kind\","
                  " \"status\": \"state\", \"start_ms\": \"t\"}},"
                  " \"rates\": {\"window_minutes\": 30, \"sql\": \"SELECT 1\", \"columns\": {"
                  " \"type\": \"a\", \"started\": \"b\", \"completed\": \"c\","
                  " \"failed\": \"d\"}}}");
    if (!m)
        fail_msg("%s", err);
    wf_mapping_free(m);
}

static void test_syntax_error_names_line_and_column(void **state)
{
    (void)state;
    struct wf_mapping *m = load_text("{\n  \"workflow\": {\n    \"sql\": \"SELECT 1\",,\n  }\n}\n");
    assert_null(m);
    char want[300];
    snprintf(want, sizeof want, "%s:3:23: string or '}' expected near ','", path);
    assert_string_equal(err, want);

    /* a key given twice is a syntax error too: the second would silently win otherwise */
    assert_null(load_text("{" WORKFLOW_OK ",\n\"workflow\": {}}"));
    snprintf(want, sizeof want, "%s:2:10: duplicate object key near '\"workflow\"'", path);
    assert_string_equal(err, want);

    /* NUL bytes cannot reach the SQL or a column name */
    assert_null(load_text("{\"workflow\": {\"sql\": \"SELECT \\u0000 1\"}}"));
    snprintf(want, sizeof want, "%s:1:38: \\u0000 is not allowed without JSON_ALLOW_NUL near"
             " '\"SELECT \\u0000 1\"'", path);
    assert_string_equal(err, want);
}

static void test_file_and_top_level(void **state)
{
    (void)state;
    assert_null(wf_mapping_load("/nonexistent/mapping.json", err, sizeof err));
    assert_string_equal(err, "/nonexistent/mapping.json: cannot open: No such file or directory");
    assert_null(wf_mapping_load(dir, err, sizeof err));
    char want[200];
    snprintf(want, sizeof want, "%s: cannot open: Is a directory", dir);
    assert_string_equal(err, want);

    assert_load_error("[]", "the top level must be an object of sections");
    assert_load_error("{\"description\": 1, " WORKFLOW_OK "}",
                      "\"description\": must be a string");
    assert_load_error("{\"counts\": {\"sql\": \"SELECT 1\", \"columns\": {\"type\": \"a\","
                      " \"status\": \"b\", \"count\": \"c\"}}}",
                      "\"workflow\": missing (a required section)");
}

static void test_unknown_keys_are_named(void **state)
{
    (void)state;
    /* a near miss gets a suggestion, anything else the list */
    assert_load_error("{\"workflows\": {}}",
                      "\"workflows\": unknown section (did you mean \"workflow\"?)");
    assert_load_error("{\"summary\": {}}",
                      "\"summary\": unknown section (known: description, counts, running,"
                      " failures, rates, find, workflow, tasks)");
    assert_load_error("{\"workflow\": {\"sql\": \"SELECT 1\", \"colums\": {}}}",
                      "\"workflow.colums\": unknown key (did you mean \"columns\"?)");
    /* window_minutes belongs to rates only */
    assert_load_error("{\"workflow\": {\"window_minutes\": 5}}",
                      "\"workflow.window_minutes\": unknown key (known: description, sql,"
                      " columns)");
    assert_load_error("{\"workflow\": {\"sql\": \"SELECT 1\", \"columns\": {\"id\": \"id\","
                      " \"corelation_id\": \"c\"}}}",
                      "\"workflow.columns.corelation_id\": unknown field (did you mean"
                      " \"correlation_id\"?)");
    assert_load_error("{\"tasks\": {\"sql\": \"SELECT 1\", \"columns\": {\"id\": \"id\"}}}",
                      "\"tasks.columns.id\": unknown field (did you mean \"task_id\"?)");
    assert_load_error("{\"counts\": {\"sql\": \"SELECT 1\","
                      " \"columns\": {\"workflow_type\": \"t\"}}}",
                      "\"counts.columns.workflow_type\": unknown field (known: type, status,"
                      " count)");
}

static void test_required_columns_are_named(void **state)
{
    (void)state;
    assert_load_error("{\"workflow\": {\"sql\": \"SELECT 1\", \"columns\": {\"id\": \"a\","
                      " \"name\": \"b\", \"start_ms\": \"d\"}}}",
                      "\"workflow.columns.status\": missing");
    assert_load_error("{" WORKFLOW_OK ", \"tasks\": {\"sql\": \"SELECT 1\", \"columns\": {"
                      "\"task_id\": \"a\", \"ref\": \"b\", \"status\": \"c\"}}}",
                      "\"tasks.columns.seq\": missing");
    assert_load_error("{" WORKFLOW_OK ", \"failures\": {\"sql\": \"SELECT 1\", \"columns\": {"
                      "\"id\": \"a\", \"name\": \"b\", \"status\": \"c\"}}}",
                      "\"failures.columns.end_ms\": missing");
    assert_load_error("{\"workflow\": {\"sql\": \"SELECT 1\"}}", "\"workflow.columns\": missing");
    assert_load_error("{\"workflow\": {\"sql\": \"SELECT 1\", \"columns\": [\"id\"]}}",
                      "\"workflow.columns\": must be an object of field names to result column"
                      " names");
    assert_load_error("{\"workflow\": {\"sql\": \"SELECT 1\", \"columns\": {\"id\": \"\"}}}",
                      "\"workflow.columns.id\": must be a non-empty string: the name of a column"
                      " of the result");
    assert_load_error("{\"workflow\": {\"sql\": \"SELECT 1\", \"columns\": {\"id\": 3}}}",
                      "\"workflow.columns.id\": must be a non-empty string: the name of a column"
                      " of the result");
}

static void test_section_shapes(void **state)
{
    (void)state;
    assert_load_error("{\"workflow\": \"SELECT 1\"}",
                      "\"workflow\": must be an object with \"sql\" and \"columns\"");
    assert_load_error("{\"workflow\": {\"columns\": {}}}", "\"workflow.sql\": missing");
    assert_load_error("{\"workflow\": {\"sql\": 42}}",
                      "\"workflow.sql\": must be a string (or an array of strings, its lines)");
    assert_load_error("{\"workflow\": {\"sql\": [\"SELECT 1\", null]}}",
                      "\"workflow.sql[1]\": must be a string");
    assert_load_error("{" WORKFLOW_OK ", \"rates\": {\"window_minutes\": 0}}",
                      "\"rates.window_minutes\": must be a whole number of minutes from 1 to"
                      " 1440");
    assert_load_error("{" WORKFLOW_OK ", \"rates\": {\"window_minutes\": \"5\"}}",
                      "\"rates.window_minutes\": must be a whole number of minutes from 1 to"
                      " 1440");
}

static void test_sql_must_be_one_read_statement(void **state)
{
    (void)state;
    assert_load_error("{\"workflow\": {\"sql\": \"DELETE FROM jobs WHERE id = $1\"}}",
                      "\"workflow.sql\": must be one read statement starting with SELECT or WITH"
                      " (it starts with \"DELETE\")");
    assert_load_error("{\"workflow\": {\"sql\": \"  selectivity\"}}",
                      "\"workflow.sql\": must be one read statement starting with SELECT or WITH"
                      " (it starts with \"selectivity\")");
    assert_load_error("{\"workflow\": {\"sql\": \"(SELECT 1)\"}}",
                      "\"workflow.sql\": must be one read statement starting with SELECT or WITH"
                      " (it starts with \"(\")");
    assert_load_error("{\"workflow\": {\"sql\": \"-- nothing\\n/* at all */\"}}",
                      "\"workflow.sql\": is empty");
    assert_load_error("{\"workflow\": {\"sql\": \"SELECT 1; DROP TABLE jobs\"}}",
                      "\"workflow.sql\": must be one statement: text follows the ';' at"
                      " character 9");
    assert_load_error("{\"workflow\": {\"sql\": [\"SELECT 1;\", \"-- fine\", \"SELECT 2\"]}}",
                      "\"workflow.sql\": must be one statement: text follows the ';' at"
                      " character 9");
    assert_load_error("{\"workflow\": {\"sql\": \"SELECT 'it''s\"}}",
                      "\"workflow.sql\": has an unterminated quoted string");
    assert_load_error("{\"workflow\": {\"sql\": \"SELECT $2\"}}",
                      "\"workflow.sql\": uses $2, but the only parameter is $1 ($1 = the"
                      " execution id)");
    assert_load_error("{" WORKFLOW_OK ", \"counts\": {\"sql\": \"SELECT $0\"}}",
                      "\"counts.sql\": uses $0, but the only parameter is $1 ($1 = the window in"
                      " hours)");
}

/* The scanner on its own: what hides a ';' or a '$1', and what does not. */
static void test_sql_scanner(void **state)
{
    (void)state;
    static const struct { const char *sql; int params; } ok[] = {
        { "SELECT 1", 0 },
        { "select 1;", 0 },
        { "SELECT 1;  -- done\n", 0 },
        { "SELECT 1; /* done */", 0 },
        { "WITH x AS (SELECT $1::int AS h) SELECT h FROM x", 1 },
        { "SELECT ';' AS semi, '$2' AS dollar", 0 },
        { "SELECT 1 -- ; DROP TABLE jobs\n", 0 },
        { "SELECT 1 /* ; /* nested ; */ still a comment ; */", 0 },
        { "SELECT $$ ; $2 $$ AS body", 0 },
        { "SELECT $fn$ ; it's $$ $fn$ AS body, $1", 1 },
        { "SELECT E'\\'; $2' AS escaped", 0 },
        { "SELECT 'a\\', $1 AS standard_string", 1 },
        { "SELECT \"a;b\", \"x\"\"$2\" FROM t", 0 },
        { "SELECT x$2 FROM t", 0 },
        { "SELECT id FROM jobs WHERE id = $1 OR key = $1", 1 },
        /* the words that write, as parts of names, quoted or in strings, are fine */
        { "SELECT updated_at, \"delete\", 'insert into' FROM jobs -- update\n", 0 },
        { "SELECT deleted, into_x, x_into FROM t", 0 },
    };
    char why[200];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int used = -1;
        if (mapping_check_sql(ok[i].sql, 1, &used, why, sizeof why) != 0)
            fail_msg("%s: %s", ok[i].sql, why);
        if (used != ok[i].params)
            fail_msg("%s: %d parameters, wanted %d", ok[i].sql, used, ok[i].params);
    }
    static const struct { const char *sql; const char *why; } bad[] = {
        { "SELECT 1; SELECT 2", "must be one statement: text follows the ';' at character 9" },
        { "SELECT ';'; UPDATE jobs SET state = 'x'",
          "must be one statement: text follows the ';' at character 11" },
        { "SELECT \"a", "has an unterminated quoted identifier" },
        { "SELECT 1 /* open", "has an unterminated /* comment" },
        { "SELECT 1; /* open", "has an unterminated /* comment" },
        { "SELECT $x$ body", "has an unterminated dollar-quoted string" },
        { "SELECT E'\\'", "has an unterminated quoted string" },
        { "INSERT INTO jobs VALUES (1)",
          "must be one read statement starting with SELECT or WITH (it starts with \"INSERT\")" },
        { "", "is empty" },
        { "WITH gone AS (DELETE FROM jobs RETURNING id) SELECT id FROM gone",
          "must only read, but says DELETE (at character 15)" },
        { "with x as (insert into t values (1) returning 1) select 1",
          "must only read, but says INSERT (at character 12)" },
        { "SELECT id FROM jobs FOR UPDATE", "must only read, but says UPDATE (at character 25)" },
        { "SELECT * INTO copy_of_jobs FROM jobs",
          "must only read, but says INTO (at character 10)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int used;
        if (mapping_check_sql(bad[i].sql, 1, &used, why, sizeof why) == 0)
            fail_msg("%s: accepted", bad[i].sql);
        assert_string_equal(why, bad[i].why);
    }
    /* with two parameters, the first must be used when the second is */
    int used;
    assert_int_equal(mapping_check_sql("SELECT $2::int", 2, &used, why, sizeof why), -1);
    assert_string_equal(why, "uses $2 but not $1: PostgreSQL cannot tell the type of a parameter"
                             " the statement does not use");
    assert_int_equal(mapping_check_sql("SELECT $2::int, $1::text", 2, &used, why, sizeof why), 0);
    assert_int_equal(used, 2);
    assert_int_equal(mapping_check_sql("SELECT $3", 2, &used, why, sizeof why), -1);
    assert_string_equal(why, "uses $3, but the parameters are $1 to $2");
    assert_int_equal(mapping_check_sql("SELECT $99999999999999999999", 1, &used, why, sizeof why),
                     -1);
    assert_string_equal(why, "uses $99999999999999999999, but the only parameter is $1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_loads),
        cmocka_unit_test(test_minimal_and_line_arrays_load),
        cmocka_unit_test(test_syntax_error_names_line_and_column),
        cmocka_unit_test(test_file_and_top_level),
        cmocka_unit_test(test_unknown_keys_are_named),
        cmocka_unit_test(test_required_columns_are_named),
        cmocka_unit_test(test_section_shapes),
        cmocka_unit_test(test_sql_must_be_one_read_statement),
        cmocka_unit_test(test_sql_scanner),
    };
    return cmocka_run_group_tests_name("mapping_file", tests, make_dir, remove_dir);
}
