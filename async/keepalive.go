package async

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/asyncsql/databricks/driver"
)

// Keep-alive bounds: status requests in flight at once, and the time one may
// take. The server holds a request on a running statement up to about 5 s
// (long polling); what keeps the statement alive is the request reaching
// the server (a status request resets its idle timer), so a held request is
// abandoned after keepAliveTimeout: a round
// over n running executions then lasts at most n/8 × 5 s (625 s for 1,000,
// inside the 20 minutes of the server's eviction window).
const (
	keepAliveParallel = 8
	keepAliveTimeout  = 5 * time.Second
)

// keeper is the keep-alive loop of a DB: every interval it sends one status
// request for each execution it holds, keepAliveParallel at a time, which
// resets the server's inactivity timer. An execution is held from its
// submission or first use until CloseExecution, until the server no longer
// knows it, or until it ends without a result to keep (failed, canceled,
// timed out). The loop's goroutine starts with the first held execution and
// stops at Close.
type keeper struct {
	be    backend
	every time.Duration

	mu      sync.Mutex
	held    map[string]driver.OperationRef // by statement ID
	started bool
	closed  bool
	stop    chan struct{}
	done    chan struct{}
}

func newKeeper(be backend, every time.Duration) *keeper {
	return &keeper{be: be, every: every, held: map[string]driver.OperationRef{}, stop: make(chan struct{}), done: make(chan struct{})}
}

// hold keeps ref alive until release.
func (k *keeper) hold(ref driver.OperationRef) {
	if k == nil || ref.IsZero() {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return
	}
	k.held[ref.StatementID()] = ref
	if !k.started {
		k.started = true
		go k.run()
	}
}

// release stops keeping the execution of id alive.
func (k *keeper) release(id string) {
	if k == nil {
		return
	}
	k.mu.Lock()
	delete(k.held, id)
	k.mu.Unlock()
}

// count is the number of executions held.
func (k *keeper) count() int {
	if k == nil {
		return 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.held)
}

// close stops the loop and waits for it.
func (k *keeper) close() {
	if k == nil {
		return
	}
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return
	}
	k.closed = true
	started := k.started
	close(k.stop)
	k.mu.Unlock()
	if started {
		<-k.done
	}
}

func (k *keeper) run() {
	defer close(k.done)
	t := time.NewTicker(k.every)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
		}
		k.round()
	}
}

// round sends one status request for each held execution.
func (k *keeper) round() {
	k.mu.Lock()
	refs := make([]driver.OperationRef, 0, len(k.held))
	for _, r := range k.held {
		refs = append(refs, r)
	}
	k.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-k.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	sem := make(chan struct{}, keepAliveParallel)
	var wg sync.WaitGroup
	for _, ref := range refs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			k.ping(ctx, ref)
		}()
	}
	wg.Wait()
}

// ping sends one status request for ref; a definitive answer that there is
// nothing left to keep releases it. Transient failures wait for the next
// round.
func (k *keeper) ping(ctx context.Context, ref driver.OperationRef) {
	ctx, cancel := context.WithTimeout(ctx, keepAliveTimeout)
	defer cancel()
	st, err := k.be.OperationStatus(ctx, ref)
	switch {
	case errors.Is(err, driver.ErrInvalidHandle):
		k.release(ref.StatementID())
	case err != nil:
	case st.Terminal() && st.State != driver.StateFinished:
		k.release(ref.StatementID())
	}
}
