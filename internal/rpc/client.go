package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
)

// Authenticator adds credentials to an outgoing request. It is called for
// every HTTP request, retries included, so it may refresh a token.
type Authenticator interface {
	Authenticate(*http.Request) error
}

// Options configures a [Client].
type Options struct {
	// URL is the endpoint every call is POSTed to,
	// e.g. https://host:443/sql/1.0/warehouses/abc.
	URL string
	// HTTPClient sends the requests; nil means a client over
	// http.DefaultTransport that does not follow redirects.
	HTTPClient *http.Client
	// Auth adds credentials to each request; nil sends none.
	Auth Authenticator
	// UserAgent is the User-Agent header; empty means DefaultUserAgent.
	UserAgent string
	// Retry bounds retries; zero fields take their defaults.
	Retry RetryPolicy
	// Logger receives a Debug record per attempt; nil is silent.
	Logger *slog.Logger
}

// DefaultUserAgent is the User-Agent sent when Options.UserAgent is empty.
const DefaultUserAgent = "asyncsql-databricks"

// Client calls TCLIService methods over HTTP. It is safe for concurrent use.
type Client struct {
	url       string
	http      *http.Client
	auth      Authenticator
	userAgent string
	retry     RetryPolicy
	log       *slog.Logger
	seq       atomic.Int32

	// Hooks replaced by tests.
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	randN func(int64) int64
}

// New returns a client for the endpoint and settings of o.
func New(o Options) *Client {
	c := &Client{
		url:       o.URL,
		http:      o.HTTPClient,
		auth:      o.Auth,
		userAgent: o.UserAgent,
		retry:     o.Retry.withDefaults(),
		log:       o.Logger,
		now:       time.Now,
		sleep:     sleepCtx,
		randN:     rand.Int64N,
	}
	if c.http == nil {
		c.http = &http.Client{CheckRedirect: noRedirect}
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// noRedirect makes an http.Client return a redirect response as is: a POST
// redirected (to a login page, say) would come back as a GET, so the 3xx is
// reported instead.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// call sends one call of method with args, retrying per the policy, and
// decodes the reply into result.
func (c *Client) call(ctx context.Context, method string, args, result thrift.TStruct) error {
	seqID := c.seq.Add(1)
	req := getBuffer()
	defer putBuffer(req)
	if err := encodeCall(req, method, seqID, args); err != nil {
		return fmt.Errorf("rpc: %s: encode request: %w", method, err)
	}
	start := c.now()
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, method, attempt, req.Bytes(), seqID, result)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("rpc: %s: %w", method, ctx.Err())
		}
		wait, retry := c.retryWait(method, retryClass(ctx, method), attempt, err)
		if !retry {
			return err
		}
		if c.now().Add(wait).Sub(start) > c.retry.Budget {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) {
			return err
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "rpc retry",
			slog.String("method", method), slog.Int("attempt", attempt), slog.Duration("wait", wait))
		if serr := c.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("rpc: %s: %w", method, serr)
		}
	}
}

// retryWait reports whether the failed attempt number attempt may be retried
// and after what wait; class says which failures allow it.
func (c *Client) retryWait(method string, class callClass, attempt int, err error) (time.Duration, bool) {
	safe := class >= safeClass
	if attempt >= c.retry.MaxAttempts {
		return 0, false
	}
	var he *HTTPError
	switch {
	case errors.As(err, &he):
		if he.Temporary() {
			if he.RetryAfter > 0 {
				return min(he.RetryAfter, c.retry.MaxRetryAfter), true
			}
		} else if he.StatusCode < 500 || !safe {
			return 0, false
		}
	case errors.As(err, new(*transportError)):
		if !safe && !notSent(err) {
			return 0, false
		}
	case errors.Is(err, errMalformedReply):
		// A reply garbled on the way: a repeatable call is asked
		// again. Other calls fail at once (a login page answered with
		// 200, say, is no better the second time).
		if class != repeatableClass {
			return 0, false
		}
	default:
		return 0, false
	}
	return backoff(c.retry, attempt, c.randN), true
}

// transportError marks a failure to send the request or read the reply.
type transportError struct {
	method string
	err    error
}

// Error names the method and the transport's error.
func (e *transportError) Error() string { return fmt.Sprintf("rpc: %s: %v", e.method, e.err) }

// Unwrap returns the transport's error.
func (e *transportError) Unwrap() error { return e.err }

// NotProcessed reports whether err shows that the server did not process the
// request, so that sending it again cannot run anything twice: an HTTP 429 or
// 503, or a connection that could not be made. Other errors leave it unknown.
func NotProcessed(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Temporary()
	}
	var te *transportError
	return errors.As(err, &te) && notSent(te.err)
}

// notSent reports whether err shows the request never reached the server (the
// connection could not be made), so even an unsafe method may be sent again.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// attempt makes one HTTP request and decodes its reply into result.
func (c *Client) attempt(ctx context.Context, method string, attempt int, body []byte, seqID int32, result thrift.TStruct) error {
	start := c.now()
	outcome := "ok"
	defer func() {
		c.log.LogAttrs(ctx, slog.LevelDebug, "rpc call",
			slog.String("method", method), slog.Int("attempt", attempt),
			slog.Duration("duration", c.now().Sub(start)), slog.String("status", outcome))
	}()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		outcome = "bad request"
		return fmt.Errorf("rpc: %s: %w", method, err)
	}
	hreq.Header.Set("Content-Type", "application/x-thrift")
	hreq.Header.Set("Accept", "application/x-thrift")
	hreq.Header.Set("User-Agent", c.userAgent)
	if c.auth != nil {
		if err := c.auth.Authenticate(hreq); err != nil {
			outcome = "auth error"
			return fmt.Errorf("rpc: %s: authenticate: %w", method, err)
		}
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		outcome = "transport error"
		return &transportError{method: method, err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		outcome = resp.Status
		// Drain a little so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		return newHTTPError(method, resp, c.now())
	}
	// The reply is read into memory of its own, not a pooled buffer: the
	// decoded result's binary values are slices of it.
	reply, err := readBody(resp)
	if err != nil {
		outcome = "transport error"
		return &transportError{method: method, err: fmt.Errorf("read reply: %w", err)}
	}
	if err := decodeReply(reply, method, seqID, result); err != nil {
		outcome = "bad reply"
		return fmt.Errorf("rpc: %s: %w", method, err)
	}
	return nil
}

// maxPrealloc bounds the memory reserved from a reply's Content-Length before
// its bytes arrive: a larger reply grows as it is read.
const maxPrealloc = 8 << 20

// readBody reads a reply's body. With a Content-Length, exactly that many
// bytes are read: into one buffer of that size when it is at most
// maxPrealloc, else into a buffer that doubles as bytes arrive, never past
// the announced size, so that a length the server (or anything on the way)
// overstates costs no more memory than the bytes that came. Without one, the
// body is read into a growing buffer.
func readBody(resp *http.Response) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 {
		var buf bytes.Buffer
		_, err := buf.ReadFrom(resp.Body)
		return buf.Bytes(), err
	}
	return readExact(resp.Body, n, maxPrealloc)
}

// readExact reads exactly n bytes from r, reserving at most prealloc bytes
// before they arrive; io.ErrUnexpectedEOF when r ends early.
func readExact(r io.Reader, n int64, prealloc int) ([]byte, error) {
	body := make([]byte, 0, min(n, int64(prealloc)))
	for int64(len(body)) < n {
		if len(body) == cap(body) {
			grown := make([]byte, len(body), min(n, max(2*int64(cap(body)), 4096)))
			copy(grown, body)
			body = grown
		}
		m, err := r.Read(body[len(body):cap(body)])
		body = body[:len(body)+m]
		if err == io.EOF {
			if int64(len(body)) < n {
				return nil, io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return body, nil
}
