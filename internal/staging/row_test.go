package staging

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseRow(t *testing.T) {
	cols := []string{"operation", "presignedUrl", "headers", "localFile"}
	in, err := ParseRow(cols, []any{"PUT", "https://store/x?sig=abc", `{"x-ms-blob-type":"BlockBlob","x-key":"k1"}`, "/tmp/a.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if in.Op != Put || in.URL.Reveal() != "https://store/x?sig=abc" || in.LocalFile != "/tmp/a.csv" {
		t.Errorf("got %v %q %q, want PUT, the URL and /tmp/a.csv", in.Op, in.URL.Reveal(), in.LocalFile)
	}
	if len(in.Headers) != 2 || in.Headers["x-ms-blob-type"].Reveal() != "BlockBlob" || in.Headers["x-key"].Reveal() != "k1" {
		t.Errorf("headers %v, want the two of the row", in.Headers)
	}
	// REMOVE: three columns, names in another case, NULL headers.
	in, err = ParseRow([]string{"OPERATION", "PresignedURL", "headers"}, []any{"remove", "https://store/x", nil})
	if err != nil || in.Op != Remove || in.Headers != nil {
		t.Errorf("REMOVE row: %+v, %v", in, err)
	}
}

func TestParseRowErrors(t *testing.T) {
	cols := []string{"operation", "presignedUrl", "headers", "localFile"}
	const secretHeader = "topsecretheadervalue"
	for _, tt := range []struct {
		name string
		vals []any
	}{
		{"no operation", []any{"", "https://s/x", "{}", "/a"}},
		{"unknown operation", []any{"COPY", "https://s/x", "{}", "/a"}},
		{"no URL", []any{"GET", nil, "{}", "/a"}},
		{"headers not JSON", []any{"GET", "https://s/x", `{"k":"` + secretHeader, "/a"}},
		{"headers not strings", []any{"GET", "https://s/x", `{"k":1}`, "/a"}},
		{"GET without file", []any{"GET", "https://s/x?sig=" + secretHeader, "{}", ""}},
		{"not a string", []any{"GET", 42, "{}", "/a"}},
	} {
		_, err := ParseRow(cols, tt.vals)
		if !errors.Is(err, ErrBadRow) {
			t.Errorf("%s: got %v, want ErrBadRow", tt.name, err)
			continue
		}
		if strings.Contains(err.Error(), secretHeader) {
			t.Errorf("%s: error %q quotes a secret", tt.name, err)
		}
	}
	if _, err := ParseRow(cols, []any{"GET"}); !errors.Is(err, ErrBadRow) {
		t.Errorf("short row: got %v, want ErrBadRow", err)
	}
	in, _ := ParseRow(cols, []any{"GET", "https://s/x?sig=" + secretHeader, `{"h":"` + secretHeader + `"}`, "/a"})
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, in); strings.Contains(s, secretHeader) {
			t.Errorf("%s of an Instruction shows a secret: %s", verb, s)
		}
	}
}
