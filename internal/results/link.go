package results

import (
	"cmp"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/asyncsql/databricks/internal/secret"
	"github.com/asyncsql/databricks/thrift/tcli"
)

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
		if len(p) >= secret.MinRedactedPart {
			msg = strings.ReplaceAll(msg, p, secret.Redacted)
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
