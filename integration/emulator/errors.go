package emulator

import (
	"context"
	"encoding/json"
	"errors"
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

// classify maps a DuckDB (or context) error to a SQLSTATE and error code.
func classify(err error) *opError {
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
