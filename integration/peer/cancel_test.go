package peer_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	dbsql "github.com/databricks/databricks-sql-go"

	"github.com/asyncsql/databricks/integration/emulator"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// slowQuery sleeps far longer than any test waits for it.
const slowQuery = "SELECT sleep_ms(30000) AS slept"

// TestCancelSlowQuery cancels the context of a slow statement. The official
// driver either aborts the held ExecuteStatement call (then it never learns
// the operation handle) or, once it polls, sends CancelOperation for the
// handle. Either way QueryContext must return promptly with the context's
// error, and the same session must run the next statement at once (the
// emulator must not keep the session busy with the abandoned sleep).
func TestCancelSlowQuery(t *testing.T) {
	p := openPeer(t)
	bg := testCtx(t)
	conn, err := p.db.Conn(bg)
	if err != nil {
		t.Fatalf("Conn: %v", err)
	}
	defer conn.Close()

	ctx, cancel := context.WithCancel(bg)
	start := time.Now()
	timer := time.AfterFunc(1500*time.Millisecond, cancel)
	defer timer.Stop()
	rows, err := conn.QueryContext(ctx, slowQuery)
	elapsed := time.Since(start)
	cancel()
	if err == nil {
		rows.Close()
		t.Fatalf("slow query returned no error after %v", elapsed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	// The official driver polls every second, then cancels; the statement
	// would sleep 30 s (the bound is generous for a loaded machine).
	if elapsed > 15*time.Second {
		t.Errorf("QueryContext returned %v after the query started (cancel at 1.5s)", elapsed)
	}

	// A handle the driver learned must have been cancelled, successfully.
	if resps := p.rec.executeResponses(); len(resps) > 0 && resps[len(resps)-1].OperationHandle != nil {
		dr := resps[len(resps)-1].DirectResults
		if dr == nil || dr.CloseOperation == nil {
			if n := p.rec.Count("CancelOperation"); n == 0 {
				t.Errorf("the official driver knew the handle but sent no CancelOperation")
			}
		}
	}
	for _, c := range p.rec.Calls() {
		if res, ok := c.Resp.(*tcli.TCLIServiceCancelOperationResult); ok {
			if res.Success == nil || res.Success.Status == nil ||
				res.Success.Status.StatusCode != tcli.TStatusCode_SUCCESS_STATUS {
				t.Errorf("CancelOperation answered %v", res.Success)
			}
		}
	}

	// The session is free again.
	start = time.Now()
	var one int32
	if err := conn.QueryRowContext(bg, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("next statement on the same session: %d, %v", one, err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("next statement on the same session took %v: the cancelled sleep kept running", d)
	}
}

// TestTimeoutSlowQuery uses a context deadline instead of an explicit cancel.
func TestTimeoutSlowQuery(t *testing.T) {
	p := openPeer(t)
	ctx, cancel := context.WithTimeout(testCtx(t), 2500*time.Millisecond)
	defer cancel()
	start := time.Now()
	rows, err := p.db.QueryContext(ctx, slowQuery)
	elapsed := time.Since(start)
	if err == nil {
		rows.Close()
		t.Fatalf("slow query returned no error after %v", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if elapsed > 15*time.Second { // the statement would sleep 30 s
		t.Errorf("QueryContext returned after %v (deadline 2.5s)", elapsed)
	}
}

// shortHold starts an emulator that answers ExecuteStatement after 100 ms
// and holds GetOperationStatus for 500 ms, so that a slow statement is
// polled.
func shortHold(t *testing.T) *emulator.Server {
	return emulator.Start(t, emulator.WithDirectResultsHold(100*time.Millisecond),
		emulator.WithStatusHold(500*time.Millisecond))
}

// TestSlowQueryFinishes runs a statement that outlasts the server's hold of
// ExecuteStatement, so the official driver must poll GetOperationStatus until
// FINISHED and then read the result with GetResultSetMetadata and
// FetchResults.
func TestSlowQueryFinishes(t *testing.T) {
	s := shortHold(t)
	p := openPeerOn(t, s, dbsql.WithMaxRows(1000))
	ctx := testCtx(t)
	rows, err := p.db.QueryContext(ctx, "WITH w AS (SELECT sleep_ms(1200) AS s) SELECT s, i FROM w, range(2500) t(i)")
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer rows.Close()
	var n, sum int64
	for rows.Next() {
		var slept, i int64
		if err := rows.Scan(&slept, &i); err != nil {
			t.Fatal(err)
		}
		n++
		sum += i
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 2500 || sum != 2500*2499/2 {
		t.Fatalf("%d rows, sum %d", n, sum)
	}
	if p.rec.Count("GetOperationStatus") == 0 {
		t.Errorf("the statement was not polled")
	}
}

// TestCancelWhilePolling cancels a statement the official driver is polling:
// it must send CancelOperation with the handle it got, and the emulator must
// accept it. The cancel comes once the first GetOperationStatus reply is
// back, never on a clock: a timer could fire while ExecuteStatement is still
// on its way on a loaded machine, and then the driver never learns the
// handle and there is nothing to cancel.
func TestCancelWhilePolling(t *testing.T) {
	s := shortHold(t)
	p := openPeerOn(t, s)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	canceledAt := make(chan time.Time, 1)
	go func() {
		select {
		case <-p.rec.Seen("GetOperationStatus"):
			canceledAt <- time.Now()
			cancel()
		case <-ctx.Done():
			canceledAt <- time.Time{}
		}
	}()
	rows, err := queryBounded(t, p, s, ctx, cancel, slowQuery)
	returned := time.Now()
	cancel()
	at := <-canceledAt
	if err == nil {
		rows.Close()
		t.Fatalf("slow query returned no error")
	}
	if at.IsZero() {
		t.Fatalf("QueryContext returned before the official driver polled: %v", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
	// The official driver checks ctx between polls (1 s apart, each held
	// 500 ms); the statement would sleep 30 s.
	if d := returned.Sub(at); d > 15*time.Second {
		t.Errorf("QueryContext returned %v after the cancel", d)
	}
	if n := p.rec.Count("CancelOperation"); n == 0 {
		t.Fatalf("no CancelOperation sent")
	}
	if n := s.Requests().Count(emulator.CancelOperation); n == 0 {
		t.Errorf("the emulator counted no CancelOperation")
	}
	for _, c := range p.rec.Calls() {
		if res, ok := c.Resp.(*tcli.TCLIServiceCancelOperationResult); ok {
			if res.Success == nil || res.Success.Status == nil ||
				res.Success.Status.StatusCode != tcli.TStatusCode_SUCCESS_STATUS {
				t.Errorf("CancelOperation answered %v", res.Success)
			}
		}
	}
}

// hangBound is how long queryBounded lets the official driver's
// QueryContext block. Its status and cancel calls run on contexts without
// a deadline and its HTTP client gives up only after 15 minutes, so a
// request the emulator never answers would otherwise stall the suite.
const hangBound = 90 * time.Second

// queryBounded runs p.db.QueryContext(ctx, query) and waits at most
// hangBound for it. Past that it fails the test with what the emulator saw
// (pending requests included), what the official driver had sent and
// where every goroutine was; then it cancels ctx and closes s, which fails
// the blocked request, so that the test ends.
func queryBounded(t *testing.T, p *peer, s *emulator.Server, ctx context.Context, cancel context.CancelFunc, query string) (*sql.Rows, error) {
	t.Helper()
	type result struct {
		rows *sql.Rows
		err  error
	}
	done := make(chan result, 1)
	go func() {
		rows, err := p.db.QueryContext(ctx, query)
		done <- result{rows, err}
	}()
	timer := time.NewTimer(hangBound)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.rows, r.err
	case <-timer.C:
	}
	stacks := make([]byte, 1<<20)
	stacks = stacks[:runtime.Stack(stacks, true)]
	t.Errorf("QueryContext still blocked after %v\nemulator requests:\n%s\nofficial driver calls (answered ones):\n%s\ngoroutines:\n%s",
		hangBound, describeRequests(s.Requests()), p.rec.Dump(), stacks)
	cancel()
	_ = s.Close()
	select {
	case r := <-done:
		if r.rows != nil {
			r.rows.Close()
		}
		t.FailNow()
	case <-time.After(30 * time.Second):
		t.Fatalf("QueryContext still blocked 30s after the emulator closed")
	}
	return nil, nil
}

// describeRequests renders the emulator's request log one request a line,
// with its outcome and duration: a pending request is one not answered.
func describeRequests(l emulator.RequestLog) string {
	var b strings.Builder
	for i, r := range l {
		fmt.Fprintf(&b, "  #%d %s %s at %s outcome=%s took=%v state=%v http=%d statement=%s\n", i, r.Method, r.StatementID,
			r.Time.Format("15:04:05.000"), r.Outcome, r.Duration, r.State, r.HTTPStatus, r.Statement)
	}
	return b.String()
}

// TestQueryTimeout sets the official driver's server-side query timeout
// (TExecuteStatementReq.queryTimeout, seconds): the statement must fail
// soon after it with an execution error.
func TestQueryTimeout(t *testing.T) {
	s := shortHold(t)
	p := openPeerOn(t, s, dbsql.WithTimeout(time.Second))
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	start := time.Now()
	rows, err := queryBounded(t, p, s, ctx, cancel, slowQuery)
	elapsed := time.Since(start)
	if err == nil {
		rows.Close()
		t.Fatalf("no error after %v", elapsed)
	}
	// The official driver polls once a second; the statement would sleep
	// 30 s (the bound is generous for a loaded machine).
	if elapsed > 15*time.Second {
		t.Errorf("timeout of 1s reported after %v", elapsed)
	}
	reqs := p.rec.executeRequests()
	if len(reqs) == 0 || reqs[0].QueryTimeout != 1 {
		t.Errorf("queryTimeout not sent as 1 second")
	}
	t.Logf("timeout error: %v", err)
}

// TestNoServerLeftovers checks that, driven by the official driver, the
// emulator ends up holding no operation once the statements are done and
// no session once the DB is closed. The official driver does not close the
// operation of a query that failed (its QueryContext error path sends no
// CloseOperation): that one must go when its session is closed.
func TestNoServerLeftovers(t *testing.T) {
	s := emulator.Start(t)
	p := openPeerOn(t, s, dbsql.WithMaxRows(500))
	ctx := testCtx(t)
	rows, err := p.db.QueryContext(ctx, "SELECT i FROM range(3000) t(i)")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil || n != 3000 {
		t.Fatalf("%d rows, %v", n, err)
	}
	rows.Close()
	var one int32
	if err := p.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
	waitFor := func(cond func() bool) bool {
		deadline := time.Now().Add(3 * time.Second)
		for !cond() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		return cond()
	}
	if !waitFor(func() bool { return s.OpenOperations() == 0 }) {
		t.Errorf("emulator holds %d operations after successful queries", s.OpenOperations())
	}
	if _, err := p.db.QueryContext(ctx, "SELEC 1"); err == nil {
		t.Fatal("syntax error accepted")
	}
	if err := p.db.Close(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { return s.OpenSessions() == 0 }) {
		t.Errorf("emulator holds %d sessions after the official driver closed its DB", s.OpenSessions())
	}
	if !waitFor(func() bool { return s.OpenOperations() == 0 }) {
		t.Errorf("emulator holds %d operations after their sessions were closed", s.OpenOperations())
	}
}
