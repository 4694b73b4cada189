package rpc

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// maxReasonLen bounds the length in bytes of HTTPError.Reason.
const maxReasonLen = 512

// HTTPError is a reply with an HTTP status other than 200. Such a reply carries
// no Thrift message.
type HTTPError struct {
	// Method is the TCLIService method called.
	Method string
	// StatusCode is the HTTP status code.
	StatusCode int
	// Reason is the server's explanation from the X-Databricks-Reason-Phrase
	// or X-Thriftserver-Error-Message header, trimmed, stripped of control
	// characters and bounded in length; empty when neither header is set.
	Reason string
	// RetryAfter is the wait the server asked for in a Retry-After header,
	// zero when there was none.
	RetryAfter time.Duration
}

// Error implements error.
func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rpc: %s: HTTP %d", e.Method, e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" ")
		b.WriteString(t)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// Temporary reports whether the status says the request was not processed and
// may be sent again later (429 or 503).
func (e *HTTPError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable
}

// StatusError is a reply whose TStatus reports ERROR_STATUS or
// INVALID_HANDLE_STATUS. The method returning it also returns the response.
type StatusError struct {
	// Method is the TCLIService method called.
	Method string
	// Status is the status the server returned; never nil.
	Status *tcli.TStatus
}

// Error implements error.
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rpc: %s: %s", e.Method, e.Status.GetStatusCode())
	if s := e.Status.GetSqlState(); s != "" {
		fmt.Fprintf(&b, " (SQLSTATE %s)", s)
	}
	if m := e.Status.GetErrorMessage(); m != "" {
		b.WriteString(": ")
		b.WriteString(m)
	}
	return b.String()
}

// InvalidHandle reports whether the status is INVALID_HANDLE_STATUS.
func (e *StatusError) InvalidHandle() bool {
	return e.Status.GetStatusCode() == tcli.TStatusCode_INVALID_HANDLE_STATUS
}

// CheckStatus returns a *StatusError when st reports an error (ERROR_STATUS or
// INVALID_HANDLE_STATUS), nil otherwise. It is the one place that decides
// whether a TStatus is an error: the methods of Client apply it to every
// reply, and callers apply it to the statuses nested in direct results.
func CheckStatus(method string, st *tcli.TStatus) error {
	if st == nil {
		return nil
	}
	switch st.GetStatusCode() {
	case tcli.TStatusCode_ERROR_STATUS, tcli.TStatusCode_INVALID_HANDLE_STATUS:
		return &StatusError{Method: method, Status: st}
	}
	return nil
}

// newHTTPError builds the error for a reply with a status other than 200.
func newHTTPError(method string, resp *http.Response, now time.Time) *HTTPError {
	return &HTTPError{
		Method:     method,
		StatusCode: resp.StatusCode,
		Reason:     reason(resp.Header),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
}

// reason returns the sanitised server reason from the error headers.
func reason(h http.Header) string {
	for _, k := range []string{"X-Databricks-Reason-Phrase", "X-Thriftserver-Error-Message"} {
		if r := sanitize(h.Get(k)); r != "" {
			return r
		}
	}
	return ""
}

// sanitize trims s, replaces control characters and invalid UTF-8 by spaces
// or U+FFFD, and bounds its length to maxReasonLen bytes without splitting a
// character.
func sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxReasonLen {
		cut := maxReasonLen
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// parseRetryAfter parses a Retry-After value: a number of seconds or an HTTP
// date, relative to now. It returns zero for an absent, malformed or past
// value.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		// Bound the seconds so the conversion cannot overflow.
		const maxSeconds = int64(24 * time.Hour / time.Second)
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, maxSeconds)) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, 24*time.Hour)
}
