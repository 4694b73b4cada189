package chaos

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/asyncsql/databricks/async"
	dbx "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// Env is an emulator that injects cfg's faults into the requests of the
// driver (Thrift calls and result-file downloads); ground truth is read
// from the emulator's database directly, the faults from its request log.
type Env struct {
	Emu   *emulator.Server
	scale float64
}

// Start starts an emulator with cfg's faults. linkRows, when positive,
// makes results of more rows than that come as result links of files of
// linkRows rows.
func Start(cfg Config, linkRows int, opts ...emulator.Option) (*Env, error) {
	faults, bytesNum := rules(cfg)
	opts = append(opts, emulator.WithFaults(faults...), emulator.WithRequestLogLimit(0))
	if linkRows > 0 {
		opts = append(opts, emulator.WithLinks(emulator.LinkOptions{ThresholdRows: int64(linkRows), FileRows: linkRows, BytesNum: bytesNum}))
	}
	emu, err := emulator.New(opts...)
	if err != nil {
		return nil, err
	}
	scale := cfg.DelayScale
	if scale <= 0 {
		scale = 1
	}
	return &Env{Emu: emu, scale: scale}, nil
}

// Close stops the emulator.
func (e *Env) Close() { e.Emu.Close() }

// DSN is the emulator's DSN with params added.
func (e *Env) DSN(params url.Values) string {
	d := e.Emu.DSN()
	if len(params) > 0 {
		d += "&" + params.Encode()
	}
	return d
}

// Outcome is how one trial ended.
type Outcome uint8

const (
	// Exact: every value as the ground truth says, no error.
	Exact Outcome = iota
	// Unretryable: an error where no driver may retry (the
	// ExecuteStatement's reply lost or refused with a status that leaves
	// it unknown whether the statement ran).
	Unretryable
	// Failed: any other error. The values returned before it were right.
	Failed
	// Corrupt: a wrong, missing, repeated or extra value, with or without
	// an error after it. Never acceptable.
	Corrupt
)

var outcomeNames = [...]string{"exact", "unretryable", "failed", "corrupt"}

// String returns the outcome's name.
func (o Outcome) String() string { return outcomeNames[o] }

// Trial is the outcome of one trial and its error.
type Trial struct {
	Outcome Outcome
	Err     error
	Rows    int64
	// beforeRows marks an error of the query call itself.
	beforeRows bool
}

// scanQuery returns n rows (i, v, s) whose values follow from i.
func scanQuery(n int64) string {
	return fmt.Sprintf("SELECT i, (i * 2654435761) %% 1000000007 AS v, 'r' || CAST(i AS VARCHAR) AS s FROM range(%d) t(i)", n)
}

// execFaults counts the ExecuteStatement requests that got a fault after
// which no driver may send it again.
func (e *Env) execFaults() int64 {
	m := e.Counts()["ExecuteStatement"]
	return m[Status500] + m[ResetBefore] + m[ResetMidReply] + m[DropReply]
}

// Scan reads the n-row result of scanQuery through db and checks every
// value: each i once, v and s as computed from i.
func (e *Env) Scan(ctx context.Context, db *sql.DB, n int64) Trial {
	before := e.execFaults()
	t := Scan(ctx, db, n)
	if t.Outcome == Failed && t.Rows == 0 && t.beforeRows && e.execFaults() > before {
		t.Outcome = Unretryable
	}
	return t
}

// Scan reads the n-row result of scanQuery through db and checks every
// value; an error of the query itself is Failed (Env.Scan tells the
// unretryable ones).
func Scan(ctx context.Context, db *sql.DB, n int64) Trial {
	rows, err := db.QueryContext(ctx, scanQuery(n))
	if err != nil {
		return Trial{Outcome: Failed, Err: err, beforeRows: true}
	}
	defer rows.Close()
	return checkRows(rows, n)
}

// InsertTally is the ground truth of a run of INSERTs.
type InsertTally struct {
	// Acked is the number of INSERTs the driver reported done; Errors the
	// others (Unretryable of them where no driver may retry).
	Acked, Errors, Unretryable int
	// Duplicated counts ids found more than once in the table; Lost the
	// acknowledged ids not found.
	Duplicated, Lost int
}

// Inserts runs k single-row INSERTs of ids 0..k-1 into a new table through
// db, then counts the rows in the emulator's database directly.
func (e *Env) Inserts(ctx context.Context, db *sql.DB, table string, k int) (InsertTally, error) {
	var t InsertTally
	if _, err := e.Emu.DB().ExecContext(ctx, "CREATE TABLE "+table+" (id BIGINT)"); err != nil {
		return t, err
	}
	acked := make([]bool, k)
	for id := range k {
		before := e.execFaults()
		_, err := db.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s VALUES (%d)", table, id))
		switch {
		case err == nil:
			acked[id] = true
			t.Acked++
		case e.execFaults() > before:
			t.Unretryable++
			t.Errors++
		default:
			t.Errors++
		}
	}
	rows, err := e.Emu.DB().QueryContext(ctx, "SELECT id, count(*) FROM "+table+" GROUP BY id")
	if err != nil {
		return t, err
	}
	defer rows.Close()
	found := make([]int, k)
	for rows.Next() {
		var id, c int64
		if err := rows.Scan(&id, &c); err != nil {
			return t, err
		}
		if id >= 0 && id < int64(k) {
			found[id] = int(c)
		}
	}
	if err := rows.Err(); err != nil {
		return t, err
	}
	for id := range k {
		if found[id] > 1 {
			t.Duplicated++
		}
		if acked[id] && found[id] == 0 {
			t.Lost++
		}
	}
	return t, nil
}

// GiveUpAndResume submits scanQuery(n) detached, reads its first row, and
// closes the rows while the next FetchResults is delayed on its way (it
// reaches the server after the reader gave up); then it reads the operation
// again from its first row through db and checks every value. A failed
// status call or read is retried, as a process resuming it would: the
// operation must still be there.
func (e *Env) GiveUpAndResume(ctx context.Context, db *sql.DB, n int64) Trial {
	c, err := dbx.ConnectorOf(ctx, db)
	if err != nil {
		return Trial{Outcome: Failed, Err: err}
	}
	ref, st, err := c.SubmitDetached(ctx, scanQuery(n))
	if err != nil {
		return Trial{Outcome: Unretryable, Err: err}
	}
	defer c.CloseOperation(context.WithoutCancel(ctx), ref)
	for polls := 0; !st.Terminal(); polls++ {
		if st, err = c.OperationStatus(ctx, ref); err != nil && (ctx.Err() != nil || polls > 100) {
			return Trial{Outcome: Failed, Err: err}
		}
	}
	dest := make([]sqldriver.Value, 3)
	rows, err := c.OperationRows(ctx, ref)
	if err == nil {
		e.Force(emulator.FetchResults, Delay)
		_ = rows.Next(dest)
		rows.Close()
	}
	var last Trial
	for range 3 {
		last = e.readAll(ctx, c, ref, n, dest)
		if last.Outcome != Failed {
			return last
		}
	}
	return last
}

// readAll reads the rows of ref from the first and checks them.
func (e *Env) readAll(ctx context.Context, c *dbx.Connector, ref dbx.OperationRef, n int64, dest []sqldriver.Value) Trial {
	rows, err := c.OperationRows(ctx, ref)
	if err != nil {
		return Trial{Outcome: Failed, Err: err}
	}
	defer rows.Close()
	seen := make([]bool, n)
	var count int64
	for {
		err := rows.Next(dest)
		if err == io.EOF {
			break
		}
		if err != nil {
			return Trial{Outcome: Failed, Err: err, Rows: count}
		}
		i, _ := dest[0].(int64)
		v, _ := dest[1].(int64)
		if i < 0 || i >= n || seen[i] || v != (i*2654435761)%1000000007 {
			return Trial{Outcome: Corrupt, Err: fmt.Errorf("row %d: i=%d v=%d", count, i, v), Rows: count}
		}
		seen[i] = true
		count++
	}
	if count != n {
		return Trial{Outcome: Corrupt, Err: fmt.Errorf("%d rows after resuming, want %d", count, n), Rows: count}
	}
	return Trial{Outcome: Exact, Rows: count}
}

// AsyncTrial is how a statement run through the async package ended.
type AsyncTrial struct {
	Trial
	// Resumed: the first read failed and a reader resuming from the token
	// read every value.
	Resumed bool
	// Lost: after a failed read the server no longer knew the statement.
	Lost bool
}

// AsyncScan runs scanQuery(n) through the async package on dsn, saving its
// token at submission; if reading the rows fails, it resumes from the token
// (as another process would, up to three times) and reads every value again.
func (e *Env) AsyncScan(ctx context.Context, dsn string, n int64) AsyncTrial {
	var token []byte
	db, err := async.Open(dsn, async.WithWait(time.Minute), async.WithOnSubmit(func(x *async.Execution) {
		token, _ = x.MarshalText()
	}))
	if err != nil {
		return AsyncTrial{Trial: Trial{Outcome: Failed, Err: err}}
	}
	defer db.Close()
	before := e.execFaults()
	rows, exc, err := db.QueryContext(ctx, scanQuery(n))
	if err != nil && token == nil {
		o := Failed
		if e.execFaults() > before {
			o = Unretryable
		}
		return AsyncTrial{Trial: Trial{Outcome: o, Err: err}}
	}
	var t Trial
	if err == nil {
		t = checkRows(rows, n)
		rows.Close()
		if t.Outcome != Failed {
			db.CloseExecution(ctx, exc)
			return AsyncTrial{Trial: t}
		}
	}
	first := t.Err
	if first == nil {
		first = err
	}
	for range 3 {
		x, err := db.ParseExecution(string(token))
		if err != nil {
			return AsyncTrial{Trial: Trial{Outcome: Failed, Err: err}}
		}
		if x, err = db.CheckExecution(ctx, x); err != nil {
			continue
		}
		if x.Status == async.StatusGone {
			return AsyncTrial{Trial: Trial{Outcome: Failed, Err: fmt.Errorf("gone after a failed read (%v): %v", first, x.Err)}, Lost: true}
		}
		rows, last, err := db.Wait(ctx, x)
		if err != nil {
			continue
		}
		t = checkRows(rows, n)
		rows.Close()
		if t.Outcome != Failed {
			db.CloseExecution(ctx, last)
			return AsyncTrial{Trial: t, Resumed: t.Outcome == Exact}
		}
	}
	return AsyncTrial{Trial: Trial{Outcome: Failed, Err: fmt.Errorf("resuming after %v: %v", first, t.Err)}}
}

// checkRows reads rows of scanQuery(n) and checks every value.
func checkRows(rows *sql.Rows, n int64) Trial {
	seen := make([]bool, n)
	var count int64
	var s string
	for rows.Next() {
		var i, v int64
		if err := rows.Scan(&i, &v, &s); err != nil {
			return Trial{Outcome: Failed, Err: err, Rows: count}
		}
		if i < 0 || i >= n || seen[i] || v != (i*2654435761)%1000000007 || s != "r"+strconv.FormatInt(i, 10) {
			return Trial{Outcome: Corrupt, Err: fmt.Errorf("row %d: i=%d v=%d s=%q", count, i, v, s), Rows: count}
		}
		seen[i] = true
		count++
	}
	if err := rows.Err(); err != nil {
		return Trial{Outcome: Failed, Err: err, Rows: count}
	}
	if count != n {
		return Trial{Outcome: Corrupt, Err: fmt.Errorf("%d rows, want %d", count, n), Rows: count}
	}
	return Trial{Outcome: Exact, Rows: count}
}
