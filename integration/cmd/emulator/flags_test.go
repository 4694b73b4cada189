package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// startWith starts an emulator from a command line and opens our driver on
// it.
func startWith(t *testing.T, args ...string) (*emulator.Server, *sql.DB) {
	t.Helper()
	opts, child, err := parseArgs(args, io.Discard, io.Discard)
	if err != nil || len(child) != 0 {
		t.Fatalf("parseArgs(%q): child %q, %v", args, child, err)
	}
	s := emulator.Start(t, opts...)
	db, err := sql.Open("databricks", s.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, db
}

// count reads every row of query and returns their number.
func count(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFlagsWarehouseAndToken(t *testing.T) {
	s, db := startWith(t, "-warehouse-id", "wh-fixed", "-token", "tok")
	if s.HTTPPath() != "/sql/1.0/warehouses/wh-fixed" || s.Token() != "tok" {
		t.Fatalf("path %q token %q", s.HTTPPath(), s.Token())
	}
	if n := count(t, db, "SELECT * FROM range(3)"); n != 3 {
		t.Fatalf("%d rows", n)
	}
}

func TestFlagsResultLinks(t *testing.T) {
	s, db := startWith(t, "-link-threshold", "100", "-link-file-rows", "250", "-link-pad-rows", "3", "-link-stale-names")
	if n := count(t, db, "SELECT * FROM range(1000)"); n != 1000 {
		t.Fatalf("%d rows", n)
	}
	if st := s.LinkStats(); st.Links < 4 || st.Served < 4 {
		t.Fatalf("link stats %+v, want 4 files of 250 rows", st)
	}
	// At or below the threshold the result is inline.
	before := s.LinkStats().Links
	if n := count(t, db, "SELECT * FROM range(100)"); n != 100 || s.LinkStats().Links != before {
		t.Fatalf("%d rows, links %d -> %d", n, before, s.LinkStats().Links)
	}
}

func TestFlagsLinkURLBase(t *testing.T) {
	// Links that point at a listener refusing every download: the read
	// fails, so the links went there.
	_, db := startWith(t, "-link-threshold", "10", "-link-url-base", "http://127.0.0.1:1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT * FROM range(100)")
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("reading links that point at 127.0.0.1:1: %v", err)
	}
}

func TestFlagsLinkFaults(t *testing.T) {
	// Pages of 500 rows: the first page (direct results) is not the whole
	// result, so the operation stays open for refreshing expired links.
	s, db := startWith(t, "-link-threshold", "0", "-link-file-rows", "100", "-page-rows", "500",
		"-fault", "method=download,every=3,status=503,times=-1", "-fault", "method=Download,every=4,truncate,times=-1",
		"-fault", "method=download,every=5,status=403,times=-1")
	if n := count(t, db, "SELECT * FROM range(2000)"); n != 2000 {
		t.Fatalf("%d rows", n)
	}
	if st := s.LinkStats(); st.Failed == 0 || st.Forbidden == 0 {
		t.Fatalf("link stats %+v: no failure was injected", st)
	}
}

func TestFlagsNoLinksByDefault(t *testing.T) {
	s, db := startWith(t)
	if n := count(t, db, "SELECT * FROM range(200000)"); n != 200000 || s.LinkStats().Links != 0 {
		t.Fatalf("%d rows, %d links", n, s.LinkStats().Links)
	}
}

func TestFlagsPageRows(t *testing.T) {
	s, db := startWith(t, "-page-rows", "100", "-batch-rows", "7")
	if n := count(t, db, "SELECT * FROM range(1000)"); n != 1000 {
		t.Fatalf("%d rows", n)
	}
	// The first page comes with ExecuteStatement, the other nine fetched.
	if got := s.Requests().Count(emulator.FetchResults); got < 9 {
		t.Fatalf("%d FetchResults for 1000 rows in pages of 100", got)
	}
}

func TestFlagsMaxProtocolHive(t *testing.T) {
	_, db := startWith(t, "-max-protocol", "hive-v10")
	if n := count(t, db, "SELECT * FROM range(5)"); n != 5 {
		t.Fatalf("%d rows", n)
	}
	if _, err := db.Exec("SELECT ?", 1); !errors.Is(err, driver.ErrParametersNotSupported) {
		t.Fatalf("parameters on a Hive protocol: %v", err)
	}
}

func TestFlagsHolds(t *testing.T) {
	// No direct-results hold: ExecuteStatement answers at once and the
	// driver polls, each poll held up to 20 ms.
	s, db := startWith(t, "-direct-hold", "0", "-status-hold", "20ms")
	if n := count(t, db, "SELECT sleep_ms(600)"); n != 1 {
		t.Fatalf("%d rows", n)
	}
	if got := s.Requests().Count(emulator.GetOperationStatus); got < 2 {
		t.Fatalf("%d status polls for a 600 ms statement", got)
	}
}

func TestFlagsIdleEviction(t *testing.T) {
	s, db := startWith(t, "-idle-eviction", "200ms", "-page-rows", "10")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := db.QueryContext(ctx, "SELECT * FROM range(1000)")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	// Nobody fetches past the read-ahead: the operation is evicted.
	for s.OpenOperations() > 0 {
		if ctx.Err() != nil {
			t.Fatal("the idle operation was never evicted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err == nil || !strings.Contains(err.Error(), "inactivity") {
		t.Fatalf("reading an evicted result: %v", err)
	}
}

func TestFlagsFault(t *testing.T) {
	s, db := startWith(t, "-fault", "method=OpenSession,times=2,status=503")
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests().Count(emulator.OpenSession); got != 3 {
		t.Fatalf("%d OpenSession requests, want 2 refused and 1 served", got)
	}
}

func TestFlagsVerbose(t *testing.T) {
	var logs bytes.Buffer
	opts, _, err := parseArgs([]string{"-v", "-token", "very-secret-token"}, io.Discard, &logs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := emulator.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	db, _ := sql.Open("databricks", s.DSN())
	err = db.Ping()
	db.Close()
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if logs.Len() == 0 || strings.Contains(logs.String(), "very-secret-token") {
		t.Fatalf("logs %q", logs.String())
	}
}

func TestFlagsScript(t *testing.T) {
	s, db := startWith(t, "-status-hold", "0", "-script", "match=^SELECT 'boom';steps=pending:1,running:2;end=error;sqlstate=22012;class=DIVIDE_BY_ZERO;message=Division by zero.")
	var v string
	err := db.QueryRow("SELECT 'boom'").Scan(&v)
	var se *driver.ServerError
	if !errors.As(err, &se) || se.SQLState != "22012" || !strings.Contains(se.Error(), "DIVIDE_BY_ZERO") {
		t.Fatalf("scripted failure: %v; want a *driver.ServerError with SQLSTATE 22012 and the class", err)
	}
	if got := s.Requests().Count(emulator.GetOperationStatus); got < 3 {
		t.Fatalf("%d status polls for a script of 3 steps' polls; want at least 3", got)
	}
}

func TestRunBadValues(t *testing.T) {
	for _, args := range [][]string{
		{"-idle-eviction", "0"}, {"-page-rows", "0"}, {"-batch-rows", "-1"},
		{"-max-protocol", "spark-v42"}, {"-fault", "status=1"}, {"-fault", "drop,truncate"}, {"-hold", "-1s"},
		{"-script", "steps=running"}, {"-script", "match=x;end=later"}, {"-rest-chunk-rows", "0"}, {"-rest-retention", "0s"},
	} {
		var errb bytes.Buffer
		if code := run(args, io.Discard, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errb.String())
		}
	}
}

// TestRESTFlags: -rest-chunk-rows cuts a Statement Execution API result into
// chunks of that many rows; -rest-no-hybrid refuses INLINE_OR_EXTERNAL_LINKS.
func TestRESTFlags(t *testing.T) {
	s, _ := startWith(t, "-rest-chunk-rows", "10", "-warehouse-id", "wh1", "-rest-no-hybrid")
	submit := func(body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, "http://"+net.JoinHostPort(s.Host(), strconv.Itoa(s.Port()))+"/api/2.0/sql/statements", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+s.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("HTTP %d: %v", resp.StatusCode, err)
		}
		return resp.StatusCode, out
	}
	st, out := submit(`{"statement": "SELECT * FROM range(25)", "warehouse_id": "wh1"}`)
	if m, _ := out["manifest"].(map[string]any); st != 200 || m == nil || m["total_chunk_count"] != float64(3) {
		t.Errorf("HTTP %d %v, want 3 chunks", st, out)
	}
	st, out = submit(`{"statement": "SELECT 1", "warehouse_id": "wh1", "format": "ARROW_STREAM", "disposition": "INLINE_OR_EXTERNAL_LINKS"}`)
	if st != 400 || out["error_code"] != "INVALID_PARAMETER_VALUE" {
		t.Errorf("hybrid with -rest-no-hybrid: HTTP %d %v", st, out)
	}
}
