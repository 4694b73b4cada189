package driver

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestStagingCommand(t *testing.T) {
	for q, want := range map[string]bool{
		"PUT 'a' INTO '/Volumes/c/s/v/f'":           true,
		"  get '/Volumes/c/s/v/f' TO 'a'":           true,
		"-- a comment\n/* another */ REMOVE '/V/f'": true,
		"Remove'/Volumes/c/s/v/f'":                  true,
		"SELECT 1":                                  false,
		"PUTS 'a'":                                  false,
		"-- PUT 'a' INTO 'b'":                       false,
		"/* unterminated PUT":                       false,
		"":                                          false,
		"INSERT INTO t SELECT 'PUT'":                false,
		"getter":                                    false,
	} {
		if got := stagingCommand(q); got != want {
			t.Errorf("stagingCommand(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestStagingStreamsContext: the reader and the writer of a context are
// kept side by side, each helper setting its own.
func TestStagingStreamsContext(t *testing.T) {
	r := strings.NewReader("abc")
	var w bytes.Buffer
	ctx := WithStagingWriter(WithStagingReader(context.Background(), r, 3), &w)
	st := stagingStreams(ctx)
	if st.Reader != r || st.Size != 3 || st.Writer != &w {
		t.Errorf("streams %+v, want the reader of 3 bytes and the writer", st)
	}
	if st := stagingStreams(context.Background()); st.Reader != nil || st.Writer != nil {
		t.Errorf("a plain context has streams %+v", st)
	}
}
