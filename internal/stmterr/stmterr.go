package stmterr

import "fmt"

// Error is an error about one statement: its text is
// "databricks: statement <ID>: <Err>".
type Error struct {
	// ID is the statement ID (the operation GUID as a UUID).
	ID string
	// Err is what went wrong.
	Err error
}

// Error implements error.
func (e *Error) Error() string { return "databricks: statement " + e.ID + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error about statement id whose Err is
// fmt.Errorf(format, args...): %w wraps as it does there.
func Errorf(id, format string, args ...any) error {
	return &Error{ID: id, Err: fmt.Errorf(format, args...)}
}
