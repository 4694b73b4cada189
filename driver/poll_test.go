package driver

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestPollScheduleGrowsAndCaps(t *testing.T) {
	c := &Config{PollMin: 100 * time.Millisecond, PollMax: time.Second}
	b := backoff.New(c.pollPolicy())
	want := []time.Duration{100000, 150000, 225000, 337500, 506250, 759375, 1000000, 1000000}
	for i, w := range want {
		if d := b.Next(); d != w*time.Microsecond {
			t.Fatalf("delay %d: got %v, want %v", i, d, w*time.Microsecond)
		}
	}
	// A zero Config polls as NewConfig's does.
	zero, def := backoff.New((&Config{}).pollPolicy()), backoff.New(NewConfig().pollPolicy())
	for i := range 12 {
		if got, want := zero.Next(), def.Next(); got != want {
			t.Fatalf("delay %d of a zero Config: got %v, want %v", i, got, want)
		}
	}
}

// TestPollingBackoff checks PENDING→RUNNING→FINISHED with the fake clock: the
// gaps between status polls grow from PollMin by half up to PollMax.
func TestPollingBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, func(c *Config) {
			c.PollMin, c.PollMax = 100*time.Millisecond, 300*time.Millisecond
		})
		s := intScript(3)
		s.States = []tcli.TOperationState{
			tcli.TOperationState_PENDING_STATE, // direct results
			tcli.TOperationState_PENDING_STATE,
			tcli.TOperationState_INITIALIZED_STATE,
			tcli.TOperationState_RUNNING_STATE,
			tcli.TOperationState_RUNNING_STATE,
			tcli.TOperationState_RUNNING_STATE,
			tcli.TOperationState_FINISHED_STATE,
		}
		e.fake.Script("q", s)
		db := e.db(t)
		start := time.Now()
		var n int32
		if err := db.QueryRowContext(context.Background(), "q").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("n = %d", n)
		}
		var ts []time.Time
		for _, r := range e.fake.Requests(tclitest.GetOperationStatus) {
			ts = append(ts, r.At)
		}
		if len(ts) != 6 {
			t.Fatalf("%d polls, want 6", len(ts))
		}
		want := []time.Duration{100, 150, 225, 300, 300}
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap != want[i-1]*time.Millisecond {
				t.Errorf("gap %d = %v, want %vms", i, gap, int64(want[i-1]))
			}
		}
		if total := time.Since(start); total != 1075*time.Millisecond {
			t.Errorf("total %v", total)
		}
		db.Close()
		e.c.Close()
	})
}

func TestTerminalStates(t *testing.T) {
	cases := []struct {
		state  tcli.TOperationState
		ok     bool
		isErrS bool
	}{
		{tcli.TOperationState_FINISHED_STATE, true, false},
		{tcli.TOperationState_ERROR_STATE, false, true},
		{tcli.TOperationState_CANCELED_STATE, false, true},
		{tcli.TOperationState_CLOSED_STATE, false, true},
		{tcli.TOperationState_TIMEDOUT_STATE, false, true},
		{tcli.TOperationState_UKNOWN_STATE, false, true},
	}
	for _, c := range cases {
		t.Run(c.state.String(), func(t *testing.T) {
			e := newHTTPEnv(t, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
			s := intScript(1)
			s.States = []tcli.TOperationState{tcli.TOperationState_RUNNING_STATE, c.state}
			s.SQLState, s.ErrorMessage, s.ErrorCode = "42000", "boom", 7
			e.fake.Script("q", s)
			var n int32
			err := e.db(t).QueryRowContext(context.Background(), "q").Scan(&n)
			if c.ok {
				if err != nil || n != 1 {
					t.Fatalf("n=%d err=%v", n, err)
				}
				return
			}
			var se *ServerError
			if !errors.As(err, &se) {
				t.Fatalf("err %T %v", err, err)
			}
			if se.State == nil || *se.State != stateOf(c.state) {
				t.Fatalf("state %v", se.State)
			}
			if se.StatementID == "" || se.StatementID != e.fake.LastStatementID() {
				t.Fatalf("statement id %q", se.StatementID)
			}
			if c.state == tcli.TOperationState_ERROR_STATE {
				if se.SQLState != "42000" || se.Message != "boom" || se.ErrorCode != 7 || se.DisplayMessage != "display: boom" {
					t.Fatalf("fields %+v", se)
				}
			}
		})
	}
	for _, s := range []tcli.TOperationState{tcli.TOperationState_INITIALIZED_STATE, tcli.TOperationState_PENDING_STATE, tcli.TOperationState_RUNNING_STATE} {
		if hs2.Terminal(s) {
			t.Errorf("%v terminal", s)
		}
	}
}
