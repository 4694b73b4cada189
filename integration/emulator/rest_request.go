package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// restSubmit is the body of POST /api/2.0/sql/statements as the Statement
// Execution API defines it. Unknown fields are ignored.
type restSubmit struct {
	Statement         string          `json:"statement"`
	WarehouseID       string          `json:"warehouse_id"`
	SessionID         string          `json:"session_id"`
	Catalog           string          `json:"catalog"`
	Schema            string          `json:"schema"`
	Parameters        []restParameter `json:"parameters"`
	RowLimit          int64           `json:"row_limit"`
	ByteLimit         int64           `json:"byte_limit"`
	Disposition       string          `json:"disposition"`
	Format            string          `json:"format"`
	WaitTimeout       string          `json:"wait_timeout"`
	OnWaitTimeout     string          `json:"on_wait_timeout"`
	ResultCompression string          `json:"result_compression"`
	QueryTags         []restQueryTag  `json:"query_tags"`
}

// restParameter is one parameter: named (a :name marker) or, without a
// name, positional (the ordinal-th ? marker, from 1, as Databricks' JDBC
// driver sends them); a value as text (nil for NULL) and a SQL type name
// (STRING when empty).
type restParameter struct {
	Name    string  `json:"name"`
	Ordinal int     `json:"ordinal"`
	Value   *string `json:"value"`
	Type    string  `json:"type"`
}

// restQueryTag is one query tag: a key and an optional value.
type restQueryTag struct {
	Key   string  `json:"key"`
	Value *string `json:"value"`
}

// The limits of a submission, as Databricks documents them.
const (
	// maxStatementBytes is the largest statement text (16 MiB).
	maxStatementBytes = 16 << 20
	// maxQueryTags is how many query tags a statement keeps; more are
	// dropped, as the API coerces them to 20.
	maxQueryTags = 20
	// defaultWait is the wait_timeout when the request names none.
	defaultWait = 10 * time.Second
)

// submitRequest is a validated submission.
type submitRequest struct {
	restSubmit
	wait      time.Duration
	cancelAt  bool // on_wait_timeout CANCEL
	links     bool // EXTERNAL_LINKS
	hybrid    bool // INLINE_OR_EXTERNAL_LINKS
	format    string
	lz4       bool
	tags      map[string]string
	rowLimit  int64
	byteLimit int64
}

// badRequest is a submission the API refuses with HTTP 400
// INVALID_PARAMETER_VALUE.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badRequest{msg: fmt.Sprintf(format, args...)} }

// parseSubmit decodes and validates a submission body. Every failure is a
// *badRequest whose text names the field.
func parseSubmit(body []byte) (*submitRequest, error) {
	var raw restSubmit
	if err := decodeBody(body, &raw); err != nil {
		return nil, err
	}
	req := &submitRequest{restSubmit: raw}
	if strings.TrimSpace(raw.Statement) == "" {
		return nil, badf("Field 'statement' is required")
	}
	if len(raw.Statement) > maxStatementBytes {
		return nil, badf("Field 'statement' is longer than %d bytes", maxStatementBytes)
	}
	if raw.WarehouseID == "" {
		return nil, badf("Field 'warehouse_id' is required")
	}
	var err error
	if req.wait, err = parseWait(raw.WaitTimeout); err != nil {
		return nil, err
	}
	switch raw.OnWaitTimeout {
	case "", "CONTINUE":
	case "CANCEL":
		req.cancelAt = true
	default:
		return nil, badf("Invalid value for field 'on_wait_timeout': %q (CONTINUE or CANCEL)", raw.OnWaitTimeout)
	}
	switch raw.Disposition {
	case "", "INLINE":
	case "EXTERNAL_LINKS":
		req.links = true
	case "INLINE_OR_EXTERNAL_LINKS":
		req.hybrid = true
	default:
		return nil, badf("Invalid value for field 'disposition': %q (INLINE, EXTERNAL_LINKS or INLINE_OR_EXTERNAL_LINKS)", raw.Disposition)
	}
	switch req.format = raw.Format; req.format {
	case "":
		req.format = "JSON_ARRAY"
	case "JSON_ARRAY", "ARROW_STREAM":
	case "CSV":
		if !req.links {
			return nil, badf("Format CSV is supported only with disposition EXTERNAL_LINKS")
		}
	default:
		return nil, badf("Invalid value for field 'format': %q (JSON_ARRAY, ARROW_STREAM or CSV)", raw.Format)
	}
	switch raw.ResultCompression {
	case "", "NONE":
	case "LZ4_FRAME":
		req.lz4 = req.format == "ARROW_STREAM"
	default:
		return nil, badf("Invalid value for field 'result_compression': %q (LZ4_FRAME or NONE)", raw.ResultCompression)
	}
	if raw.RowLimit < 0 {
		return nil, badf("Field 'row_limit' must not be negative")
	}
	if raw.ByteLimit < 0 {
		return nil, badf("Field 'byte_limit' must not be negative")
	}
	req.rowLimit, req.byteLimit = raw.RowLimit, raw.ByteLimit
	ordinals := map[int]bool{}
	for i, p := range raw.Parameters {
		switch {
		case p.Name != "":
		case p.Ordinal < 1 || p.Ordinal > len(raw.Parameters):
			return nil, badf("Parameter %d has neither a name nor an ordinal from 1 to %d", i+1, len(raw.Parameters))
		case ordinals[p.Ordinal]:
			return nil, badf("Parameter %d repeats ordinal %d", i+1, p.Ordinal)
		default:
			ordinals[p.Ordinal] = true
		}
	}
	for i, tag := range raw.QueryTags {
		if i == maxQueryTags {
			break
		}
		if strings.TrimSpace(tag.Key) == "" {
			return nil, badf("Query tag %d has an empty key", i+1)
		}
		if req.tags == nil {
			req.tags = map[string]string{}
		}
		v := ""
		if tag.Value != nil {
			v = strings.TrimSpace(*tag.Value)
		}
		req.tags[tag.Key] = v
	}
	return req, nil
}

// parseWait reads wait_timeout: "Ns" with N 0 or 5 to 50 (10s when empty).
func parseWait(s string) (time.Duration, error) {
	if s == "" {
		return defaultWait, nil
	}
	digits, ok := strings.CutSuffix(s, "s")
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || digits == "" || digits[0] == '+' || digits[0] == '-' || (n != 0 && (n < 5 || n > 50)) {
		return 0, badf("Invalid value for field 'wait_timeout': %q (0s, or 5s to 50s)", s)
	}
	return time.Duration(n) * time.Second, nil
}

// decodeBody decodes a request body holding one JSON object into v. A
// failure is a *badRequest: a field of the wrong type is named, any other
// problem is said without echoing the body.
func decodeBody(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return badf("Invalid value for field '%s': expected %s", typeErr.Field, typeErr.Type)
		}
		return badf("Malformed request body: %s", jsonProblem(err))
	}
	if dec.More() {
		return badf("Malformed request body: data after the JSON object")
	}
	return nil
}

// jsonProblem describes a JSON syntax error without echoing the body.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return "invalid JSON at byte " + strconv.FormatInt(syn.Offset, 10)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "truncated or empty JSON"
	}
	return "not a JSON object"
}
