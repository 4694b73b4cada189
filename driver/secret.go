package driver

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/asyncsql/databricks/internal/secret"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// Secret holds a credential that the driver never prints: under every fmt
// verb, as a slog value and in JSON it shows "xxxxx" (nothing when empty),
// and encoding/gob refuses it. Its methods: Reveal returns the value, IsZero
// reports the empty secret, Equal compares two in constant time. Make one
// with NewSecret; the zero value is the empty secret. A Secret is immutable
// and safe to copy.
type Secret = secret.String

// NewSecret wraps s; an empty s gives the empty secret.
func NewSecret(s string) Secret { return secret.NewString(s) }

// redacted stands in for a secret in printed output.
const redacted = secret.Redacted

// formatRedacted writes s, a text already free of secrets, for any verb: %q
// quotes it, %#v writes name(s), every other verb writes s as is (a verb that
// does not fit a text, such as %d, must not fall back to printing the fields
// of the value).
func formatRedacted(f fmt.State, verb rune, name, s string) {
	switch {
	case verb == 'q':
		s = strconv.Quote(s)
	case verb == 'v' && f.Flag('#'):
		s = name + "(" + strconv.Quote(s) + ")"
	}
	_, _ = f.Write([]byte(s))
}

// minRedactedPart is the shortest part of a link that redactLink looks for
// on its own: shorter query values (an expiry in seconds, an algorithm name)
// grant nothing and would garble the message.
const minRedactedPart = 8

// redactLink returns the text of err, the failure of a request to a
// presigned result link, without the link: its URL carries a signature that
// grants access by itself, and its headers may too. A *url.Error, which
// prints the URL, is unwrapped; any other mention of the URL, of its query,
// of a query value or of a header value (an error of a wrapping transport or
// proxy may quote them), escaped or not, is replaced by "xxxxx".
func redactLink(err error, lk *resultLink) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	link := lk.url.Reveal()
	parts := []string{link}
	for _, h := range lk.headers {
		v := h.Reveal()
		parts = append(parts, v, url.QueryEscape(v))
	}
	if u, perr := url.Parse(link); perr == nil {
		parts = append(parts, u.String(), u.RawQuery)
		for _, vs := range u.Query() {
			for _, v := range vs {
				parts = append(parts, v, url.QueryEscape(v), url.PathEscape(v))
			}
		}
	}
	// Longest first, so that a value inside the URL does not leave the rest
	// of the URL behind.
	slices.SortFunc(parts, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, p := range parts {
		if len(p) >= minRedactedPart {
			msg = strings.ReplaceAll(msg, p, redacted)
		}
	}
	return msg
}

// resultLink is a result file's link as the driver holds it. The URL is
// presigned and the storage may expect headers (an encryption key) that grant
// access as well, so both are Secrets from the moment the page is read.
type resultLink struct {
	url     secret.String
	headers map[string]secret.String
	// startRow and rows are the rows of the result the file holds.
	startRow, rows int64
	// bytes is the file's announced size (0 when unknown); expiry the
	// link's end as Unix seconds (0 when none).
	bytes, expiry int64
}

// newResultLink takes the link of a FetchResults page.
func newResultLink(lk *tcli.TSparkArrowResultLink) *resultLink {
	r := &resultLink{
		url:      secret.NewString(lk.GetFileLink()),
		startRow: lk.GetStartRowOffset(),
		rows:     lk.GetRowCount(),
		bytes:    lk.GetBytesNum(),
		expiry:   lk.GetExpiryTime(),
	}
	if len(lk.HttpHeaders) > 0 {
		r.headers = make(map[string]secret.String, len(lk.HttpHeaders))
		for k, v := range lk.HttpHeaders {
			r.headers[k] = secret.NewString(v)
		}
	}
	return r
}
