package driver

import (
	"context"
	"errors"

	"io"
	"strings"
	"unicode"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/internal/staging"
	"github.com/asyncsql/databricks/internal/stmterr"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// Errors of staging statements (PUT, GET and REMOVE on Volumes). Test for
// them with errors.Is.
var (
	// ErrStagingNotAllowed reports a staging statement whose local file
	// lies outside every directory of Config.StagingAllowedPaths (after
	// symbolic links and ".."), or a local file when no directory is
	// allowed. Nothing was transferred.
	ErrStagingNotAllowed = staging.ErrNotAllowed
	// ErrStagingFileExists reports a GET to a local file that exists: a
	// GET never replaces a file (the statement has no OVERWRITE). Nothing
	// was written.
	ErrStagingFileExists = staging.ErrFileExists
	// ErrStagingStream reports a stream local path (StagingInputStream,
	// StagingOutputStream) without its WithStagingReader or
	// WithStagingWriter, a stream given for a statement on a file, or a
	// reader of unknown size that is no io.Seeker.
	ErrStagingStream = staging.ErrStream
	// ErrStagingResult reports a staging result row the driver cannot act
	// on (no operation or URL, headers that are no JSON object of strings).
	ErrStagingResult = staging.ErrBadRow
	// ErrStagingNotSupported reports a staging statement on the REST
	// backend (Config.Backend): only the Thrift backend performs the
	// transfers. Nothing is sent, or a statement the server still marked
	// as one is closed; nothing was transferred.
	ErrStagingNotSupported = errors.New("databricks: Volumes staging statements need the Thrift backend")
)

// StagingStatusError is the error (errors.As) of a staging transfer the
// storage refused: its HTTP status and the storage's error code.
type StagingStatusError = staging.StatusError

// The local paths of staging statements that stream instead of naming a
// file: PUT 'StagingInputStream' INTO '/Volumes/...' uploads from the
// context's WithStagingReader, GET '/Volumes/...' TO 'StagingOutputStream'
// writes to its WithStagingWriter. "__input_stream__" is the name
// Databricks' Python connector uses for the same upload.
const (
	StagingInputStream  = staging.InputStream
	StagingOutputStream = staging.OutputStream
)

type stagingStreamsKey struct{}

// WithStagingReader returns a context whose staging statement PUT
// '__input_stream__' INTO '/Volumes/...' uploads size bytes read from r,
// streamed without a temporary file. A presigned PUT needs the length
// first: a negative size means unknown, which only an io.Seeker may have
// (measured from its current position to its end). The upload is repeated
// after a failure only when r is an io.Seeker (sought back) or none of its
// bytes was sent.
func WithStagingReader(ctx context.Context, r io.Reader, size int64) context.Context {
	st := stagingStreams(ctx)
	st.Reader, st.Size = r, size
	return context.WithValue(ctx, stagingStreamsKey{}, st)
}

// WithStagingWriter returns a context whose staging statement GET
// '/Volumes/...' TO '__output_stream__' writes the file to w, streamed.
// An interrupted download resumes where it stopped (a Range request);
// bytes written to w are never written again, so the statement fails if
// the storage cannot resume.
func WithStagingWriter(ctx context.Context, w io.Writer) context.Context {
	st := stagingStreams(ctx)
	st.Writer = w
	return context.WithValue(ctx, stagingStreamsKey{}, st)
}

func stagingStreams(ctx context.Context) staging.Streams {
	st, _ := ctx.Value(stagingStreamsKey{}).(staging.Streams)
	return st
}

// stage performs the transfer a finished staging statement asks for and
// closes the operation. It reports false, leaving op alone, when op is not
// a staging statement: the server marks those in the result metadata
// (isStagingOperation), which is read from the direct results, or asked
// for only when the statement starts with PUT, GET or REMOVE, so that
// other statements cost no extra call.
func (b *thriftBackend) stage(ctx context.Context, query string, o *thriftOp) (bool, error) {
	op := o.op
	var meta *tcli.TGetResultSetMetadataResp
	if op.Direct != nil {
		meta = op.Direct.ResultSetMetadata
	}
	if meta == nil {
		if !stagingCommand(query) || !op.HasResultSet() || op.Lifetime == hs2.Closed {
			return false, nil
		}
		m, err := b.hs.ResultSetMetadata(ctx, op)
		if err != nil {
			o.release(ctx)
			return true, err
		}
		meta = m
		// Kept where the rows' reader looks first, so that reading the
		// staging row (or the rows of another statement) does not ask
		// again.
		if op.Direct == nil {
			op.Direct = &tcli.TSparkDirectResults{}
		}
		op.Direct.ResultSetMetadata = m
	}
	if !meta.GetIsStagingOperation() {
		return false, nil
	}
	in, err := b.c.stagingInstruction(ctx, o)
	if err != nil {
		return true, err
	}
	c := b.c
	client := &staging.Client{HTTP: c.httpClient, Dirs: c.cfg.StagingAllowedPaths, Attempts: c.cfg.RetryMax, Log: c.log}
	if err := client.Do(ctx, in, stagingStreams(ctx)); err != nil {
		return true, stmterr.Errorf(op.ID, "%w", err)
	}
	return true, nil
}

// stagedOp is what execute returns for a staging statement: the finished
// transfer, an operation without rows and closed already, or the
// transfer's error.
func stagedOp(id string, err error) (operation, error) {
	if err != nil {
		return nil, err
	}
	return stagedOperation(id), nil
}

// stagedOperation is a staging statement whose transfer is done: no rows,
// nothing left open on the server.
type stagedOperation string

var _ operation = stagedOperation("")

func (s stagedOperation) statementID() string                       { return string(s) }
func (stagedOperation) rowsAffected(context.Context) (int64, error) { return 0, nil }
func (stagedOperation) hasResultSet() bool                          { return false }
func (stagedOperation) kept() bool                                  { return false }
func (stagedOperation) release(context.Context)                     {}

// result implements operation: a staging statement has no rows to read.
func (s stagedOperation) result(context.Context, rowsOptions) (resultPlan, error) {
	return resultPlan{}, stmterr.Errorf(string(s), "%w: a staging statement has no result set", ErrUnsupportedResult)
}

// stagingInstruction reads the one row of a staging result and closes the
// operation.
func (c *Connector) stagingInstruction(ctx context.Context, op operation) (*staging.Instruction, error) {
	r, err := c.openRows(ctx, op, rowsOptions{})
	if err != nil {
		op.release(ctx)
		return nil, err
	}
	cols := r.Columns()
	dest := make([]sqldriver.Value, len(cols))
	err = r.Next(dest)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, io.EOF) {
		return nil, stmterr.Errorf(op.statementID(), "%w: no row", staging.ErrBadRow)
	}
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(dest))
	for i, v := range dest {
		vals[i] = v
	}
	in, err := staging.ParseRow(cols, vals)
	if err != nil {
		return nil, stmterr.Errorf(op.statementID(), "%w", err)
	}
	return in, nil
}

// stagingCommand reports whether query starts, after blanks and comments,
// with the keyword PUT, GET or REMOVE.
func stagingCommand(query string) bool {
	q := query
	for {
		q = strings.TrimLeftFunc(q, unicode.IsSpace)
		switch {
		case strings.HasPrefix(q, "--"):
			_, rest, ok := strings.Cut(q, "\n")
			if !ok {
				return false
			}
			q = rest
			continue
		case strings.HasPrefix(q, "/*"):
			_, rest, ok := strings.Cut(q[2:], "*/")
			if !ok {
				return false
			}
			q = rest
			continue
		}
		break
	}
	end := strings.IndexFunc(q, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		end = len(q)
	}
	switch strings.ToUpper(q[:end]) {
	case "PUT", "GET", "REMOVE":
		return true
	}
	return false
}
