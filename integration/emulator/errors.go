package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// opError is a statement failure as the server reports it.
type opError struct {
	sqlState string
	code     int32
	message  string
	details  string // errorDetailsJson, when the failure has an error class
}

// classError is a failure with a warehouse error class. Its text is what a
// warehouse reports: "[CLASS] message SQLSTATE: state".
type classError struct {
	class  string
	state  string
	msg    string
	params map[string]string // messageParameters of errorDetailsJson
}

func (e *classError) Error() string { return "[" + e.class + "] " + e.msg + " SQLSTATE: " + e.state }

// detailsJSON is the errorDetailsJson of the failure, in Apache Spark's
// minimal JSON form of an error with a class.
func (e *classError) detailsJSON() string {
	params := e.params
	if params == nil {
		params = map[string]string{}
	}
	b, err := json.Marshal(struct {
		ErrorClass        string            `json:"errorClass"`
		SQLState          string            `json:"sqlState"`
		MessageParameters map[string]string `json:"messageParameters"`
	}{e.class, e.state, params})
	if err != nil { // a map of strings always marshals
		return ""
	}
	return string(b)
}

// opErr is the statement failure of e.
func (e *classError) opErr() *opError {
	return &opError{sqlState: e.state, message: e.Error(), details: e.detailsJSON()}
}

// classStatus is an ERROR_STATUS TStatus for a failure with an error class.
func classStatus(e *classError) *tcli.TStatus { return opErrStatus(e.opErr()) }

// inactivityMessage is the errorMessage of a call with an evicted handle.
const inactivityMessage = "Query has been timed out due to inactivity"

// classify maps a DuckDB (or context) error to what a warehouse reports:
// for the common failures (syntax, table or view not found, unresolved
// column or routine, existing table, cast, division by zero, permission) an
// error class with a warehouse's message and errorDetailsJson; for the
// others DuckDB's message with a SQLSTATE derived from its error type. The
// errorCode is the DuckDB error type number.
func classify(err error) *opError {
	var ce *classError
	if errors.As(err, &ce) {
		return ce.opErr()
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		switch {
		case errors.Is(err, context.Canceled):
			return &opError{sqlState: "57014", message: "Query was cancelled"}
		case errors.Is(err, context.DeadlineExceeded):
			return &opError{sqlState: "57014", message: "Query timed out"}
		}
		return &opError{sqlState: "XX000", message: err.Error()}
	}
	if ce := errorClass(de); ce != nil {
		e := ce.opErr()
		e.code = int32(de.Type)
		return e
	}
	e := &opError{code: int32(de.Type), message: de.Msg}
	switch de.Type {
	case duckdb.ErrorTypeParser, duckdb.ErrorTypeSyntax:
		e.sqlState = "42601"
	case duckdb.ErrorTypeCatalog:
		e.sqlState = "42P01"
		if strings.Contains(de.Msg, "Schema with name") {
			e.sqlState = "3F000"
		}
	case duckdb.ErrorTypeBinder:
		e.sqlState = "42000"
		if strings.Contains(de.Msg, "not found") {
			e.sqlState = "42703"
		}
	case duckdb.ErrorTypeConversion, duckdb.ErrorTypeInvalidInput, duckdb.ErrorTypeMismatchType,
		duckdb.ErrorTypeInvalidType:
		e.sqlState = "22018"
	case duckdb.ErrorTypeOutOfRange:
		e.sqlState = "22003"
	case duckdb.ErrorTypeDivideByZero:
		e.sqlState = "22012"
	case duckdb.ErrorTypeConstraint:
		e.sqlState = "23000"
	case duckdb.ErrorTypeTransaction:
		e.sqlState = "40000"
	case duckdb.ErrorTypeInterrupt:
		e.sqlState = "57014"
	case duckdb.ErrorTypeNotImplemented:
		e.sqlState = "0A000"
	case duckdb.ErrorTypePermission:
		e.sqlState = "42501"
	case duckdb.ErrorTypeParameterNotResolved, duckdb.ErrorTypeParameterNotAllowed:
		e.sqlState = "07001"
	default:
		e.sqlState = "XX000"
	}
	return e
}

// DuckDB message patterns of the failures errorClass recognises.
var (
	reSyntaxAt      = regexp.MustCompile(`^syntax error at or near "((?:[^"]|"")*)"`)
	reTableMissing  = regexp.MustCompile(`^Table with name "?([^"!]+?)"? does not exist`)
	reColumnMissing = regexp.MustCompile(`^Referenced column "((?:[^"]|"")*)" (?:was )?not found`)
	reCandidates    = regexp.MustCompile(`Candidate bindings: (.*)`)
	reFuncMissing   = regexp.MustCompile(`^(?:Scalar |Table |Aggregate )?Function with name "?([^"!\s]+)"? does not exist`)
	reTableExists   = regexp.MustCompile(`^Table with name "?([^"!]+?)"? already exists`)
	reCastString    = regexp.MustCompile(`^Could not convert string ['"](.*)['"] to ([A-Z0-9_(), ]+)$`)
	reCastField     = regexp.MustCompile(`^invalid (date|timestamp) field format: "(.*)", expected format`)
	reCastOverflow  = regexp.MustCompile(`^Type (\S+) with value (.+) can't be cast because the value is out of range for the destination type (\S+)$`)
)

// divisionMacros shadow DuckDB's division operators on every connection
// with temporary macros that raise divideByZeroMarker for a zero divisor, as
// a warehouse does (ANSI mode); otherwise they are DuckDB's own operators,
// so result types do not change. Temporary macros live in the connection,
// never in a database file.
const divisionMacros = `CREATE OR REPLACE TEMP MACRO "/"(a, b) AS CASE WHEN b = 0 THEN error('DIVIDE_BY_ZERO') ELSE system.main."/"(a, b) END;
CREATE OR REPLACE TEMP MACRO "//"(a, b) AS CASE WHEN b = 0 THEN error('DIVIDE_BY_ZERO') ELSE system.main."//"(a, b) END;
CREATE OR REPLACE TEMP MACRO "%"(a, b) AS CASE WHEN b = 0 THEN error('DIVIDE_BY_ZERO') ELSE system.main."%"(a, b) END;`

// divideByZeroMarker is the error the emulator's division operators raise
// for a zero divisor (DuckDB's own return NULL); see divisionMacros.
const divideByZeroMarker = "DIVIDE_BY_ZERO"

// errorClass returns the warehouse error of a DuckDB failure, or nil when
// the failure is not one of the classes the emulator knows.
func errorClass(de *duckdb.Error) *classError {
	msg := de.Msg
	if _, rest, ok := strings.Cut(msg, " Error: "); ok && !strings.Contains(msg[:len(msg)-len(rest)], "\n") {
		msg = rest // without DuckDB's "Parser Error: " prefix
	}
	msg, _, _ = strings.Cut(msg, "\n") // without "Did you mean", "LINE 1: ..."
	switch de.Type {
	case duckdb.ErrorTypeParser, duckdb.ErrorTypeSyntax:
		near := "end of input"
		if m := reSyntaxAt.FindStringSubmatch(msg); m != nil {
			near = "'" + strings.ReplaceAll(m[1], `""`, `"`) + "'"
		} else if !strings.HasPrefix(msg, "syntax error at end of input") {
			return nil
		}
		return &classError{class: "PARSE_SYNTAX_ERROR", state: "42601", msg: "Syntax error at or near " + near + ".",
			params: map[string]string{"error": near, "hint": ""}}
	case duckdb.ErrorTypeCatalog:
		if m := reTableMissing.FindStringSubmatch(msg); m != nil {
			name := quoteParts(m[1])
			return &classError{class: "TABLE_OR_VIEW_NOT_FOUND", state: "42P01",
				msg: "The table or view " + name + " cannot be found. Verify the spelling and correctness of the schema and catalog.\n" +
					"If you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.\n" +
					"To tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS.",
				params: map[string]string{"relationName": name}}
		}
		if m := reFuncMissing.FindStringSubmatch(msg); m != nil {
			name := quoteParts(m[1])
			path := "[`system`.`builtin`, `system`.`session`]"
			return &classError{class: "UNRESOLVED_ROUTINE", state: "42883",
				msg:    "Cannot resolve routine " + name + " on search path " + path + ".",
				params: map[string]string{"routineName": name, "searchPath": path}}
		}
		if m := reTableExists.FindStringSubmatch(msg); m != nil {
			name := quoteParts(m[1])
			return &classError{class: "TABLE_OR_VIEW_ALREADY_EXISTS", state: "42P07",
				msg: "Cannot create table or view " + name + " because it already exists.\n" +
					"Choose a different name, drop or replace the existing object, or add the IF NOT EXISTS clause to tolerate pre-existing objects.",
				params: map[string]string{"relationName": name}}
		}
	case duckdb.ErrorTypeBinder:
		if m := reColumnMissing.FindStringSubmatch(msg); m != nil {
			name := "`" + strings.ReplaceAll(m[1], `""`, `"`) + "`"
			if c := reCandidates.FindStringSubmatch(de.Msg); c != nil {
				var cands []string
				for f := range strings.SplitSeq(c[1], ",") {
					cands = append(cands, quoteParts(strings.Trim(strings.TrimSpace(f), `"`)))
				}
				proposal := strings.Join(cands, ", ")
				return &classError{class: "UNRESOLVED_COLUMN.WITH_SUGGESTION", state: "42703",
					msg:    "A column, variable, or function parameter with name " + name + " cannot be resolved. Did you mean one of the following? [" + proposal + "].",
					params: map[string]string{"objectName": name, "proposal": proposal}}
			}
			return &classError{class: "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION", state: "42703",
				msg:    "A column, variable, or function parameter with name " + name + " cannot be resolved.",
				params: map[string]string{"objectName": name}}
		}
	case duckdb.ErrorTypeConversion, duckdb.ErrorTypeInvalidInput:
		if msg == divideByZeroMarker {
			return &classError{class: "DIVIDE_BY_ZERO", state: "22012",
				msg:    "Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error.",
				params: map[string]string{"config": `"spark.sql.ansi.enabled"`}}
		}
		value, target := "", ""
		if m := reCastString.FindStringSubmatch(msg); m != nil {
			value, target = m[1], sqlTypeName(m[2])
		} else if m := reCastField.FindStringSubmatch(msg); m != nil {
			value, target = m[2], strings.ToUpper(m[1])
		}
		if target != "" {
			lit := "'" + strings.ReplaceAll(value, "'", "''") + "'"
			return &classError{class: "CAST_INVALID_INPUT", state: "22018",
				msg: "The value " + lit + " of the type \"STRING\" cannot be cast to \"" + target + "\" because it is malformed. " +
					"Correct the value as per the syntax, or change its target type. Use `try_cast` to tolerate malformed input and return NULL instead.",
				params: map[string]string{"expression": lit, "sourceType": `"STRING"`, "targetType": `"` + target + `"`}}
		}
		if m := reCastOverflow.FindStringSubmatch(msg); m != nil {
			src, dst := sqlTypeName(m[1]), sqlTypeName(m[3])
			return &classError{class: "CAST_OVERFLOW", state: "22003",
				msg:    "The value " + m[2] + " of the type \"" + src + "\" cannot be cast to \"" + dst + "\" due to an overflow. Use `try_cast` to tolerate overflow and return NULL instead.",
				params: map[string]string{"value": m[2], "sourceType": `"` + src + `"`, "targetType": `"` + dst + `"`}}
		}
	case duckdb.ErrorTypePermission:
		return &classError{class: "INSUFFICIENT_PERMISSIONS", state: "42501", msg: "Insufficient privileges:\n" + msg,
			params: map[string]string{"report": msg}}
	}
	return nil
}

// quoteParts writes a possibly qualified DuckDB name as a warehouse quotes
// it: `schema`.`table`.
func quoteParts(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = "`" + strings.Trim(p, `"`) + "`"
	}
	return strings.Join(parts, ".")
}

// sqlTypeName is the Databricks name of a DuckDB type name in a message.
func sqlTypeName(duck string) string {
	switch duck = strings.TrimSpace(duck); duck {
	case "INT8":
		return "TINYINT"
	case "INT16":
		return "SMALLINT"
	case "INT32":
		return "INT"
	case "INT64":
		return "BIGINT"
	case "INT128":
		return "DECIMAL(38,0)"
	case "VARCHAR":
		return "STRING"
	case "BOOL":
		return "BOOLEAN"
	}
	return duck
}

// okStatus is a SUCCESS_STATUS TStatus.
func okStatus() *tcli.TStatus { return &tcli.TStatus{StatusCode: tcli.TStatusCode_SUCCESS_STATUS} }

// errStatus is an ERROR_STATUS TStatus with a SQLSTATE and message.
func errStatus(sqlState, msg string) *tcli.TStatus {
	return &tcli.TStatus{
		StatusCode:     tcli.TStatusCode_ERROR_STATUS,
		SqlState:       &sqlState,
		ErrorMessage:   &msg,
		DisplayMessage: &msg,
	}
}

// opErrStatus is an ERROR_STATUS TStatus for a failed statement.
func opErrStatus(e *opError) *tcli.TStatus {
	st := errStatus(e.sqlState, e.message)
	code := e.code
	st.ErrorCode = &code
	if e.details != "" {
		st.ErrorDetailsJson = &e.details
	}
	return st
}

// invalidHandle is an INVALID_HANDLE_STATUS TStatus.
func invalidHandle(msg string) *tcli.TStatus {
	state := "HY000"
	return &tcli.TStatus{
		StatusCode:     tcli.TStatusCode_INVALID_HANDLE_STATUS,
		SqlState:       &state,
		ErrorMessage:   &msg,
		DisplayMessage: &msg,
	}
}
