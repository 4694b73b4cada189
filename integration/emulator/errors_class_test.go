package emulator

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// failure runs a statement that must fail and returns its status.
func failure(t *testing.T, c *tcli.TCLIServiceClient, sess *tcli.TSessionHandle, query string) *tcli.TGetOperationStatusResp {
	t.Helper()
	resp, err := c.ExecuteStatement(ctx, arrowReq(sess, query, 10))
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, resp.Status)
	st := resp.DirectResults.GetOperationStatus()
	if st.GetOperationState() != tcli.TOperationState_ERROR_STATE {
		t.Fatalf("%s: state %v", query, st.GetOperationState())
	}
	return st
}

// TestErrorClasses checks the warehouse error classes of the common
// failures: the message "[CLASS] text SQLSTATE: state", the SQLSTATE, and
// errorDetailsJson with the class, the SQLSTATE and the message parameters.
func TestErrorClasses(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	exec(t, c, arrowReq(sess, "CREATE TABLE existing(a INT)", 10))
	for _, tc := range []struct {
		query, class, state, text string
		params                    map[string]string
	}{
		{"SELEC 1", "PARSE_SYNTAX_ERROR", "42601", "Syntax error at or near 'SELEC'.", map[string]string{"error": "'SELEC'", "hint": ""}},
		{"SELECT 1 +", "PARSE_SYNTAX_ERROR", "42601", "Syntax error at or near end of input.", map[string]string{"error": "end of input"}},
		{"SELECT * FROM no_such_table", "TABLE_OR_VIEW_NOT_FOUND", "42P01", "The table or view `no_such_table` cannot be found.",
			map[string]string{"relationName": "`no_such_table`"}},
		{"SELECT * FROM nosuch.t", "TABLE_OR_VIEW_NOT_FOUND", "42P01", "The table or view `nosuch`.`t` cannot be found.",
			map[string]string{"relationName": "`nosuch`.`t`"}},
		{"SELECT nope FROM range(1) t(i)", "UNRESOLVED_COLUMN.WITH_SUGGESTION", "42703",
			"A column, variable, or function parameter with name `nope` cannot be resolved. Did you mean one of the following? [`i`].",
			map[string]string{"objectName": "`nope`", "proposal": "`i`"}},
		{"SELECT nope", "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION", "42703", "A column, variable, or function parameter with name `nope` cannot be resolved.", nil},
		{"SELECT nosuchfunc(1)", "UNRESOLVED_ROUTINE", "42883", "Cannot resolve routine `nosuchfunc`", map[string]string{"routineName": "`nosuchfunc`"}},
		{"CREATE TABLE existing(a INT)", "TABLE_OR_VIEW_ALREADY_EXISTS", "42P07", "Cannot create table or view `existing` because it already exists.", nil},
		{"SELECT CAST('abc' AS INTEGER)", "CAST_INVALID_INPUT", "22018", `The value 'abc' of the type "STRING" cannot be cast to "INT" because it is malformed.`,
			map[string]string{"expression": "'abc'", "sourceType": `"STRING"`, "targetType": `"INT"`}},
		{"SELECT CAST('it''s' AS DATE)", "CAST_INVALID_INPUT", "22018", `The value 'it''s' of the type "STRING" cannot be cast to "DATE"`, nil},
		{"SELECT CAST('x' AS DECIMAL(10,2))", "CAST_INVALID_INPUT", "22018", `The value 'x' of the type "STRING" cannot be cast to "DECIMAL(10,2)"`, nil},
		{"SELECT CAST(300 AS TINYINT)", "CAST_OVERFLOW", "22003", `The value 300 of the type "INT" cannot be cast to "TINYINT" due to an overflow.`, nil},
		{"SELECT 1/0", "DIVIDE_BY_ZERO", "22012", "Division by zero. Use `try_divide`", map[string]string{"config": `"spark.sql.ansi.enabled"`}},
		{"SELECT 10 // (i - 1) FROM range(3) t(i)", "DIVIDE_BY_ZERO", "22012", "Division by zero.", nil},
		{"SELECT 10 % 0", "DIVIDE_BY_ZERO", "22012", "Division by zero.", nil},
	} {
		st := failure(t, c, sess, tc.query)
		msg := st.GetErrorMessage()
		if st.GetSqlState() != tc.state || !strings.HasPrefix(msg, "["+tc.class+"] "+tc.text) || !strings.HasSuffix(msg, " SQLSTATE: "+tc.state) {
			t.Errorf("%s: SQLSTATE %s, message %q; want %s and [%s] %s ... SQLSTATE: %s", tc.query, st.GetSqlState(), msg, tc.state, tc.class, tc.text, tc.state)
			continue
		}
		if st.GetDisplayMessage() != msg {
			t.Errorf("%s: displayMessage %q", tc.query, st.GetDisplayMessage())
		}
		var details struct {
			ErrorClass        string            `json:"errorClass"`
			SQLState          string            `json:"sqlState"`
			MessageParameters map[string]string `json:"messageParameters"`
		}
		if err := json.Unmarshal([]byte(st.GetErrorDetailsJson()), &details); err != nil {
			t.Errorf("%s: errorDetailsJson %q: %v", tc.query, st.GetErrorDetailsJson(), err)
			continue
		}
		if details.ErrorClass != tc.class || details.SQLState != tc.state {
			t.Errorf("%s: errorDetailsJson %q", tc.query, st.GetErrorDetailsJson())
		}
		for k, v := range tc.params {
			if details.MessageParameters[k] != v {
				t.Errorf("%s: messageParameters[%s] = %q, want %q", tc.query, k, details.MessageParameters[k], v)
			}
		}
	}
	// Division is still DuckDB's where the divisor is not zero, types
	// included, and a zero divisor in rows never read raises nothing.
	r := row0(t, c, arrowReq(sess, "SELECT 7 / 2, 7 // 2, 7 % 2, typeof(7 / 2), CASE WHEN 0 > 0 THEN 1 / 0 END, (SELECT count(i / 0) FROM range(0) t(i))", 10))
	if strings.Join(r, "|") != "3.5|3|1|DOUBLE|(null)|0" {
		t.Errorf("division: %q", r)
	}
}

// TestPermissionErrorClass checks INSUFFICIENT_PERMISSIONS for what DuckDB
// refuses as a permission error (file access switched off).
func TestPermissionErrorClass(t *testing.T) {
	s := Start(t)
	if _, err := s.DB().ExecContext(context.Background(), "SET enable_external_access = false"); err != nil {
		t.Fatal(err)
	}
	c := client(t, s)
	st := failure(t, c, open(t, c), "SELECT * FROM read_csv('/etc/hostname')")
	if st.GetSqlState() != "42501" || !strings.HasPrefix(st.GetErrorMessage(), "[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\n") ||
		!strings.Contains(st.GetErrorDetailsJson(), `"errorClass":"INSUFFICIENT_PERMISSIONS"`) {
		t.Fatalf("SQLSTATE %s message %q details %s", st.GetSqlState(), st.GetErrorMessage(), st.GetErrorDetailsJson())
	}
}

// TestUnclassifiedError checks that a failure without a known class keeps
// DuckDB's message, without errorDetailsJson.
func TestUnclassifiedError(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	st := failure(t, c, open(t, c), "SELECT error('boom')")
	if st.GetErrorMessage() != "Invalid Input Error: boom" || st.ErrorDetailsJson != nil {
		t.Fatalf("message %q details %v", st.GetErrorMessage(), st.ErrorDetailsJson)
	}
}
