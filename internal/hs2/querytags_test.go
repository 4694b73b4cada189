package hs2

import (
	"errors"
	"maps"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// TestFormatQueryTags: sorted keys, '\' escaped in keys, '\' ':' ',' in
// values, an empty value written as the key alone.
func TestFormatQueryTags(t *testing.T) {
	cases := []struct {
		tags map[string]string
		want string
	}{
		{nil, ""},
		{map[string]string{"team": "eng"}, "team:eng"},
		{map[string]string{"b": "2", "a": "1", "c": ""}, "a:1,b:2,c"},
		{map[string]string{"path": `C:\x`, "list": "a,b", "k\\ey": "v:w"}, `k\\ey:v\:w,list:a\,b,path:C\:\\x`},
		{map[string]string{"ünï": "çødé ✓"}, "ünï:çødé ✓"},
	}
	for _, tc := range cases {
		if got := FormatQueryTags(tc.tags); got != tc.want {
			t.Errorf("FormatQueryTags(%v) = %q, want %q", tc.tags, got, tc.want)
		}
	}
}

// TestQueryTagsRoundTrip: ParseQueryTags gives back what FormatQueryTags
// wrote, for values full of the special characters.
func TestQueryTagsRoundTrip(t *testing.T) {
	tags := map[string]string{
		"a": "", `b\`: `\`, "c": ",", "d": ":", "e": `\:,\\,,::`, "f": "x:y,z", "g": " spaced ", "h": "\x00\n",
	}
	got, err := ParseQueryTags(FormatQueryTags(tags))
	if err != nil || !maps.Equal(got, tags) {
		t.Fatalf("round trip = %q, %v; want %q", got, err, tags)
	}
}

func TestParseQueryTagsErrors(t *testing.T) {
	for _, s := range []string{",", "a,", ",a", ":v", "a:1,a:2", `a:b\`, "a,a"} {
		if tags, err := ParseQueryTags(s); !errors.Is(err, ErrQueryTag) {
			t.Errorf("ParseQueryTags(%q) = %v, %v; want ErrQueryTag", s, tags, err)
		}
	}
}

func TestCheckQueryTags(t *testing.T) {
	for _, k := range []string{"", "a,b", "a:b"} {
		if err := CheckQueryTags(map[string]string{k: "v"}); !errors.Is(err, ErrQueryTag) {
			t.Errorf("key %q: got %v, want ErrQueryTag", k, err)
		}
	}
	if err := CheckQueryTags(map[string]string{`a\b`: "x,y:z"}); err != nil {
		t.Errorf("valid tags: %v", err)
	}
}

// TestBuildExecuteQueryTags: a statement's tags go in the confOverlay as
// query_tags; no tags, no overlay; a bad key fails before any call.
func TestBuildExecuteQueryTags(t *testing.T) {
	c := New(nil, testOptions())
	s := &Session{Protocol: tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8}
	req, err := c.BuildExecute(s, "q", ExecOptions{QueryTags: map[string]string{"team": "eng", "job": "a,b"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"query_tags": `job:a\,b,team:eng`}; !maps.Equal(req.ConfOverlay, want) {
		t.Errorf("confOverlay = %q, want %q", req.ConfOverlay, want)
	}
	if req, err = c.BuildExecute(s, "q", ExecOptions{}); err != nil || req.ConfOverlay != nil {
		t.Errorf("no tags: confOverlay %q, %v; want none", req.ConfOverlay, err)
	}
	if _, err = c.BuildExecute(s, "q", ExecOptions{QueryTags: map[string]string{"a:b": "v"}}); !errors.Is(err, ErrQueryTag) {
		t.Errorf("bad key: got %v, want ErrQueryTag", err)
	}
}

// FuzzParseQueryTags: any input parses or fails with ErrQueryTag, and what
// parses (with keys CheckQueryTags accepts) is written and read back
// unchanged.
func FuzzParseQueryTags(f *testing.F) {
	for _, s := range []string{"", "a:1", `a:b\,c\:d\\e,f`, `k\\ey:v`, "a,b:", `a:\`, "a:1,a:2", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tags, err := ParseQueryTags(s)
		if err != nil {
			if !errors.Is(err, ErrQueryTag) {
				t.Fatalf("ParseQueryTags(%q): %v, want ErrQueryTag", s, err)
			}
			return
		}
		if CheckQueryTags(tags) != nil {
			return
		}
		again, err := ParseQueryTags(FormatQueryTags(tags))
		if err != nil || !maps.Equal(again, tags) {
			t.Fatalf("%q: parsed %q, written %q, read back %q, %v", s, tags, FormatQueryTags(tags), again, err)
		}
	})
}
