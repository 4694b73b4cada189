package driver

import (
	"encoding/json"
	"fmt"
)

// JSON scans a column holding JSON text — ARRAY, MAP and STRUCT values, which
// the driver delivers as JSON strings — into a Go value of type T (a slice,
// map, struct or any). NULL leaves V at its zero value and Valid false.
//
//	var tags driver.JSON[[]string]
//	err := row.Scan(&tags)
type JSON[T any] struct {
	V     T
	Valid bool
}

// Scan implements sql.Scanner.
func (j *JSON[T]) Scan(src any) error {
	var zero T
	j.V, j.Valid = zero, false
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("databricks: cannot scan %T into JSON", src)
	}
	if err := json.Unmarshal(b, &j.V); err != nil {
		return fmt.Errorf("databricks: decoding JSON column: %w", err)
	}
	j.Valid = true
	return nil
}
