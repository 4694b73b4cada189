package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/asyncsql/databricks/internal/rpc"
)

// statementsPath is the collection of the Statement Execution API.
const statementsPath = "/api/2.0/sql/statements"

// DefaultMaxReply bounds the body of one reply when Options.MaxReply is
// zero: an INLINE result holds up to 25 MiB, which base64 makes about
// 34 MiB of JSON.
const DefaultMaxReply = 64 << 20

// Options configures a [Client].
type Options struct {
	// BaseURL is the workspace's origin, e.g. https://adb-1.azuredatabricks.net
	// (a path, if any, is kept as a prefix).
	BaseURL string
	// HTTPClient sends the requests; nil means a client over
	// http.DefaultTransport that does not follow redirects.
	HTTPClient *http.Client
	// Auth adds credentials to each request; nil sends none.
	Auth rpc.Authenticator
	// UserAgent is the User-Agent header; empty means rpc.DefaultUserAgent.
	UserAgent string
	// Retry bounds retries; zero fields take rpc's defaults.
	Retry rpc.RetryPolicy
	// MaxReply bounds the bytes of one reply (0: DefaultMaxReply).
	MaxReply int64
	// Logger receives a Debug record per attempt; nil is silent.
	Logger *slog.Logger
}

// Client calls the Statement Execution API. It is safe for concurrent use.
type Client struct {
	base      string
	http      *http.Client
	auth      rpc.Authenticator
	userAgent string
	retry     rpc.RetryPolicy
	maxReply  int64
	log       *slog.Logger

	// Hooks replaced by tests.
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	randN func(int64) int64
}

// New returns a client for the workspace and settings of o.
func New(o Options) *Client {
	c := &Client{
		base:      strings.TrimSuffix(o.BaseURL, "/"),
		http:      o.HTTPClient,
		auth:      o.Auth,
		userAgent: o.UserAgent,
		retry:     o.Retry.WithDefaults(),
		maxReply:  o.MaxReply,
		log:       o.Logger,
		now:       time.Now,
		sleep:     sleepCtx,
		randN:     rand.Int64N,
	}
	if c.http == nil {
		c.http = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.userAgent == "" {
		c.userAgent = rpc.DefaultUserAgent
	}
	if c.maxReply <= 0 {
		c.maxReply = DefaultMaxReply
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// ErrInvalidRequest marks a request refused before it was sent.
var ErrInvalidRequest = errors.New("rest: invalid request")

// Submit executes a statement (POST /api/2.0/sql/statements). The reply
// holds the statement's ID and status and, when it finished within
// WaitTimeout, its manifest and first chunk; a FAILED statement is a reply,
// not an error (see StatementResponse.Err). The request is sent again only
// when the failure shows that the server did not take it: HTTP 429 or 503,
// or a connection that could not be made. Any other failure is returned,
// since the statement may be running.
func (c *Client) Submit(ctx context.Context, req *ExecuteRequest) (*StatementResponse, error) {
	if req.Statement == "" || req.WarehouseID == "" {
		return nil, fmt.Errorf("%w: statement and warehouse_id are required", ErrInvalidRequest)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	var resp StatementResponse
	if err := c.do(ctx, call{op: "submit", method: http.MethodPost, path: statementsPath, body: body}, &resp); err != nil {
		return nil, err
	}
	if resp.StatementID == "" {
		return nil, fmt.Errorf("rest: submit: %w: no statement_id", errMalformedReply)
	}
	return &resp, nil
}

// Status returns a statement's status (GET .../{id}), with its manifest and
// first chunk once it succeeded.
func (c *Client) Status(ctx context.Context, id string) (*StatementResponse, error) {
	p, err := statementPath(id, "")
	if err != nil {
		return nil, err
	}
	var resp StatementResponse
	if err := c.do(ctx, call{op: "status", id: id, method: http.MethodGet, path: p, safe: true, repeatable: true}, &resp); err != nil {
		return nil, err
	}
	if resp.StatementID == "" {
		resp.StatementID = id
	}
	return &resp, nil
}

// Chunk returns chunk index of a succeeded statement's result (GET
// .../{id}/result/chunks/{index}); asking again for a chunk refreshes its
// links.
func (c *Client) Chunk(ctx context.Context, id string, index int) (*ResultData, error) {
	if index < 0 {
		return nil, fmt.Errorf("%w: negative chunk index", ErrInvalidRequest)
	}
	p, err := statementPath(id, "/result/chunks/"+strconv.Itoa(index))
	if err != nil {
		return nil, err
	}
	var rd ResultData
	if err := c.do(ctx, call{op: "chunk", id: id, method: http.MethodGet, path: p, safe: true, repeatable: true}, &rd); err != nil {
		return nil, err
	}
	return &rd, nil
}

// Cancel asks for a running statement to be canceled (POST
// .../{id}/cancel); its status shows when it is. Repeating it is harmless.
func (c *Client) Cancel(ctx context.Context, id string) error {
	p, err := statementPath(id, "/cancel")
	if err != nil {
		return err
	}
	return c.do(ctx, call{op: "cancel", id: id, method: http.MethodPost, path: p, body: []byte("{}"), safe: true}, nil)
}

// Close releases a statement and its result (DELETE .../{id}).
func (c *Client) Close(ctx context.Context, id string) error {
	p, err := statementPath(id, "")
	if err != nil {
		return err
	}
	return c.do(ctx, call{op: "close", id: id, method: http.MethodDelete, path: p, safe: true}, nil)
}

// statementPath is the path of statement id followed by suffix.
func statementPath(id, suffix string) (string, error) {
	if id == "" {
		return "", fmt.Errorf("%w: empty statement ID", ErrInvalidRequest)
	}
	return statementsPath + "/" + url.PathEscape(id) + suffix, nil
}

// call is one API call.
type call struct {
	op, id       string
	method, path string
	body         []byte
	// safe: a failure that leaves unknown whether the server processed
	// the request (transport error, 5xx) may be retried.
	safe bool
	// repeatable: so may a reply that does not decode.
	repeatable bool
}

// errMalformedReply marks a 2xx reply that is not the JSON expected.
var errMalformedReply = errors.New("malformed reply")

// transportError marks a failure to send the request or to read the reply.
type transportError struct {
	op  string
	err error
}

// Error names the call and the transport's error.
func (e *transportError) Error() string { return fmt.Sprintf("rest: %s: %v", e.op, e.err) }

// Unwrap returns the transport's error.
func (e *transportError) Unwrap() error { return e.err }

// do makes the call, retrying per the policy, and decodes a 2xx reply into
// out (when not nil).
func (c *Client) do(ctx context.Context, cl call, out any) error {
	start := c.now()
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, cl, attempt, out)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("rest: %s: %w", cl.op, ctx.Err())
		}
		wait, retry := c.retryWait(cl, attempt, err)
		if !retry || c.now().Add(wait).Sub(start) > c.retry.Budget {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) {
			return err
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "rest retry",
			slog.String("op", cl.op), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if serr := c.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("rest: %s: %w", cl.op, serr)
		}
	}
}

// retryWait reports whether failed attempt number attempt of cl may be
// retried, and after what wait.
func (c *Client) retryWait(cl call, attempt int, err error) (time.Duration, bool) {
	if attempt >= c.retry.MaxAttempts {
		return 0, false
	}
	var ae *Error
	var te *transportError
	switch {
	case errors.As(err, &ae):
		if ae.Temporary() {
			if ae.RetryAfter > 0 {
				return min(ae.RetryAfter, c.retry.MaxRetryAfter), true
			}
		} else if ae.StatusCode < 500 || !cl.safe {
			return 0, false
		}
	case errors.As(err, &te):
		if !cl.safe && !notSent(te.err) {
			return 0, false
		}
	case errors.Is(err, errMalformedReply):
		if !cl.repeatable {
			return 0, false
		}
	default:
		return 0, false
	}
	return c.retry.Schedule().Step(attempt-1, c.randN), true
}

// notSent reports whether err shows that the request never reached the
// server: the connection could not be made.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// NotProcessed reports whether err shows that the server did not process
// the request, so that sending it again cannot run anything twice: an HTTP
// 429 or 503, or a connection that could not be made.
func NotProcessed(err error) bool {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Temporary()
	}
	var te *transportError
	return errors.As(err, &te) && notSent(te.err)
}

// attempt makes one HTTP request of cl and decodes its reply into out.
func (c *Client) attempt(ctx context.Context, cl call, attempt int, out any) (err error) {
	start := c.now()
	outcome := "ok"
	defer func() {
		c.log.LogAttrs(ctx, slog.LevelDebug, "rest call",
			slog.String("op", cl.op), slog.Int("attempt", attempt),
			slog.Duration("duration", c.now().Sub(start)), slog.String("status", outcome))
	}()
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, cl.method, c.base+cl.path, body)
	if err != nil {
		outcome = "bad request"
		return fmt.Errorf("%w: %s: %w", ErrInvalidRequest, cl.op, err)
	}
	if cl.body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", c.userAgent)
	if c.auth != nil {
		if err := c.auth.Authenticate(hreq); err != nil {
			outcome = "auth error"
			return fmt.Errorf("rest: %s: authenticate: %w", cl.op, err)
		}
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		outcome = "transport error"
		return &transportError{op: cl.op, err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		outcome = resp.Status
		return newError(cl.op, cl.id, resp, c.now())
	}
	reply, err := readReply(resp.Body, resp.ContentLength, c.maxReply)
	if errors.Is(err, errReplyTooLarge) {
		// Not retried: the same reply would come again.
		outcome = "reply too large"
		return fmt.Errorf("rest: %s: %w", cl.op, err)
	}
	if err != nil {
		outcome = "transport error"
		return &transportError{op: cl.op, err: err}
	}
	if out == nil {
		return nil
	}
	if err := decodeReply(reply, out); err != nil {
		outcome = "bad reply"
		return fmt.Errorf("rest: %s: %w", cl.op, err)
	}
	return nil
}

// errReplyTooLarge is a reply longer than Options.MaxReply.
var errReplyTooLarge = errors.New("reply larger than the limit")

// readReply reads a reply body of at most limit bytes. The memory reserved
// before the bytes arrive is bounded (a Content-Length is trusted up to
// 1 MiB); beyond, the buffer grows with the bytes received.
func readReply(r io.Reader, contentLength, limit int64) ([]byte, error) {
	if contentLength > limit {
		return nil, fmt.Errorf("%w (%d bytes announced, limit %d)", errReplyTooLarge, contentLength, limit)
	}
	var buf bytes.Buffer
	if contentLength > 0 {
		buf.Grow(int(min(contentLength, 1<<20)))
	}
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read reply: %w", err)
	}
	if n > limit {
		return nil, fmt.Errorf("%w (limit %d)", errReplyTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// decodeReply decodes a JSON reply into out: one JSON value, nothing after
// it. Its errors never quote the reply.
func decodeReply(reply []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(reply))
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%w: %s", errMalformedReply, jsonErrorText(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON value", errMalformedReply)
	}
	return nil
}

// jsonErrorText describes a decoding error without the bytes it met: a
// syntax or type error says where, anything else (an UnmarshalJSON of
// ours, which quotes no secret) says what.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s: wrong JSON type %s", te.Field, te.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return err.Error()
}

// sleepCtx waits for d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
