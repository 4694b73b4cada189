package staging

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/asyncsql/databricks/internal/secret"
)

// Op is a staging operation the server asks the client to perform.
type Op string

// The staging operations.
const (
	Put    Op = "PUT"
	Get    Op = "GET"
	Remove Op = "REMOVE"
)

// The column names of the staging result row.
const (
	ColOperation    = "operation"
	ColPresignedURL = "presignedUrl"
	ColHeaders      = "headers"
	ColLocalFile    = "localFile"
)

// InputStream is the local path of a PUT that uploads from Streams.Reader,
// the name Databricks' Python connector uses for the same purpose;
// OutputStream that of a GET that writes to Streams.Writer.
const (
	InputStream  = "__input_stream__"
	OutputStream = "__output_stream__"
)

// ErrBadRow reports a staging result row the client cannot act on.
var ErrBadRow = errors.New("databricks: malformed staging result")

// Instruction is what a staging result row asks the client to do.
type Instruction struct {
	Op Op
	// URL is the presigned URL; Headers the headers to send with it.
	URL     secret.String
	Headers map[string]secret.String
	// LocalFile is the local path as the statement named it.
	LocalFile string
}

// headerValues returns the values of the instruction's headers.
func (in *Instruction) headerValues() []secret.String {
	vs := make([]secret.String, 0, len(in.Headers))
	for _, v := range in.Headers {
		vs = append(vs, v)
	}
	return vs
}

// ParseRow reads the instruction of a staging result row: the values vals
// of the columns cols, matched by name without regard to case. Operation
// and presignedUrl are required; headers (a JSON object of strings) and
// localFile may be absent or NULL. Errors quote neither the URL nor the
// headers.
func ParseRow(cols []string, vals []any) (*Instruction, error) {
	if len(cols) != len(vals) {
		return nil, fmt.Errorf("%w: %d columns, %d values", ErrBadRow, len(cols), len(vals))
	}
	text := map[string]string{}
	for i, c := range cols {
		switch v := vals[i].(type) {
		case nil:
		case string:
			text[strings.ToLower(c)] = v
		case []byte:
			text[strings.ToLower(c)] = string(v)
		default:
			return nil, fmt.Errorf("%w: column %s is %T, not a string", ErrBadRow, c, v)
		}
	}
	in := &Instruction{Op: Op(strings.ToUpper(text[strings.ToLower(ColOperation)])), LocalFile: text[strings.ToLower(ColLocalFile)]}
	switch in.Op {
	case Put, Get, Remove:
	case "":
		return nil, fmt.Errorf("%w: no %s", ErrBadRow, ColOperation)
	default:
		return nil, fmt.Errorf("%w: operation %q is not PUT, GET or REMOVE", ErrBadRow, truncate(string(in.Op), 20))
	}
	u := text[strings.ToLower(ColPresignedURL)]
	if u == "" {
		return nil, fmt.Errorf("%w: no %s", ErrBadRow, ColPresignedURL)
	}
	in.URL = secret.NewString(u)
	if h := text[strings.ToLower(ColHeaders)]; h != "" && h != "null" {
		var m map[string]string
		if err := json.Unmarshal([]byte(h), &m); err != nil {
			// The JSON error may quote a header value.
			return nil, fmt.Errorf("%w: %s is not a JSON object of strings", ErrBadRow, ColHeaders)
		}
		in.Headers = make(map[string]secret.String, len(m))
		for k, v := range m {
			in.Headers[k] = secret.NewString(v)
		}
	}
	if in.Op != Remove && in.LocalFile == "" {
		return nil, fmt.Errorf("%w: %s without a %s", ErrBadRow, in.Op, ColLocalFile)
	}
	return in, nil
}

// truncate shortens s to n bytes for an error text.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
