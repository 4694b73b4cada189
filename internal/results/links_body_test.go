package results

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestReadBody(t *testing.T) {
	const prealloc = 4
	for _, tt := range []struct {
		name          string
		body          string
		size, clen    int64
		wantErr       string
		wantExactSize bool
	}{
		{"exact, within prealloc", "abc", 3, -1, "", true},
		{"exact, grown", "abcdefghijklmnopqrstuvwxyz", 26, -1, "", true},
		{"content-length", "abcdefghij", 0, 10, "", true},
		{"unknown size", "abcdefghij", 0, -1, "", false},
		{"short", "abc", 10, -1, "body has 3 bytes, the link says 10", false},
		{"long", "abcdefghijk", 10, -1, "body has more than the 10 bytes the link says", false},
		{"long for content-length", "abcdefghijk", 0, 10, "more than the 10 bytes its Content-Length says", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readBody(strings.NewReader(tt.body), tt.size, tt.clen, prealloc)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.body {
				t.Fatalf("got %q, %v", got, err)
			}
			if tt.wantExactSize && cap(got) != len(tt.body) {
				t.Errorf("capacity %d, want the file's %d bytes", cap(got), len(tt.body))
			}
		})
	}
}

// A link announcing 2^30-1 bytes for a small file costs about the file, not
// a gigabyte per download attempt.
func TestReadBodyDoesNotTrustBytesNum(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := readBody(bytes.NewReader(make([]byte, 1000)), 1<<30-1, 1<<30-1, defaultLinkLimits.prealloc)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("a short body read without an error")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > uint64(2*defaultLinkLimits.prealloc) {
		t.Errorf("%d bytes allocated, want at most %d", n, 2*defaultLinkLimits.prealloc)
	}
}
