package emulator

import (
	"context"
	"database/sql/driver"
	"sync"
	"time"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// operation is one ExecuteStatement: its background execution and, once
// finished, its materialised result with a fetch cursor.
type operation struct {
	h       handle
	sessKey handleKey
	text    string // the statement as the client sent it
	query   string // the statement as DuckDB runs it
	args    []driver.NamedValue
	ns      namespace
	tags    map[string]string // the session's query tags and the statement's over them

	// hive marks an operation of a Hive-protocol session, served like by
	// Apache Spark's Thrift server: FetchResults ignores startRowOffset
	// (not in Spark's IDL) and always answers hasMoreRows=false.
	hive     bool
	arrow    bool // ARROW_BASED_SET, else COLUMN_BASED_SET
	lz4      bool
	arrowOpt arrowOptions
	rowLimit int64
	timeout  time.Duration
	loc      *time.Location // session time zone for TIMESTAMP text
	// links, store and fileBase: result links, when the client can
	// download them (links.go).
	links    *LinkOptions
	store    *fileStore
	fileBase string
	// rest is set for a statement of the Statement Execution API.
	rest *restExec

	runCtx   context.Context // the statement's context, until Close or its timeout
	cancel   context.CancelFunc
	script   *scriptRun    // nil unless a Script matched
	terminal chan struct{} // closed once the state is terminal
	once     sync.Once

	mu           sync.Mutex
	state        tcli.TOperationState
	started      time.Time
	completed    time.Time
	err          *opError
	hasResultSet bool
	staging      bool  // the result is a staging statement's row
	modified     int64 // -1 when the statement modifies no rows
	cols         []column
	rows         *resultStore
	cursor       int
	lastUsed     time.Time
	schemaMsg    []byte
}

func newOperation(sessKey handleKey, query string, args []driver.NamedValue, ns namespace) *operation {
	now := time.Now()
	return &operation{
		h:        newHandle(),
		sessKey:  sessKey,
		text:     query,
		query:    query,
		args:     args,
		ns:       ns,
		terminal: make(chan struct{}),
		state:    tcli.TOperationState_PENDING_STATE,
		started:  now,
		lastUsed: now,
		modified: -1,
		cancel:   func() {},
		loc:      time.UTC,
	}
}

func isTerminal(s tcli.TOperationState) bool {
	switch s {
	case tcli.TOperationState_FINISHED_STATE, tcli.TOperationState_CANCELED_STATE,
		tcli.TOperationState_CLOSED_STATE, tcli.TOperationState_ERROR_STATE,
		tcli.TOperationState_TIMEDOUT_STATE:
		return true
	}
	return false
}

// touch records client activity for idle eviction.
func (op *operation) touch() {
	op.mu.Lock()
	op.lastUsed = time.Now()
	op.mu.Unlock()
}

// idleSince reports the last client activity.
func (op *operation) idleSince() time.Time {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.lastUsed
}

// setRunning moves a pending operation to RUNNING.
func (op *operation) setRunning() {
	op.mu.Lock()
	if op.state == tcli.TOperationState_PENDING_STATE {
		op.state = tcli.TOperationState_RUNNING_STATE
	}
	op.mu.Unlock()
}

// finishLocked makes the state terminal unless it already is; op.mu held.
func (op *operation) finishLocked(state tcli.TOperationState, e *opError) bool {
	if isTerminal(op.state) {
		return false
	}
	op.state, op.err, op.completed = state, e, time.Now()
	op.once.Do(func() { close(op.terminal) })
	return true
}

// complete records the outcome of the execution.
func (op *operation) complete(res *result, err error, ctxErr error) {
	op.mu.Lock()
	defer op.mu.Unlock()
	switch {
	case err == nil && op.state == tcli.TOperationState_CLOSED_STATE:
		res.rows.release() // closed while the rows were read: nobody can fetch them
	case err == nil:
		op.hasResultSet, op.cols, op.rows, op.modified = res.hasResultSet, res.cols, res.rows, res.modified
		op.staging = res.staging
		op.finishLocked(tcli.TOperationState_FINISHED_STATE, nil)
	case ctxErr == context.DeadlineExceeded:
		op.finishLocked(tcli.TOperationState_TIMEDOUT_STATE,
			&opError{sqlState: "57014", message: "Query timed out after " + op.timeout.String()})
	case ctxErr != nil:
		op.finishLocked(tcli.TOperationState_CANCELED_STATE, nil)
	default:
		op.finishLocked(tcli.TOperationState_ERROR_STATE, classify(err))
	}
}

// cancelOp cancels a running operation; a no-op once it is terminal.
func (op *operation) cancelOp() {
	op.mu.Lock()
	op.finishLocked(tcli.TOperationState_CANCELED_STATE, nil)
	op.mu.Unlock()
	op.cancel()
}

// closeOp stops the operation and frees its result.
func (op *operation) closeOp() {
	if op.rest != nil {
		op.rest.enc.stop(op.rest) // before the rows it reads are released
	}
	op.mu.Lock()
	op.finishLocked(tcli.TOperationState_CLOSED_STATE, nil)
	op.state = tcli.TOperationState_CLOSED_STATE
	op.rows.release()
	op.rows, op.schemaMsg = nil, nil
	op.mu.Unlock()
	op.cancel()
}

// wait blocks until the operation is terminal, hold elapses (hold < 0 waits
// without limit), ctx ends or stop is closed.
func (op *operation) wait(ctx context.Context, hold time.Duration, stop <-chan struct{}) {
	var timeout <-chan time.Time
	if hold >= 0 {
		t := time.NewTimer(hold)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-op.terminal:
	case <-timeout:
	case <-ctx.Done():
	case <-stop:
	}
}

// snapshot returns the state and whether a result set exists.
func (op *operation) snapshot() (tcli.TOperationState, bool, *opError) {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.state, op.hasResultSet, op.err
}

// statusResp is the TGetOperationStatusResp of the operation now.
func (op *operation) statusResp() *tcli.TGetOperationStatusResp {
	op.mu.Lock()
	defer op.mu.Unlock()
	state := op.state
	started := op.started.UnixMilli()
	r := &tcli.TGetOperationStatusResp{
		Status:           okStatus(),
		OperationState:   &state,
		OperationStarted: &started,
	}
	if isTerminal(state) {
		completed := op.completed.UnixMilli()
		r.OperationCompleted = &completed
	}
	if state == tcli.TOperationState_FINISHED_STATE {
		has := op.hasResultSet
		r.HasResultSet = &has
		if op.modified >= 0 {
			n := op.modified
			r.NumModifiedRows = &n
		}
	}
	if op.err != nil {
		e := op.err
		code := e.code
		r.SqlState, r.ErrorCode, r.ErrorMessage, r.DisplayMessage = &e.sqlState, &code, &e.message, &e.message
		if e.details != "" {
			r.ErrorDetailsJson = &e.details
		}
	}
	return r
}

// handleFor is the wire operation handle.
func (op *operation) handleFor() *tcli.TOperationHandle {
	op.mu.Lock()
	defer op.mu.Unlock()
	h := &tcli.TOperationHandle{
		OperationId:   op.h.thrift(),
		OperationType: tcli.TOperationType_EXECUTE_STATEMENT,
		HasResultSet:  true,
	}
	if op.state == tcli.TOperationState_FINISHED_STATE {
		h.HasResultSet = op.hasResultSet
		if op.modified >= 0 {
			m := float64(op.modified)
			h.ModifiedRowCount = &m
		}
	}
	return h
}
