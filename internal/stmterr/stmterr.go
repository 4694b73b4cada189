package stmterr

import (
	"fmt"
	"strings"
)

// prefix starts the text of every error of the driver, and once only: an
// Err whose own text starts with it (a sentinel of the driver's) is printed
// without it.
const prefix = "databricks: "

// Error is an error about one statement: its text is
// "databricks: statement <ID>: <Err>", where Err's own "databricks: "
// prefix, if any, is left out.
type Error struct {
	// ID is the statement ID (the operation GUID as a UUID).
	ID string
	// Err is what went wrong.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	return prefix + "statement " + e.ID + ": " + strings.TrimPrefix(e.Err.Error(), prefix)
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error about statement id whose Err is
// fmt.Errorf(format, args...): %w wraps as it does there.
func Errorf(id, format string, args ...any) error {
	return &Error{ID: id, Err: fmt.Errorf(format, args...)}
}
