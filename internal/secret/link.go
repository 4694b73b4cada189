package secret

import (
	"cmp"
	"errors"
	"net/url"
	"slices"
	"strings"
)

// LinkError returns the text of err, the failure of a request to a
// presigned URL link sent with the header values headers, without the link:
// a presigned URL carries a signature that grants access by itself, and
// the headers it comes with may too. A *url.Error, which prints the URL, is
// unwrapped; any other mention of the URL, of its query, of a query value
// or of a header value (an error of a wrapping transport or proxy may
// quote them), escaped or not, is replaced by Redacted.
func LinkError(err error, link String, headers []String) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return ScrubLink(err.Error(), link, headers)
}

// ScrubLink returns msg with every mention of the presigned URL link, of its
// query, of its query values and of the header values headers, escaped or
// not, replaced by Redacted; parts shorter than MinRedactedPart are left.
func ScrubLink(msg string, link String, headers []String) string {
	l := link.Reveal()
	parts := []string{l}
	for _, h := range headers {
		v := h.Reveal()
		parts = append(parts, v, url.QueryEscape(v))
	}
	if u, perr := url.Parse(l); perr == nil {
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
		if len(p) >= MinRedactedPart {
			msg = strings.ReplaceAll(msg, p, Redacted)
		}
	}
	return msg
}
