package emulator

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Staging statements (Unity Catalog Volumes) run over a directory of the
// emulator's own: /Volumes/<catalog>/<schema>/<volume>/<path> is the file
// <dir>/<catalog>/<schema>/<volume>/<path>. PUT, GET and REMOVE answer one
// row (operation, presignedUrl, headers, localFile) marked
// isStagingOperation; the client then sends the HTTP request to the
// presigned URL, served under /volumes/ of the emulator's own port. A URL
// carries an HMAC signature of its operation, path, statement, OVERWRITE
// and expiry (15 minutes), so that a tampered URL is refused (403), and
// must come with the header X-Emulator-Volume-Key the row lists (403
// without it); a request carrying an Authorization header is refused
// (400), since storage must never see the workspace token. Fault rules of
// method Staging apply to these requests.

// Staging is the method of the fault rules and log entries of staging
// transfers: HTTP PUT, GET and DELETE on presigned volume URLs.
const Staging Method = "Staging"

// stagingLifetime is how long a presigned URL stays valid.
const stagingLifetime = 15 * time.Minute

// stagingKeyHeader is the header every staging request must carry.
const stagingKeyHeader = "X-Emulator-Volume-Key"

// WithVolumes serves staging statements over dir (default: a temporary
// directory, removed by Close).
func WithVolumes(dir string) Option { return func(c *config) { c.volumesDir = dir } }

// VolumesDir is the directory the volumes live in.
func (s *Server) VolumesDir() string { return s.volumes.dir }

// volumes is the server's volume storage.
type volumes struct {
	dir  string
	root *os.Root
	key  []byte
	// temp is set when dir is the server's own temporary directory.
	temp bool
}

// openVolumes opens dir, or a new temporary directory when dir is empty.
func openVolumes(dir string) (*volumes, error) {
	v := &volumes{dir: dir, key: make([]byte, 32)}
	rand.Read(v.key)
	if dir == "" {
		d, err := os.MkdirTemp("", "emulator-volumes-")
		if err != nil {
			return nil, fmt.Errorf("emulator: volumes: %w", err)
		}
		v.dir, v.temp = d, true
	}
	root, err := os.OpenRoot(v.dir)
	if err != nil {
		return nil, fmt.Errorf("emulator: volumes: %w", err)
	}
	v.root = root
	return v, nil
}

// close closes the root and removes a temporary directory.
func (v *volumes) close() error {
	err := v.root.Close()
	if v.temp {
		err = errors.Join(err, os.RemoveAll(v.dir))
	}
	return err
}

// stagingCommand is a parsed PUT, GET or REMOVE statement.
type stagingCommand struct {
	op        string // PUT, GET or REMOVE
	local     string // the local file ("" for REMOVE)
	volume    string // the file's path below the volumes directory, slash-separated
	overwrite bool
}

// parseStaging reads a staging statement; ok is false for any other
// statement, err set for a staging statement that is malformed.
func parseStaging(query string) (cmd *stagingCommand, ok bool, err error) {
	if !stagingKeyword(query) {
		return nil, false, nil
	}
	toks, terr := stagingTokens(query)
	if len(toks) == 0 {
		return nil, false, nil
	}
	kw := strings.ToUpper(toks[0].text)
	if toks[0].quoted || (kw != "PUT" && kw != "GET" && kw != "REMOVE") {
		return nil, false, nil
	}
	if terr != nil {
		return nil, true, terr
	}
	word := func(i int, w string) bool {
		return i < len(toks) && !toks[i].quoted && strings.EqualFold(toks[i].text, w)
	}
	str := func(i int) bool { return i < len(toks) && toks[i].quoted }
	cmd = &stagingCommand{op: kw}
	var vol string
	switch {
	case kw == "PUT" && str(1) && word(2, "INTO") && str(3) && (len(toks) == 4 || len(toks) == 5 && word(4, "OVERWRITE")):
		cmd.local, vol, cmd.overwrite = toks[1].text, toks[3].text, len(toks) == 5
	case kw == "GET" && str(1) && word(2, "TO") && str(3) && len(toks) == 4:
		vol, cmd.local = toks[1].text, toks[3].text
	case kw == "REMOVE" && str(1) && len(toks) == 2:
		vol = toks[1].text
	default:
		return nil, true, fmt.Errorf("syntax: PUT 'local' INTO '/Volumes/...' [OVERWRITE], GET '/Volumes/...' TO 'local' or REMOVE '/Volumes/...'")
	}
	if kw != "REMOVE" && cmd.local == "" {
		return nil, true, errors.New("the local file path is empty")
	}
	cmd.volume, err = volumePath(vol)
	if err != nil {
		return nil, true, err
	}
	return cmd, true, nil
}

// volumePath checks a volume path (/Volumes/c/s/v/path or
// dbfs:/Volumes/...) and returns it below the volumes directory.
func volumePath(p string) (string, error) {
	rest, ok := strings.CutPrefix(strings.TrimPrefix(p, "dbfs:"), "/Volumes/")
	if !ok {
		return "", fmt.Errorf("volume path %q does not start with /Volumes/", p)
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 4 {
		return "", fmt.Errorf("volume path %q names no file: want /Volumes/<catalog>/<schema>/<volume>/<path>", p)
	}
	for _, c := range parts {
		if c == "" || c == "." || c == ".." || strings.ContainsAny(c, "\\\x00") {
			return "", fmt.Errorf("volume path %q has an empty, . or .. component", p)
		}
	}
	return rest, nil
}

// stagingToken is a word or a string literal of a staging statement.
type stagingToken struct {
	text   string
	quoted bool
}

// stagingTokens splits a statement into words and single- or
// double-quoted string literals (a backslash escapes the next character,
// as in Spark SQL); a trailing ';' is ignored.
func stagingTokens(q string) ([]stagingToken, error) {
	q = strings.TrimFunc(q, func(r rune) bool { return r < 0x80 && blank(byte(r)) })
	q = strings.TrimFunc(strings.TrimSuffix(q, ";"), func(r rune) bool { return r < 0x80 && blank(byte(r)) })
	var toks []stagingToken
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case blank(c):
			i++
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(q) && q[j] != c; j++ {
				if q[j] == '\\' && j+1 < len(q) {
					j++
				}
				b.WriteByte(q[j])
			}
			if j >= len(q) {
				return toks, errors.New("unterminated string literal")
			}
			toks = append(toks, stagingToken{text: b.String(), quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(q) && !blank(q[j]) && q[j] != '\'' && q[j] != '"' {
				j++
			}
			toks = append(toks, stagingToken{text: q[i:j]})
			i = j
		}
	}
	return toks, nil
}

// stagingKeyword reports whether q starts, after blanks, with PUT, GET or
// REMOVE followed by a blank or a quote: a cheap test before the statement
// is split, since every statement is asked.
func stagingKeyword(q string) bool {
	i := 0
	for i < len(q) && blank(q[i]) {
		i++
	}
	for _, kw := range []string{"PUT", "GET", "REMOVE"} {
		if len(q)-i > len(kw) && strings.EqualFold(q[i:i+len(kw)], kw) {
			c := q[i+len(kw)]
			return blank(c) || c == '\'' || c == '"'
		}
	}
	return false
}

// blank reports an ASCII white-space byte, which separates words.
func blank(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

// stage runs a staging statement: it checks the volume file and answers
// the row of the transfer.
func (s *Server) stage(op *operation, cmd *stagingCommand) (*result, error) {
	v := s.volumes
	_, err := v.root.Lstat(filepath.FromSlash(cmd.volume))
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, &classError{class: "INVALID_PARAMETER_VALUE", state: "22023", msg: "The volume path cannot be used."}
	case cmd.op == "PUT" && exists && !cmd.overwrite:
		return nil, &classError{class: "PATH_ALREADY_EXISTS", state: "42K04",
			msg: "Path /Volumes/" + cmd.volume + " already exists. Set OVERWRITE to replace it."}
	case cmd.op != "PUT" && !exists:
		return nil, &classError{class: "PATH_NOT_FOUND", state: "42K03", msg: "Path does not exist: /Volumes/" + cmd.volume + "."}
	}
	u, key := s.presign(cmd, op.h.String())
	headers, _ := json.Marshal(map[string]string{stagingKeyHeader: key})
	str := &colType{kind: kString, duck: "VARCHAR"}
	cols := []column{{name: "operation", typ: str}, {name: "presignedUrl", typ: str}, {name: "headers", typ: str}, {name: "localFile", typ: str}}
	row := []driver.Value{cmd.op, u, string(headers), cmd.local}
	if cmd.op == "REMOVE" {
		cols, row = cols[:3], row[:3]
	}
	return &result{hasResultSet: true, staging: true, cols: cols, rows: storeOf(len(row), row), modified: -1}, nil
}

// presign returns the presigned URL of a command of statement id and the
// value of the header it requires.
func (s *Server) presign(cmd *stagingCommand, id string) (string, string) {
	q := url.Values{}
	q.Set("op", cmd.op)
	q.Set("stmt", id)
	q.Set("expires", strconv.FormatInt(time.Now().Add(stagingLifetime).Unix(), 10))
	if cmd.overwrite {
		q.Set("overwrite", "1")
	}
	sig := s.volumes.sign(cmd.volume, q)
	q.Set("sig", sig)
	u := "http://" + net.JoinHostPort(s.host, strconv.Itoa(s.port)) + "/volumes/" + escapePath(cmd.volume) + "?" + q.Encode()
	return u, s.volumes.headerKey(sig)
}

// escapePath escapes each component of a slash-separated path.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, c := range parts {
		parts[i] = url.PathEscape(c)
	}
	return strings.Join(parts, "/")
}

// sign is the signature of a presigned URL: an HMAC of the path and the
// query parameters other than sig.
func (v *volumes) sign(p string, q url.Values) string {
	m := hmac.New(sha256.New, v.key)
	fmt.Fprintf(m, "%s\n%s\n%s\n%s\n%s", p, q.Get("op"), q.Get("stmt"), q.Get("expires"), q.Get("overwrite"))
	return hex.EncodeToString(m.Sum(nil))
}

// headerKey is the value of the header a URL of signature sig requires.
func (v *volumes) headerKey(sig string) string {
	m := hmac.New(sha256.New, v.key)
	fmt.Fprintf(m, "header\n%s", sig)
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// serveStaging answers a request to a presigned volume URL and logs it.
func (s *Server) serveStaging(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	seq := s.log.begin(Request{Time: start, Method: Staging, StatementID: r.URL.Query().Get("stmt")})
	s.transfer(w, r, seq, func(status int, outcome Outcome) {
		s.log.update(seq, func(e *Request) {
			e.Duration, e.HTTPStatus, e.Outcome = time.Since(start), status, outcome
		})
	})
}

// transfer performs a staging request. It calls done with the HTTP status
// and outcome before the client can see the answer.
func (s *Server) transfer(w http.ResponseWriter, r *http.Request, seq int64, done func(int, Outcome)) {
	refuse := func(status int, reason string) {
		done(status, OutcomeRefused)
		httpError(w, status, reason)
	}
	f := s.faults.match(Staging)
	if f != nil {
		s.log.update(seq, func(e *Request) { e.Fault = f.Fault })
		if !s.refuse(w, f, done) {
			return
		}
	}
	if r.Header.Get("Authorization") != "" {
		refuse(http.StatusBadRequest, "unexpected Authorization header")
		return
	}
	v := s.volumes
	q := r.URL.Query()
	rel := strings.TrimPrefix(r.URL.Path, "/volumes/")
	sig := q.Get("sig")
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	want := map[string]string{"PUT": http.MethodPut, "GET": http.MethodGet, "REMOVE": http.MethodDelete}[q.Get("op")]
	switch {
	case !hmac.Equal([]byte(sig), []byte(v.sign(rel, q))):
		refuse(http.StatusForbidden, "AuthenticationFailed: signature does not match")
		return
	case err != nil || time.Now().Unix() > exp:
		refuse(http.StatusForbidden, "AuthenticationFailed: URL expired")
		return
	case !hmac.Equal([]byte(r.Header.Get(stagingKeyHeader)), []byte(v.headerKey(sig))):
		refuse(http.StatusForbidden, "AuthenticationFailed: missing or wrong "+stagingKeyHeader)
		return
	case r.Method != want:
		w.Header().Set("Allow", want)
		refuse(http.StatusMethodNotAllowed, "method not allowed for this URL")
		return
	}
	name := filepath.FromSlash(path.Clean(rel))
	var fault *Fault
	if f != nil {
		fault = f.Fault
	}
	switch r.Method {
	case http.MethodPut:
		s.receive(w, r, name, q.Get("overwrite") == "1", fault, done)
	case http.MethodGet:
		s.send(w, r, name, fault, done)
	case http.MethodDelete:
		if err := v.root.Remove(name); err != nil {
			refuse(http.StatusNotFound, "no such file")
			return
		}
		if fault != nil && fault.DropResponse {
			done(0, OutcomeDropped)
			dropConnection(w)
			return
		}
		done(http.StatusNoContent, OutcomeOK)
		w.WriteHeader(http.StatusNoContent)
	}
}

// receive stores an upload: written beside its target and moved into place
// once whole, replacing a file only with OVERWRITE.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, name string, overwrite bool, f *Fault, done func(int, Outcome)) {
	refuse := func(status int, reason string) {
		done(status, OutcomeRefused)
		httpError(w, status, reason)
	}
	if r.ContentLength < 0 {
		refuse(http.StatusLengthRequired, "Content-Length required")
		return
	}
	root := s.volumes.root
	if err := root.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		refuse(http.StatusInternalServerError, "cannot create the directory")
		return
	}
	tmp := name + ".upload-" + randomHex(6)
	out, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		refuse(http.StatusInternalServerError, "cannot create the file")
		return
	}
	defer root.Remove(tmp)
	n, err := io.Copy(out, io.LimitReader(r.Body, r.ContentLength))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil || n != r.ContentLength {
		done(0, OutcomeDropped)
		return
	}
	if overwrite {
		err = root.Rename(tmp, name)
	} else {
		err = root.Link(tmp, name)
	}
	if err != nil {
		refuse(http.StatusConflict, "the file exists")
		return
	}
	if f != nil && (f.DropResponse || f.Truncate) {
		done(0, OutcomeDropped)
		dropConnection(w)
		return
	}
	done(http.StatusCreated, OutcomeOK)
	w.WriteHeader(http.StatusCreated)
}

// send serves a download, ranges included; a Truncate fault sends half of
// the file under the whole file's Content-Length.
func (s *Server) send(w http.ResponseWriter, r *http.Request, name string, f *Fault, done func(int, Outcome)) {
	in, err := s.volumes.root.Open(name)
	if err != nil {
		done(http.StatusNotFound, OutcomeRefused)
		httpError(w, http.StatusNotFound, "no such file")
		return
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil || !st.Mode().IsRegular() {
		done(http.StatusNotFound, OutcomeRefused)
		httpError(w, http.StatusNotFound, "no such file")
		return
	}
	switch {
	case f != nil && f.DropResponse:
		done(0, OutcomeDropped)
		dropConnection(w)
	case f != nil && f.Truncate:
		done(http.StatusOK, OutcomeDropped)
		w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		w.WriteHeader(http.StatusOK)
		_, _ = io.Copy(w, io.LimitReader(in, st.Size()/2))
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		out := OutcomeOK
		hook := &statusHook{ResponseWriter: w, fn: func(status int) {
			if status >= 300 {
				out = OutcomeRefused
			}
			done(status, out)
		}}
		http.ServeContent(hook, r, "", st.ModTime(), in)
	}
}

// statusHook calls fn with the status of the answer before the status line
// is written, so that the log entry is complete before the client sees
// the answer.
type statusHook struct {
	http.ResponseWriter
	fn    func(status int)
	wrote bool
}

// WriteHeader implements http.ResponseWriter.
func (h *statusHook) WriteHeader(status int) {
	if !h.wrote {
		h.wrote = true
		h.fn(status)
	}
	h.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter.
func (h *statusHook) Write(b []byte) (int, error) {
	if !h.wrote {
		h.WriteHeader(http.StatusOK)
	}
	return h.ResponseWriter.Write(b)
}
