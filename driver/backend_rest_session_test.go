package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

const restSessions = "/api/2.0/sql/sessions"

// sessionFake answers session creation with s-<n>, deletion with {} (404
// for gone, a session the fake forgot) and submissions SUCCEEDED, or 404
// for a submission in a forgotten session.
func sessionFake(t *testing.T, gone *atomic.Value) *restFake {
	var n atomic.Int32
	return newRESTFake(t, func(r restReq) (int, any) {
		switch {
		case r.Method == http.MethodPost && r.Path == restSessions:
			return 200, map[string]any{"session_id": "s-" + string(rune('0'+n.Add(1)))}
		case r.Method == http.MethodDelete && len(r.Path) > len(restSessions):
			if g, _ := gone.Load().(string); g != "" && r.Path == restSessions+"/"+g {
				return 404, map[string]any{"error_code": "NOT_FOUND", "message": "[INVALID_HANDLE.SESSION_NOT_FOUND] gone"}
			}
			return 200, map[string]any{}
		case r.Method == http.MethodPost && r.Path == restStmts:
			if g, _ := gone.Load().(string); g != "" && r.Body["session_id"] == g {
				return 404, map[string]any{"error_code": "NOT_FOUND", "message": "[INVALID_HANDLE.SESSION_NOT_FOUND] gone"}
			}
			return 200, stmtReply("01ef-1", "SUCCEEDED")
		}
		return 200, map[string]any{}
	})
}

func TestRESTSessionFromParams(t *testing.T) {
	var gone atomic.Value
	f := sessionFake(t, &gone)
	cfg := f.connector(t).cfg
	cfg.SessionParams = map[string]string{"ansi_mode": "false", "STATEMENT_TIMEOUT": "30"}
	cfg.Catalog, cfg.Schema = "cat", "sch"
	c, err := NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	for range 2 {
		if _, err := db.ExecContext(ctx, "CREATE TABLE t (x INT)"); err != nil {
			t.Fatal(err)
		}
	}
	// A detached statement cannot carry the session's parameters.
	if _, _, err := c.SubmitDetached(ctx, "SELECT 1"); !errors.Is(err, errDetachedSessionParams) {
		t.Errorf("SubmitDetached: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := f.requests(), []string{"POST " + restSessions, "POST " + restStmts, "POST " + restStmts,
		"DELETE " + restSessions + "/s-1"}; !slices.Equal(got, want) {
		t.Fatalf("requests %v, want %v", got, want)
	}
	create := f.request(0).Body
	if create["warehouse_id"] != "wh1" || create["catalog"] != "cat" || create["schema"] != "sch" {
		t.Errorf("create session %v", create)
	}
	if confs, _ := create["session_confs"].(map[string]any); len(confs) != 2 || confs["ansi_mode"] != "false" || confs["STATEMENT_TIMEOUT"] != "30" {
		t.Errorf("session_confs %v", create["session_confs"])
	}
	for i := range f.requests() {
		r := f.request(i)
		if r.Method != http.MethodPost || r.Path != restStmts {
			continue
		}
		if r.Body["session_id"] != "s-1" || r.Body["catalog"] != nil || r.Body["schema"] != nil {
			t.Errorf("submission %v: want session_id s-1 and no catalog or schema", r.Body)
		}
	}
}

func TestRESTNoSessionWithoutParams(t *testing.T) {
	var gone atomic.Value
	f := sessionFake(t, &gone)
	db := sql.OpenDB(f.connector(t))
	if _, err := db.ExecContext(context.Background(), "CREATE TABLE t (x INT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for i, r := range f.requests() {
		if r == "POST "+restSessions || f.request(i).Body["session_id"] != nil {
			t.Fatalf("requests %v: a session without session parameters", f.requests())
		}
	}
}

// A session the server forgot fails its connection with ErrBadConn (nothing
// ran), and its close counts as done.
func TestRESTSessionGone(t *testing.T) {
	var gone atomic.Value
	f := sessionFake(t, &gone)
	cfg := f.connector(t).cfg
	cfg.SessionParams = map[string]string{"ansi_mode": "true"}
	c, err := NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	cn, err := c.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gone.Store("s-1")
	_, err = cn.(driver.ExecerContext).ExecContext(ctx, "SELECT 1", nil)
	if !errors.Is(err, driver.ErrBadConn) {
		t.Errorf("submission in a gone session: %v, want ErrBadConn", err)
	}
	if err := cn.Close(); err != nil {
		t.Errorf("close of a gone session: %v", err)
	}
	// database/sql retries on a new connection, with a new session.
	db := sql.OpenDB(c)
	defer db.Close()
	if _, err := db.ExecContext(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
}

// A QueryTimeout is the session's STATEMENT_TIMEOUT, in whole seconds
// rounded up; with no session parameter it alone makes a session.
func TestRESTQueryTimeoutSession(t *testing.T) {
	var gone atomic.Value
	f := sessionFake(t, &gone)
	cfg := f.connector(t).cfg
	cfg.QueryTimeout = 1500 * time.Millisecond
	c, err := NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	if _, err := db.ExecContext(context.Background(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.SubmitDetached(context.Background(), "SELECT 1"); !errors.Is(err, errDetachedSessionParams) {
		t.Errorf("SubmitDetached with a QueryTimeout: %v", err)
	}
	db.Close()
	confs, _ := f.request(0).Body["session_confs"].(map[string]any)
	if f.requests()[0] != "POST "+restSessions || len(confs) != 1 || confs["STATEMENT_TIMEOUT"] != "2" {
		t.Fatalf("requests %v, first body %v", f.requests(), f.request(0).Body)
	}
}
