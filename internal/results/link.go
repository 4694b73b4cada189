package results

import (
	"github.com/asyncsql/databricks/internal/secret"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// redactLink returns the text of err, the failure of a request to a
// presigned result link, without the link's URL or header values (see
// secret.LinkError).
func redactLink(err error, lk *resultLink) string {
	headers := make([]secret.String, 0, len(lk.headers))
	for _, h := range lk.headers {
		headers = append(headers, h)
	}
	return secret.LinkError(err, lk.url, headers)
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
	// chunk is the chunk index of a Statement Execution API result, which
	// names the link when it is refreshed.
	chunk int
	// inline holds the file itself when it came with its page (an inline
	// ARROW_STREAM chunk): it has no URL and is not downloaded.
	inline []byte
}

// newResultLink takes the link of a FetchResults page; a nil link is one
// with negative rows, which the lister reports as invalid.
func newResultLink(lk *tcli.TSparkArrowResultLink) *resultLink {
	if lk == nil {
		return &resultLink{rows: -1}
	}
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
