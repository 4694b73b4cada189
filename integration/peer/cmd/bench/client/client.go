package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// EnvSpec is the environment variable that carries a Spec to a child.
const EnvSpec = "ASYNCSQL_BENCH_SPEC"

// EnvCPUProfile and EnvMemProfile name files a child writes a CPU profile
// and an allocation profile to, for pprof.
const (
	EnvCPUProfile = "ASYNCSQL_BENCH_CPUPROFILE"
	EnvMemProfile = "ASYNCSQL_BENCH_MEMPROFILE"
)

// Spec says what one child process measures.
type Spec struct {
	// Kind is "scan" (rows.Next + rows.Scan over Query), "select1" (K
	// queries of SELECT 1), "wait" (one long query, time to its first row)
	// or a kind the child's main handles itself (ceilings, driver level).
	Kind  string
	Host  string
	Port  int
	Path  string
	Token string `json:",omitempty"`
	// LZ4 asks for LZ4-compressed Arrow batches (this project's driver).
	LZ4 bool
	// CloudFetch turns on result links (CloudFetch) in the official
	// driver, off by default there; this project's driver has them on by
	// default and ignores it.
	CloudFetch bool `json:",omitempty"`
	// Backend is this project's driver's backend ("rest"; empty: Thrift).
	Backend string `json:",omitempty"`
	Query   string
	// Rows is the expected row count of a scan (ceilings: rows to produce).
	Rows int
	// K is the number of SELECT 1 queries.
	K int
	// Sleep is how long the "wait" query runs on the server.
	Sleep time.Duration
}

// Result is what a child measured.
type Result struct {
	Rows       int64
	Seconds    float64 // the whole measurement, query to last row
	TTFR       float64 // seconds from QueryContext to the first row
	AllocBytes uint64  // bytes allocated during the measurement
	Allocs     uint64  // heap objects allocated during the measurement
	PeakHeap   uint64  // peak live+unswept heap objects bytes, sampled
	Latencies  []float64
	// FirstRowAfter is, for "wait", seconds from the query's submission to
	// its first row.
	FirstRowAfter float64
}

// Opener opens an *sql.DB of one driver for a Spec.
type Opener func(s Spec) (*sql.DB, error)

// Main runs the Spec found in the environment with open, prints the Result
// and reports whether it ran (false when no Spec is set).
func Main(open Opener, extra func(Spec) (Result, bool, error)) bool {
	raw := os.Getenv(EnvSpec)
	if raw == "" {
		return false
	}
	var s Spec
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		fail(err)
	}
	var (
		r   Result
		err error
	)
	if path := os.Getenv(EnvCPUProfile); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	handled := false
	if extra != nil {
		r, handled, err = extra(s)
	}
	if !handled {
		r, err = Run(s, open)
	}
	if err != nil {
		fail(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		fail(err)
	}
	if path := os.Getenv(EnvMemProfile); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fail(err)
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fail(err)
		}
		f.Close()
	}
	return true
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench child:", err)
	os.Exit(1)
}

// Run measures s with the driver open gives.
func Run(s Spec, open Opener) (Result, error) {
	db, err := open(s)
	if err != nil {
		return Result{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	// Open the session before measuring.
	if err := db.PingContext(ctx); err != nil {
		return Result{}, fmt.Errorf("ping: %w", err)
	}
	switch s.Kind {
	case "scan":
		return Measure(func() (int64, float64, error) { return scan(ctx, db, s.Query) })
	case "select1":
		return select1(ctx, db, s.K)
	case "wait":
		return wait(ctx, db, s.Query)
	}
	return Result{}, fmt.Errorf("unknown kind %q", s.Kind)
}

// Measure runs f (which returns rows and time to first row) and records
// time, allocations and the sampled peak heap.
func Measure(f func() (int64, float64, error)) (Result, error) {
	runtime.GC()
	var stop atomic.Bool
	var peak uint64
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for !stop.Load() {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak {
				peak = v
			}
			time.Sleep(2 * time.Millisecond)
		}
	})
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	n, ttfr, err := f()
	el := time.Since(start)
	runtime.ReadMemStats(&m1)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		return Result{}, err
	}
	return Result{
		Rows: n, Seconds: el.Seconds(), TTFR: ttfr,
		AllocBytes: m1.TotalAlloc - m0.TotalAlloc, Allocs: m1.Mallocs - m0.Mallocs,
		PeakHeap: peak,
	}, nil
}

// Vars are the typed Go variables every scan fills: BIGINT, DOUBLE, STRING,
// DECIMAL(18,2) (exact text), TIMESTAMP, DATE, BOOLEAN, nullable INT.
type Vars struct {
	B   int64
	D   float64
	S   string
	Dec string
	TS  time.Time
	DT  time.Time
	Bo  bool
	NI  sql.NullInt32
}

// Dest is the Scan destination list for v.
func (v *Vars) Dest() []any {
	return []any{&v.B, &v.D, &v.S, &v.Dec, &v.TS, &v.DT, &v.Bo, &v.NI}
}

func scan(ctx context.Context, db *sql.DB, q string) (int64, float64, error) {
	start := time.Now()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	var v Vars
	dest := v.Dest()
	var n int64
	var ttfr float64
	var sum int64
	for rows.Next() {
		if n == 0 {
			ttfr = time.Since(start).Seconds()
		}
		if err := rows.Scan(dest...); err != nil {
			return n, ttfr, err
		}
		sum += v.B + int64(len(v.S))
		n++
	}
	_ = sum
	return n, ttfr, rows.Err()
}

func select1(ctx context.Context, db *sql.DB, k int) (Result, error) {
	var r Result
	var one int64
	for range k {
		start := time.Now()
		if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return r, err
		}
		r.Latencies = append(r.Latencies, time.Since(start).Seconds())
		if one != 1 {
			return r, errors.New("SELECT 1 returned another value")
		}
	}
	return r, nil
}

func wait(ctx context.Context, db *sql.DB, q string) (Result, error) {
	start := time.Now()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return Result{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		return Result{}, fmt.Errorf("no row: %v", rows.Err())
	}
	return Result{Rows: 1, FirstRowAfter: time.Since(start).Seconds()}, nil
}
