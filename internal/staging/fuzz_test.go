package staging

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseRow feeds staging rows as a server could send them: ParseRow
// never panics, refuses with ErrBadRow, and an instruction it returns is
// one the client can act on; its errors never quote a header value.
func FuzzParseRow(f *testing.F) {
	f.Add("PUT", "https://s/x?sig=abc", `{"x-key":"v"}`, "/tmp/a", true)
	f.Add("GET", "https://s/x", `{}`, "__output_stream__", true)
	f.Add("REMOVE", "https://s/x", "null", "", false)
	f.Add("put", "http://h/p", `{"a":"b","c":"d"}`, "rel/path", true)
	f.Add("GET", "https://s/x", `{"k":"secret-header-value-1"`, "/a", true)
	f.Add("", "", "", "", true)
	f.Fuzz(func(t *testing.T, op, url, headers, local string, four bool) {
		cols := []string{"operation", "presignedUrl", "headers", "localFile"}
		vals := []any{op, url, headers, local}
		if !four {
			cols, vals = cols[:3], vals[:3]
		}
		in, err := ParseRow(cols, vals)
		if err != nil {
			if !errors.Is(err, ErrBadRow) {
				t.Fatalf("error %v is not ErrBadRow", err)
			}
			if strings.Contains(headers, "secret-header-value") && strings.Contains(err.Error(), "secret-header-value") {
				t.Fatalf("error %q quotes a header value", err)
			}
			return
		}
		switch in.Op {
		case Put, Get:
			if in.LocalFile == "" {
				t.Fatalf("%s without a local file", in.Op)
			}
		case Remove:
		default:
			t.Fatalf("operation %q accepted", in.Op)
		}
		if in.URL.Reveal() == "" {
			t.Fatal("an instruction without a URL")
		}
	})
}
