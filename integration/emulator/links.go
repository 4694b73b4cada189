package emulator

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// LinkOptions configures result links (CloudFetch): when a client sets
// canDownloadResult on an Arrow result of more than ThresholdRows rows, the
// emulator answers URL_BASED_SET pages whose resultLinks point at Arrow IPC
// stream files served under /files/ of its own HTTP endpoint. A download
// must carry the link's httpHeaders (else HTTP 403).
type LinkOptions struct {
	// ThresholdRows: results with more rows use links.
	ThresholdRows int64
	// FileRows is the number of rows of one file (default 50000).
	FileRows int
	// Lifetime is how long a link stays valid (default 15 minutes); an
	// expired link is answered with HTTP 403.
	Lifetime time.Duration
	// Latency delays every download.
	Latency time.Duration
	// BytesPerSecond, when positive, limits the bandwidth of each download.
	BytesPerSecond int64
	// PadRows appends this many extra rows (repeating the last ones) to
	// every file beyond the link's rowCount.
	PadRows int
	// StaleNames writes column names in files that differ from the
	// metadata schema, like files cached by the server.
	StaleNames bool
	// BytesNum, when not 0, replaces the file size in the links' bytesNum:
	// a size to lie with, or negative for 0 (size unknown).
	BytesNum int64
	// URLBase, when set, replaces "http://HOST:PORT" of the emulator in
	// the links' URLs (the path stays /files/<id>): downloads then go
	// through whatever listens there, a fault-injecting proxy say.
	URLBase string
}

// WithLinks enables result links with the given options.
func WithLinks(o LinkOptions) Option {
	return func(c *config) {
		if o.FileRows <= 0 {
			o.FileRows = 50000
		}
		if o.Lifetime <= 0 {
			o.Lifetime = 15 * time.Minute
		}
		c.links = &o
	}
}

// WithLinkThreshold enables result links, with default options, for results
// of more than rows rows.
func WithLinkThreshold(rows int64) Option { return WithLinks(LinkOptions{ThresholdRows: rows}) }

// LinkStats counts result-file downloads.
type LinkStats struct {
	// Links is the number of links issued (refreshes included).
	Links int64
	// Downloads is the number of download requests.
	Downloads int64
	// Served is the number of complete, successful downloads (counted as
	// the body is sent).
	Served int64
	// Forbidden counts 403 answers (expired links, missing headers,
	// injected 403s).
	Forbidden int64
	// Failed counts downloads an injected fault failed otherwise (other
	// statuses, dropped or spoilt answers).
	Failed int64
	// MaxConcurrent is the largest number of downloads in progress at once.
	MaxConcurrent int64
}

// LinkStats returns the download counters.
func (s *Server) LinkStats() LinkStats {
	f := &s.files
	return LinkStats{Links: f.links.Load(), Downloads: f.downloads.Load(), Served: f.served.Load(),
		Forbidden: f.forbidden.Load(), Failed: f.failed.Load(), MaxConcurrent: f.maxConc.Load()}
}

// fileStore holds the result files of issued links. Its zero value is ready.
type fileStore struct {
	mu    sync.Mutex
	files map[string]*linkFile
	seq   int64

	links, downloads, served, forbidden, failed, conc, maxConc atomic.Int64
}

// linkFile is one served file.
type linkFile struct {
	data    []byte
	header  string
	value   string
	expires time.Time
	// statementID and statement are those of the operation, for the log.
	statementID, statement string
}

// useLinksLocked reports whether op's result is answered with links; op.mu
// held.
func (op *operation) useLinksLocked() bool {
	return op.links != nil && op.arrow && int64(op.rows.Len()) > op.links.ThresholdRows
}

// fetchLinksLocked returns a page of links for maxRows rows from op.cursor;
// op.mu held.
func (op *operation) fetchLinksLocked(maxRows int64) (*tcli.TRowSet, bool, *tcli.TStatus) {
	o := op.links
	start := op.cursor
	// Files cover whole multiples of FileRows, so a refresh from a link's
	// offset yields the same file; a page holds files while below maxRows.
	end := min(int64(start)+maxRows, int64(op.rows.Len()))
	if f := int64(o.FileRows); end < int64(op.rows.Len()) && end%f != 0 {
		end = min((end/f+1)*f, int64(op.rows.Len()))
	}
	rs := &tcli.TRowSet{StartRowOffset: int64(start), Rows: []*tcli.TRow{}, ResultLinks: []*tcli.TSparkArrowResultLink{}}
	schema := arrowSchema(op.cols, op.arrowOpt)
	if o.StaleNames {
		fields := make([]arrow.Field, schema.NumFields())
		for i := range fields {
			fields[i] = schema.Field(i)
			fields[i].Name = "stale_" + strconv.Itoa(i)
		}
		schema = arrow.NewSchema(fields, nil)
	}
	for pos := start; pos < int(end); {
		stop := min((pos/o.FileRows+1)*o.FileRows, int(end))
		padEnd := min(stop+o.PadRows, op.rows.Len())
		data, err := fileBytes(schema, op.cols, op.rows, pos, padEnd, op.batchRowsHint(), op.lz4)
		if err != nil {
			return nil, false, errStatus("XX000", "result file: "+err.Error())
		}
		lk := op.store.add(data, o, op.fileBase, op)
		lk.StartRowOffset, lk.RowCount = int64(pos), int64(stop-pos)
		rs.ResultLinks = append(rs.ResultLinks, lk)
		pos = stop
	}
	op.cursor = int(end)
	return rs, op.cursor < op.rows.Len(), nil
}

// batchRowsHint is the rows of one record batch inside a file.
func (op *operation) batchRowsHint() int { return 10000 }

// fileBytes writes rows [start,end) of data as a complete Arrow IPC stream,
// as one LZ4 frame when compress is set.
func fileBytes(schema *arrow.Schema, cols []column, data *resultStore, start, end, batchRows int, compress bool) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	for pos := start; pos < end; pos += batchRows {
		rec, err := buildRecord(schema, cols, data, pos, min(pos+batchRows, end))
		if err != nil {
			return nil, err
		}
		err = w.Write(rec)
		rec.Release()
		if err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if !compress {
		return buf.Bytes(), nil
	}
	var out bytes.Buffer
	zw := lz4.NewWriter(&out)
	if _, err := zw.Write(buf.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// add registers a file and returns its link (offsets left to the caller).
func (f *fileStore) add(data []byte, o *LinkOptions, base string, op *operation) *tcli.TSparkArrowResultLink {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.files == nil {
		f.files = map[string]*linkFile{}
	}
	f.seq++
	if f.seq%256 == 0 {
		// Forget files whose links lapsed long ago.
		now := time.Now()
		for id, lf := range f.files {
			if now.Sub(lf.expires) > time.Minute {
				delete(f.files, id)
			}
		}
	}
	id := randomHex(12)
	lf := &linkFile{data: data, header: "X-Emulator-Sig-" + randomHex(3), value: randomHex(16),
		expires: time.Now().Add(o.Lifetime), statementID: op.h.String(), statement: loggedText(op.text)}
	f.files[id] = lf
	f.links.Add(1)
	size := int64(len(data))
	switch {
	case o.BytesNum < 0:
		size = 0
	case o.BytesNum > 0:
		size = o.BytesNum
	}
	return &tcli.TSparkArrowResultLink{FileLink: base + id, ExpiryTime: lf.expires.Unix(), BytesNum: size,
		HttpHeaders: map[string]string{lf.header: lf.value}}
}

// fileBase is the URL prefix of result files.
func (s *Server) fileBase() string {
	if o := s.cfg.links; o != nil && o.URLBase != "" {
		return strings.TrimSuffix(o.URLBase, "/") + "/files/"
	}
	return "http://" + net.JoinHostPort(s.host, strconv.Itoa(s.port)) + "/files/"
}

// serveFile answers a download of /files/<id> and logs it.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	seq := s.log.begin(Request{Time: start, Method: Download})
	s.download(w, r, seq, func(status int, outcome Outcome) {
		s.log.update(seq, func(e *Request) {
			e.Duration, e.HTTPStatus, e.Outcome = time.Since(start), status, outcome
		})
	})
}

// download serves a file. It calls done with the HTTP status and outcome
// before the client can see the answer (a served file is logged and
// counted before its body is sent, and logged dropped if sending fails);
// the log entry seq gets the file's statement and the fault applied.
// LinkStats counts injected 403s as Forbidden, other injected failures as
// Failed.
func (s *Server) download(w http.ResponseWriter, r *http.Request, seq int64, done func(int, Outcome)) {
	fs := &s.files
	o := s.cfg.links
	fs.downloads.Add(1)
	c := fs.conc.Add(1)
	defer fs.conc.Add(-1)
	for {
		m := fs.maxConc.Load()
		if c <= m || fs.maxConc.CompareAndSwap(m, c) {
			break
		}
	}
	refuse := func(status int, reason string) {
		done(status, OutcomeRefused)
		httpError(w, status, reason)
	}
	if o == nil {
		o = &defaultLinkOptions // the links of REST statements
	}
	if r.Method != http.MethodGet {
		refuse(http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if r.Header.Get("Authorization") != "" {
		// Storage must never see the workspace token.
		refuse(http.StatusBadRequest, "unexpected Authorization header")
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/files/")
	fs.mu.Lock()
	lf := fs.files[id]
	fs.mu.Unlock()
	if lf == nil {
		refuse(http.StatusNotFound, "no such file")
		return
	}
	f := s.faults.match(Download)
	s.log.update(seq, func(e *Request) {
		e.StatementID, e.Statement = lf.statementID, lf.statement
		if f != nil {
			e.Fault = f.Fault
		}
	})
	if o.Latency > 0 && !sleepCtx(r.Context(), o.Latency) {
		done(0, OutcomeDropped)
		return
	}
	faulted := func(st int, out Outcome) {
		if out == OutcomeRefused && st == http.StatusForbidden {
			fs.forbidden.Add(1)
		} else if out != OutcomeOK {
			fs.failed.Add(1)
		}
		done(st, out)
	}
	if f != nil && !s.refuse(w, f, faulted) {
		return
	}
	if time.Now().After(lf.expires) || r.Header.Get(lf.header) != lf.value {
		fs.forbidden.Add(1)
		refuse(http.StatusForbidden, "AuthenticationFailed: signature expired or missing")
		return
	}
	if f != nil && s.spoil(w, f.Fault, "application/octet-stream", lf.data, faulted) {
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(lf.data)))
	w.Header().Set("Content-Type", "application/octet-stream")
	fs.served.Add(1)
	done(http.StatusOK, OutcomeOK)
	if err := writeThrottled(r, w, lf.data, o.BytesPerSecond); err != nil {
		fs.served.Add(-1)
		done(http.StatusOK, OutcomeDropped)
	}
}

// writeThrottled writes data, at most bps bytes per second when bps > 0.
func writeThrottled(r *http.Request, w http.ResponseWriter, data []byte, bps int64) error {
	if bps <= 0 {
		_, err := w.Write(data)
		return err
	}
	chunk := int(max(bps/20, 1))
	for len(data) > 0 {
		n := min(chunk, len(data))
		if _, err := w.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
		if len(data) > 0 && !sleepCtx(r.Context(), time.Duration(int64(n)*int64(time.Second)/bps)) {
			return fmt.Errorf("cancelled")
		}
	}
	return nil
}
