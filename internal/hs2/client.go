package hs2

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// Options configure a Client. The driver resolves the defaults of MaxRows
// and Poll; other zero values send nothing.
type Options struct {
	// Catalog and Schema are the session's initial namespace.
	Catalog, Schema string
	// SessionParams are the session's configuration parameters.
	SessionParams map[string]string
	// QueryTimeout is sent with each statement (rounded up to seconds);
	// zero for none.
	QueryTimeout time.Duration
	// UseArrow, UseArrowComplexTypes, UseLZ4 and UseCloudFetch ask for
	// Arrow results, complex types as Arrow, LZ4-compressed batches and
	// result links, where the session's protocol allows them.
	UseArrow, UseArrowComplexTypes, UseLZ4, UseCloudFetch bool
	// MaxRows is the page size of direct results and FetchResults.
	MaxRows int64
	// Poll is the schedule of status polls of a running statement.
	Poll backoff.Policy
	// Logger receives debug records of sessions and operations.
	Logger *slog.Logger
	// NewError makes the error returned for a failure the server reports;
	// nil returns the *Failure itself.
	NewError func(*Failure) error
}

// Client runs sessions and operations over one TCLIService. It is safe for
// concurrent use.
type Client struct {
	svc  tcli.TCLIService
	opts Options
	log  *slog.Logger

	// protocol is the protocol version of the last session opened, -1
	// before the first.
	protocol atomic.Int64
	// bg tracks background cleanups (abandoned submissions); bgMu orders
	// their start against Close.
	bg      sync.WaitGroup
	bgMu    sync.Mutex
	closing bool
}

// New returns a Client calling svc.
func New(svc tcli.TCLIService, opts Options) *Client {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{svc: svc, opts: opts, log: opts.Logger}
	c.protocol.Store(-1)
	return c
}

// Close waits for the background cleanups; later ones run on their
// caller's goroutine.
func (c *Client) Close() {
	c.bgMu.Lock()
	c.closing = true
	c.bgMu.Unlock()
	c.bg.Wait()
}

// background runs f on its own goroutine, tracked so that Close waits for it;
// once Close has started, f runs on the caller's goroutine.
func (c *Client) background(f func()) {
	c.bgMu.Lock()
	if c.closing {
		c.bgMu.Unlock()
		f()
		return
	}
	c.bg.Add(1)
	c.bgMu.Unlock()
	go func() {
		defer c.bg.Done()
		f()
	}()
}

func ptr[T any](v T) *T { return &v }
