package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/asyncsql/databricks/internal/secret"
)

// State is a statement's execution state (StatementStatus.state).
type State string

// The states of a statement.
const (
	// Pending: waiting for the warehouse.
	Pending State = "PENDING"
	// Running: executing.
	Running State = "RUNNING"
	// Succeeded: done; the result can be fetched.
	Succeeded State = "SUCCEEDED"
	// Failed: execution failed; Status.Error says why.
	Failed State = "FAILED"
	// Canceled: canceled by a cancel call or by on_wait_timeout=CANCEL.
	Canceled State = "CANCELED"
	// Closed: succeeded and closed; the result is gone.
	Closed State = "CLOSED"
)

// Terminal reports whether s is a final state (SUCCEEDED, FAILED, CANCELED,
// CLOSED). An unknown state is not terminal.
func (s State) Terminal() bool {
	switch s {
	case Succeeded, Failed, Canceled, Closed:
		return true
	}
	return false
}

// Disposition is how a result is returned.
type Disposition string

// The dispositions.
const (
	// Inline: in the replies themselves (attachment or data_array), at
	// most 25 MiB in all.
	Inline Disposition = "INLINE"
	// ExternalLinks: as presigned links to files in cloud storage.
	ExternalLinks Disposition = "EXTERNAL_LINKS"
	// InlineOrExternalLinks: inline when small, links otherwise (the
	// server decides; Databricks' Python connector asks for it).
	InlineOrExternalLinks Disposition = "INLINE_OR_EXTERNAL_LINKS"
)

// Format is the format of a result's data.
type Format string

// The formats.
const (
	// ArrowStream: Arrow IPC streams, one per chunk.
	ArrowStream Format = "ARROW_STREAM"
	// JSONArray: arrays of strings and nulls.
	JSONArray Format = "JSON_ARRAY"
	// CSV: RFC 4180 text.
	CSV Format = "CSV"
)

// Compression is the compression of a result's chunks.
type Compression string

// The compressions.
const (
	// NoCompression: plain chunks (the field is left out).
	NoCompression Compression = ""
	// LZ4Frame: each chunk (attachment or file) is one LZ4 frame.
	LZ4Frame Compression = "LZ4_FRAME"
)

// OnWaitTimeout says what happens to a statement still running when
// wait_timeout has passed.
type OnWaitTimeout string

// The actions at the end of wait_timeout.
const (
	// Continue: the statement goes on; the reply carries its ID to poll.
	Continue OnWaitTimeout = "CONTINUE"
	// Cancel: the statement is canceled.
	Cancel OnWaitTimeout = "CANCEL"
)

// MinWaitTimeout and MaxWaitTimeout bound the wait_timeout the API
// accepts, apart from 0 (return at once).
const (
	MinWaitTimeout = 5 * time.Second
	MaxWaitTimeout = 50 * time.Second
)

// ExecuteRequest is the body of POST /api/2.0/sql/statements.
type ExecuteRequest struct {
	// Statement is the SQL text (at most 16 MiB).
	Statement string `json:"statement"`
	// WarehouseID names the SQL warehouse that runs it.
	WarehouseID string `json:"warehouse_id"`
	// SessionID runs the statement in a session (Client.CreateSession):
	// its namespace and configuration. Empty: no session.
	SessionID string `json:"session_id,omitempty"`
	// Catalog and Schema are the defaults of the statement (empty: the
	// session's or the warehouse's).
	Catalog string `json:"catalog,omitempty"`
	Schema  string `json:"schema,omitempty"`
	// Parameters bind the statement's parameter markers.
	Parameters []Parameter `json:"parameters,omitempty"`
	// RowLimit and ByteLimit bound the result (0: none); a result cut by
	// them is flagged Manifest.Truncated.
	RowLimit  int64 `json:"row_limit,omitempty"`
	ByteLimit int64 `json:"byte_limit,omitempty"`
	// Disposition, Format and Compression say how the result travels.
	Disposition Disposition `json:"disposition,omitempty"`
	Format      Format      `json:"format,omitempty"`
	Compression Compression `json:"result_compression,omitempty"`
	// WaitTimeout is how long the call waits for the statement to finish:
	// 0 (return at once), or whole seconds from MinWaitTimeout to
	// MaxWaitTimeout. It is always sent.
	WaitTimeout time.Duration `json:"-"`
	// OnWaitTimeout says what happens when the wait ends first (empty: the
	// server's default, CONTINUE).
	OnWaitTimeout OnWaitTimeout `json:"on_wait_timeout,omitempty"`
	// QueryTags annotate the statement in the query history.
	QueryTags []QueryTag `json:"query_tags,omitempty"`
}

// errBadWaitTimeout is returned for a wait the API would refuse.
var errBadWaitTimeout = errors.New("wait_timeout must be 0 or whole seconds from 5s to 50s")

// waitTimeout returns the wire form of d ("Ns").
func waitTimeout(d time.Duration) (string, error) {
	if d != 0 && (d < MinWaitTimeout || d > MaxWaitTimeout || d%time.Second != 0) {
		return "", errBadWaitTimeout
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s", nil
}

// MarshalJSON encodes the request, WaitTimeout as "Ns".
func (r *ExecuteRequest) MarshalJSON() ([]byte, error) {
	wt, err := waitTimeout(r.WaitTimeout)
	if err != nil {
		return nil, err
	}
	type plain ExecuteRequest
	return json.Marshal(struct {
		*plain
		WaitTimeout string `json:"wait_timeout"`
	}{(*plain)(r), wt})
}

// Parameter binds one parameter marker: by Name (:name), or by Ordinal
// (the 1-based position of a ? marker) when Name is empty.
type Parameter struct {
	Name    string `json:"name,omitempty"`
	Ordinal int    `json:"ordinal,omitempty"`
	// Value is the value as text; nil is NULL.
	Value *string `json:"value,omitempty"`
	// Type is the SQL type the value is cast to (INT, DECIMAL(10,2), ...);
	// empty means STRING.
	Type string `json:"type,omitempty"`
}

// QueryTag is one query tag: a non-empty key and an optional value.
type QueryTag struct {
	Key   string  `json:"key"`
	Value *string `json:"value,omitempty"`
}

// StatementResponse is the reply of submit and status calls.
type StatementResponse struct {
	StatementID string          `json:"statement_id"`
	Status      StatementStatus `json:"status"`
	// Manifest describes the result; nil until the statement succeeded.
	Manifest *Manifest `json:"manifest,omitempty"`
	// Result is the first chunk of the result; nil when none came.
	Result *ResultData `json:"result,omitempty"`
}

// StatementStatus is a statement's state and, when it failed, why.
type StatementStatus struct {
	State    State         `json:"state"`
	Error    *ServiceError `json:"error,omitempty"`
	SQLState string        `json:"sql_state,omitempty"`
}

// ServiceError is the error of a failed statement or of a refused request.
type ServiceError struct {
	ErrorCode string `json:"error_code,omitempty"`
	Message   string `json:"message,omitempty"`
}

// Manifest is a result's schema and layout.
type Manifest struct {
	Format Format `json:"format"`
	Schema Schema `json:"schema"`
	// Compression is the compression of the chunks, empty when none.
	Compression     Compression `json:"result_compression,omitempty"`
	TotalChunkCount int         `json:"total_chunk_count"`
	Chunks          []ChunkInfo `json:"chunks,omitempty"`
	TotalRowCount   Int64       `json:"total_row_count"`
	TotalByteCount  Int64       `json:"total_byte_count,omitempty"`
	// Truncated says the result was cut by row_limit or byte_limit.
	Truncated bool `json:"truncated,omitempty"`
	// IsVolumeOperation marks a Volumes PUT, GET or REMOVE.
	IsVolumeOperation bool `json:"is_volume_operation,omitempty"`
}

// Schema is the ordered list of a result's columns.
type Schema struct {
	ColumnCount int      `json:"column_count"`
	Columns     []Column `json:"columns,omitempty"`
}

// Column describes one column of a result.
type Column struct {
	Name string `json:"name"`
	// Position is the 0-based place of the column.
	Position int `json:"position"`
	// TypeName is the base type (INT, DECIMAL, ARRAY, ...); TypeText the
	// full SQL type (DECIMAL(10,2), ARRAY<INT>).
	TypeName         string `json:"type_name,omitempty"`
	TypeText         string `json:"type_text,omitempty"`
	TypePrecision    int    `json:"type_precision,omitempty"`
	TypeScale        int    `json:"type_scale,omitempty"`
	TypeIntervalType string `json:"type_interval_type,omitempty"`
}

// ChunkInfo is the manifest's account of one chunk.
type ChunkInfo struct {
	ChunkIndex int   `json:"chunk_index"`
	RowOffset  Int64 `json:"row_offset"`
	RowCount   Int64 `json:"row_count"`
	ByteCount  Int64 `json:"byte_count,omitempty"`
}

// ResultData is one chunk of a result: inline data (Attachment for Arrow,
// DataArray for JSON_ARRAY) or the links to its files.
type ResultData struct {
	ChunkIndex int   `json:"chunk_index"`
	RowOffset  Int64 `json:"row_offset"`
	RowCount   Int64 `json:"row_count"`
	ByteCount  Int64 `json:"byte_count,omitempty"`
	// NextChunkIndex is the chunk after this one, nil after the last.
	NextChunkIndex *int `json:"next_chunk_index,omitempty"`
	// NextChunkInternalLink is the path of the next chunk's call.
	NextChunkInternalLink string `json:"next_chunk_internal_link,omitempty"`
	// Attachment is an inline ARROW_STREAM chunk: an Arrow IPC stream,
	// an LZ4 frame of one when compressed (base64 on the wire).
	Attachment []byte `json:"attachment,omitempty"`
	// DataArray is an inline JSON_ARRAY chunk; nil values are NULL.
	DataArray [][]*string `json:"data_array,omitempty"`
	// ExternalLinks are the files of the chunk (EXTERNAL_LINKS).
	ExternalLinks []ExternalLink `json:"external_links,omitempty"`
}

// ExternalLink is a presigned link to one chunk's file. The URL and the
// header values grant access by themselves: they are secrets, never
// printed.
type ExternalLink struct {
	ChunkIndex int
	RowOffset  int64
	RowCount   int64
	ByteCount  int64
	// URL is the presigned link; the request must not carry the
	// workspace's Authorization header.
	URL secret.String
	// Expiration is when the link lapses (zero when not given).
	Expiration time.Time
	// Headers must be sent with the download, exactly (an encryption key,
	// say).
	Headers map[string]secret.String
	// NextChunkIndex is the chunk after this one, nil after the last.
	NextChunkIndex        *int
	NextChunkInternalLink string
}

// externalLinkWire is ExternalLink as it travels.
type externalLinkWire struct {
	ChunkIndex            int               `json:"chunk_index"`
	RowOffset             Int64             `json:"row_offset"`
	RowCount              Int64             `json:"row_count"`
	ByteCount             Int64             `json:"byte_count"`
	ExternalLink          string            `json:"external_link"`
	Expiration            string            `json:"expiration"`
	HTTPHeaders           map[string]string `json:"http_headers"`
	NextChunkIndex        *int              `json:"next_chunk_index"`
	NextChunkInternalLink string            `json:"next_chunk_internal_link"`
}

// UnmarshalJSON decodes a link, sealing its URL and header values at once.
// A malformed expiration is an error that quotes neither.
func (l *ExternalLink) UnmarshalJSON(b []byte) error {
	var w externalLinkWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*l = ExternalLink{ChunkIndex: w.ChunkIndex, RowOffset: int64(w.RowOffset), RowCount: int64(w.RowCount),
		ByteCount: int64(w.ByteCount), URL: secret.NewString(w.ExternalLink),
		NextChunkIndex: w.NextChunkIndex, NextChunkInternalLink: w.NextChunkInternalLink}
	if w.Expiration != "" {
		t, err := time.Parse(time.RFC3339Nano, w.Expiration)
		if err != nil {
			return errors.New("external link: expiration is not an RFC 3339 time")
		}
		l.Expiration = t
	}
	if len(w.HTTPHeaders) > 0 {
		l.Headers = make(map[string]secret.String, len(w.HTTPHeaders))
		for k, v := range w.HTTPHeaders {
			l.Headers[k] = secret.NewString(v)
		}
	}
	return nil
}

// MarshalJSON encodes a link in its wire form, secrets included: only
// fakes of the API (tests, the emulator) send links.
func (l ExternalLink) MarshalJSON() ([]byte, error) {
	w := externalLinkWire{ChunkIndex: l.ChunkIndex, RowOffset: Int64(l.RowOffset), RowCount: Int64(l.RowCount),
		ByteCount: Int64(l.ByteCount), ExternalLink: l.URL.Reveal(),
		NextChunkIndex: l.NextChunkIndex, NextChunkInternalLink: l.NextChunkInternalLink}
	if !l.Expiration.IsZero() {
		w.Expiration = l.Expiration.UTC().Format(time.RFC3339Nano)
	}
	if len(l.Headers) > 0 {
		w.HTTPHeaders = make(map[string]string, len(l.Headers))
		for k, v := range l.Headers {
			w.HTTPHeaders[k] = v.Reveal()
		}
	}
	return json.Marshal(w)
}

// errNotInt64 is a count that is not an integer; it quotes nothing.
var errNotInt64 = errors.New("a count is not a 64-bit integer")

// Int64 is a 64-bit count that arrives as a JSON number or, as proto3's
// JSON mapping writes 64-bit integers, as a decimal string.
type Int64 int64

// UnmarshalJSON accepts 12 and "12"; null leaves the value unchanged.
func (n *Int64) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return errNotInt64
	}
	*n = Int64(v)
	return nil
}
