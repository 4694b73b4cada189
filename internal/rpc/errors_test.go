package rpc

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseRetryAfter(t *testing.T) {
	now := clockBase
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"5", 5 * time.Second},
		{" 12 ", 12 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"1.5", 0},
		{"soon", 0},
		{"99999999999999999999", 0},
		{"9999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(30 * time.Second).Format(time.RFC850), 30 * time.Second},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSanitize(t *testing.T) {
	long := strings.Repeat("é", maxReasonLen)
	tests := map[string]string{
		"  plain  ":         "plain",
		"a\nb\tc":           "a b c",
		"bad \xff utf8":     "bad \uFFFD utf8",
		"\x00\x01":          "",
		long[:maxReasonLen]: long[:maxReasonLen],
	}
	for in, want := range tests {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	got := sanitize(long)
	if !utf8.ValidString(got) || len(got) > maxReasonLen+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("sanitize(long) = %d bytes, valid %v", len(got), utf8.ValidString(got))
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}.withDefaults()
	top := func(n int64) int64 { return n - 1 }
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := backoff(p, i+1, top); got != w*time.Millisecond {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	if got := backoff(p, 3, func(int64) int64 { return 0 }); got != 0 {
		t.Errorf("full jitter low end = %v", got)
	}
	// Huge retry numbers do not overflow.
	if got := backoff(p, 1000, top); got != time.Second {
		t.Errorf("backoff(1000) = %v", got)
	}
}

func TestSafe(t *testing.T) {
	for m, want := range map[string]bool{
		"OpenSession": true, "CloseSession": true, "GetOperationStatus": true,
		"GetResultSetMetadata": true, "CancelOperation": true, "CloseOperation": true,
		"GetCatalogs": true, "GetSchemas": true, "GetTables": true, "GetColumns": true,
		"GetFunctions": true, "GetPrimaryKeys": true, "GetCrossReference": true,
		"ExecuteStatement": false, "FetchResults": false, "": false,
	} {
		if Safe(m) != want {
			t.Errorf("Safe(%q) = %v", m, !want)
		}
	}
}

func TestRetryPolicyDefaults(t *testing.T) {
	if got := (RetryPolicy{}).withDefaults(); got != DefaultRetryPolicy() {
		t.Errorf("%+v", got)
	}
	p := RetryPolicy{MaxAttempts: 1, MinBackoff: time.Second, MaxBackoff: time.Millisecond}.withDefaults()
	if p.MaxAttempts != 1 || p.MaxBackoff != time.Second {
		t.Errorf("%+v", p)
	}
}
