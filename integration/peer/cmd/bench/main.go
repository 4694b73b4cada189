package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
	"github.com/asyncsql/databricks/integration/peer/cmd/bench/client"
)

// options are the benchmark's flags.
type options struct {
	Rows    int
	Rounds  int
	MemMult int
	K       int
	Wait    time.Duration
	Smoke   bool
	Out     string
	PeerBin string
	Profile string
	Command string
	// LinkRows and LinkFileRows size the result-link measurement.
	LinkRows     int
	LinkFileRows int
	// Only names the measurements to run (empty: all).
	Only map[string]bool
}

// measurements are the names -only accepts, in the order they run.
var measurements = []string{"scan", "memory", "links", "select1", "waiting", "async"}

// wants reports whether measurement name runs.
func (o options) wants(name string) bool { return len(o.Only) == 0 || o.Only[name] }

func main() {
	if client.Main(openOurs, oursExtra) {
		return
	}
	var o options
	var waitSec float64
	var only string
	flag.IntVar(&o.Rows, "rows", 5000000, "rows of the scan dataset")
	flag.IntVar(&o.Rounds, "rounds", 3, "rounds of each measurement (drivers alternate)")
	flag.IntVar(&o.MemMult, "mem-mult", 10, "the second memory run streams this many times -rows")
	flag.IntVar(&o.K, "select1", 200, "SELECT 1 queries per round")
	flag.Float64Var(&waitSec, "wait-seconds", 60, "duration of the long query of the waiting measurement")
	flag.IntVar(&o.LinkRows, "link-rows", 2000000, "rows of the result-link measurement")
	flag.IntVar(&o.LinkFileRows, "link-file-rows", 100000, "rows of one result file of the result-link measurement")
	flag.BoolVar(&o.Smoke, "smoke", false, "tiny sizes (20,000 rows, 1 round, 3 s wait) for CI")
	flag.StringVar(&o.Out, "out", "BENCHMARKS.md", "markdown file to write (empty: none)")
	flag.StringVar(&o.PeerBin, "peer-bin", "", "prebuilt ./cmd/bench/peerclient (default: go build it)")
	flag.StringVar(&o.Profile, "profile", "", "directory for CPU and allocation profiles of the scan children")
	flag.StringVar(&only, "only", "", "comma-separated measurements to run, of "+strings.Join(measurements, ",")+" (default: all)")
	flag.Parse()
	if only != "" {
		o.Only = map[string]bool{}
		for _, m := range strings.Split(only, ",") {
			if !slices.Contains(measurements, m) {
				fmt.Fprintf(os.Stderr, "bench: -only: unknown measurement %q (have %s)\n", m, strings.Join(measurements, ","))
				os.Exit(2)
			}
			o.Only[m] = true
		}
	}
	o.Wait = time.Duration(waitSec * float64(time.Second))
	o.Command = "go run ./cmd/bench"
	flag.Visit(func(f *flag.Flag) {
		if f.Name != "peer-bin" && f.Name != "profile" && f.Name != "out" {
			o.Command += " -" + f.Name + "=" + f.Value.String()
		}
	})
	if o.Smoke {
		o.Rows, o.Rounds, o.Wait, o.K = 20000, 1, 3*time.Second, 20
		o.LinkRows, o.LinkFileRows = 20000, 5000
	}
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bench is one run of the benchmark.
type bench struct {
	o    options
	self string
	peer string
	srv  *emulator.Server
	log  io.Writer
	// samples by metric name.
	samples map[string][]float64
	notes   []string
}

// run runs every measurement and writes the table to w and o.Out.
func run(o options, w io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	b := &bench{o: o, self: self, peer: o.PeerBin, log: os.Stderr, samples: map[string][]float64{}}
	if b.peer == "" {
		dir, err := os.MkdirTemp("", "asyncsql-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		b.peer = filepath.Join(dir, "peerclient")
		b.logf("building the official driver's client")
		cmd := exec.Command("go", "build", "-o", b.peer, "github.com/asyncsql/databricks/integration/peer/cmd/bench/peerclient")
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building peerclient: %w", err)
		}
	}
	srv, err := emulator.New()
	if err != nil {
		return err
	}
	defer srv.Close()
	b.srv = srv
	start := time.Now()
	if o.wants("scan") || o.wants("memory") {
		b.logf("seeding %d rows (and %d for the memory run)", o.Rows, o.Rows*o.MemMult)
		if err := seed(srv, o.Rows, o.MemMult); err != nil {
			return err
		}
	}
	steps := map[string]func() error{"scan": b.scans, "memory": b.memory, "links": b.links, "select1": b.select1, "waiting": b.waiting, "async": b.asyncRequests}
	for _, m := range measurements {
		if o.wants(m) {
			if err := steps[m](); err != nil {
				return err
			}
		}
	}
	b.logf("done in %s", time.Since(start).Round(time.Second))
	table := b.table()
	fmt.Fprint(w, table)
	if o.Out != "" {
		return writeMarkdown(o.Out, b.markdown(table))
	}
	return nil
}

// handWritten starts the part of BENCHMARKS.md written by hand, which a new
// run keeps.
const handWritten = "\n## Reading the runs (written by hand)\n"

// writeMarkdown writes md to path, followed by the hand-written part of the
// file already there, if any.
func writeMarkdown(path, md string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if i := strings.Index(string(old), handWritten); i >= 0 {
		md = strings.TrimRight(md, "\n") + "\n" + string(old[i:])
	}
	return os.WriteFile(path, []byte(md), 0o644)
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}

// seed creates table t (rows rows of the eight column types) and t10
// (mult times t).
func seed(s *emulator.Server, rows, mult int) error {
	stmts := []string{
		"DROP TABLE IF EXISTS t",
		fmt.Sprintf(`CREATE TABLE t AS SELECT
			i::BIGINT AS b,
			(i * 0.25)::DOUBLE AS d,
			'value-' || lpad(i::VARCHAR, 14, '0') AS s,
			((i %% 10000000) / 100)::DECIMAL(18,2) AS dec,
			TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i * 1000) AS ts,
			DATE '2020-01-01' + (i %% 3650)::INTEGER AS dt,
			i %% 2 = 0 AS bo,
			CASE WHEN i %% 10 = 0 THEN NULL ELSE (i %% 100000)::INTEGER END AS ni
			FROM range(%d) r(i)`, rows),
		// A view: a table of mult × rows would be a second copy in DuckDB's
		// memory (~90 bytes per row) beside the emulator's own.
		"DROP VIEW IF EXISTS t10",
		fmt.Sprintf("CREATE VIEW t10 AS SELECT t.* FROM t, range(%d)", mult),
	}
	for _, q := range stmts {
		if _, err := s.DB().Exec(q); err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
	}
	return nil
}

// child runs spec in bin (this binary for our driver and the ceilings, the
// peer client for the official driver).
func (b *bench) child(bin string, s client.Spec) (client.Result, error) {
	if s.Host == "" && b.srv != nil {
		s.Host, s.Port, s.Path, s.Token = b.srv.Host(), b.srv.Port(), b.srv.HTTPPath(), b.srv.Token()
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return client.Result{}, err
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), client.EnvSpec+"="+string(raw))
	if b.o.Profile != "" && strings.Contains(s.Kind, "scan") {
		// One file per driver, kind, backend and LZ4 setting: the last
		// round's child of each writes it.
		name := fmt.Sprintf("%s-%s-lz4=%t", filepath.Base(bin), s.Kind, s.LZ4)
		if s.Backend != "" {
			name = fmt.Sprintf("%s-%s-%s-lz4=%t", filepath.Base(bin), s.Kind, s.Backend, s.LZ4)
		}
		cmd.Env = append(cmd.Env, client.EnvCPUProfile+"="+filepath.Join(b.o.Profile, name+".cpu"),
			client.EnvMemProfile+"="+filepath.Join(b.o.Profile, name+".mem"))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return client.Result{}, fmt.Errorf("%s %s: %w: %s", filepath.Base(bin), s.Kind, err, strings.TrimSpace(stderr.String()))
	}
	var r client.Result
	if err := json.Unmarshal(out, &r); err != nil {
		return r, fmt.Errorf("%s %s: %w", filepath.Base(bin), s.Kind, err)
	}
	return r, nil
}

func (b *bench) add(name string, v float64) { b.samples[name] = append(b.samples[name], v) }

// variant is one scan configuration.
type variant struct {
	name string
	bin  func(*bench) string
	spec client.Spec
}

func ours(b *bench) string     { return b.self }
func official(b *bench) string { return b.peer }

// scans measures scan throughput and allocations on replays of recorded
// emulator traffic, the drivers alternating, then time to first row and
// peak heap live against the emulator, and the ceilings.
func (b *bench) scans() error {
	q := "SELECT b, d, s, dec, ts, dt, bo, ni FROM t"
	replayed := []variant{
		{"ours", ours, client.Spec{Kind: "scan", Query: q, LZ4: true}},
		{"official", official, client.Spec{Kind: "scan", Query: q}},
		{"ours-nolz4", ours, client.Spec{Kind: "scan", Query: q}},
		{"ours-driver", ours, client.Spec{Kind: "driverscan", Query: q}},
		{"ours-rest", ours, client.Spec{Kind: "scan", Query: q, LZ4: true, Backend: "rest"}},
	}
	tapes := map[string]*tape{}
	for _, v := range replayed {
		t, err := newTape(fmt.Sprintf("http://%s:%d", b.srv.Host(), b.srv.Port()))
		if err != nil {
			return err
		}
		defer t.close()
		b.logf("recording: %s", v.name)
		if _, err := b.child(v.bin(b), b.onTape(t, v.spec)); err != nil {
			return err
		}
		t.replay()
		tapes[v.name] = t
	}
	vs := slices.Clone(replayed)
	vs = append(vs,
		variant{"ours-live", ours, client.Spec{Kind: "scan", Query: q, LZ4: true}},
		variant{"ours-rest-live", ours, client.Spec{Kind: "scan", Query: q, LZ4: true, Backend: "rest"}},
		variant{"official-live", official, client.Spec{Kind: "scan", Query: q}},
		variant{"arrow", ours, client.Spec{Kind: "arrow", Rows: b.o.Rows}},
		variant{"arrow-work", ours, client.Spec{Kind: "arrow-work", Rows: b.o.Rows}},
		variant{"arrow-values", ours, client.Spec{Kind: "arrow-values", Rows: b.o.Rows}},
		variant{"floor", ours, client.Spec{Kind: "floor", Rows: b.o.Rows}})
	for round := range b.o.Rounds {
		order := slices.Clone(vs)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, v := range order {
			b.logf("round %d: scan %s", round+1, v.name)
			spec := v.spec
			if t := tapes[v.name]; t != nil {
				t.replay()
				spec = b.onTape(t, spec)
			}
			r, err := b.child(v.bin(b), spec)
			if err != nil {
				return err
			}
			if r.Rows != int64(b.o.Rows) {
				return fmt.Errorf("%s: %d rows, want %d", v.name, r.Rows, b.o.Rows)
			}
			// Streaming throughput: after the first row, so that the
			// execution of the query is not counted; time to first row is
			// reported on its own.
			b.add(v.name+"/rps", float64(r.Rows)/(r.Seconds-r.TTFR))
			b.add(v.name+"/bpr", float64(r.AllocBytes)/float64(r.Rows))
			b.add(v.name+"/apr", float64(r.Allocs)/float64(r.Rows))
			b.add(v.name+"/ttfr", r.TTFR)
			b.add(v.name+"/heap", float64(r.PeakHeap))
		}
		a, f := b.samples["arrow/rps"], b.samples["floor/rps"]
		b.add("combined/rps", 1/(1/a[len(a)-1]+1/f[len(f)-1]))
		// Ratios are taken within a round, between measurements made
		// minutes apart at most, so that the machine's drift between
		// rounds does not enter them.
		for _, p := range scanRatios {
			b.add(p[0]+"÷"+p[1], b.last(p[0])/b.last(p[1]))
		}
	}
	return nil
}

// onTape points s at the tape t (which forwards to or replays the emulator).
func (b *bench) onTape(t *tape, s client.Spec) client.Spec {
	host, port, _ := strings.Cut(t.addr, ":")
	s.Host, s.Path, s.Token = host, b.srv.HTTPPath(), b.srv.Token()
	fmt.Sscan(port, &s.Port)
	return s
}

// memory streams t10 (MemMult times the rows) once per driver.
func (b *bench) memory() error {
	q := "SELECT b, d, s, dec, ts, dt, bo, ni FROM t10"
	for _, v := range []variant{
		{"ours", ours, client.Spec{Kind: "scan", Query: q, LZ4: true}},
		{"official", official, client.Spec{Kind: "scan", Query: q}},
	} {
		b.logf("memory: %s streams %d rows", v.name, b.o.Rows*b.o.MemMult)
		r, err := b.child(v.bin(b), v.spec)
		if err != nil {
			return err
		}
		b.add(v.name+"/heap10", float64(r.PeakHeap))
	}
	return nil
}

// select1 measures SELECT 1 latency on an open connection and the HTTP
// requests the emulator counted per query: our driver on each backend and
// the official driver, alternating.
func (b *bench) select1() error {
	vs := []variant{{name: "ours", bin: ours}, {name: "official", bin: official},
		{name: "ours-rest", bin: ours, spec: client.Spec{Backend: "rest"}}}
	base := map[string]int64{}
	for _, v := range vs {
		// The requests of opening and closing a connection alone (K = 0).
		b.srv.ResetRequests()
		spec := v.spec
		spec.Kind, spec.K = "select1", 0
		if _, err := b.child(v.bin(b), spec); err != nil {
			return err
		}
		base[v.name] = total(b.srv.Requests())
	}
	for round := range b.o.Rounds {
		order := slices.Clone(vs)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, v := range order {
			b.logf("round %d: SELECT 1 %s", round+1, v.name)
			b.srv.ResetRequests()
			spec := v.spec
			spec.Kind, spec.K = "select1", b.o.K
			r, err := b.child(v.bin(b), spec)
			if err != nil {
				return err
			}
			counts := b.srv.Requests()
			b.add(v.name+"/req1", float64(total(counts)-base[v.name])/float64(b.o.K))
			if round == 0 {
				b.notes = append(b.notes, fmt.Sprintf("SELECT 1 ×%d, %s, requests at the server including connect/close: %v", b.o.K, v.name, counts))
			}
			lat := slices.Clone(r.Latencies)
			slices.Sort(lat)
			b.add(v.name+"/lat1", lat[len(lat)/2])
		}
	}
	return nil
}

// total is the number of requests in the log.
func total(log emulator.RequestLog) int64 { return int64(len(log)) }

// waiting runs a long query for both drivers, with the emulator's long poll
// on (status calls held 5 s, as Databricks) and off (answered at once, as a
// Spark server without it), all four at once on emulators of their own.
func (b *bench) waiting() error {
	q := fmt.Sprintf("SELECT sleep_ms(%d) AS n", b.o.Wait.Milliseconds())
	type job struct {
		name string
		bin  string
		opts []emulator.Option
	}
	off := []emulator.Option{emulator.WithStatusHold(0), emulator.WithDirectResultsHold(0)}
	jobs := []job{{"ours/on", b.self, nil}, {"official/on", b.peer, nil}, {"ours/off", b.self, off}, {"official/off", b.peer, off}}
	b.logf("waiting: four %s queries at once", b.o.Wait)
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	res := make([][2]float64, len(jobs))
	for i, j := range jobs {
		wg.Go(func() {
			s, err := emulator.New(j.opts...)
			if err != nil {
				errs[i] = err
				return
			}
			defer s.Close()
			r, err := b.child(j.bin, client.Spec{Kind: "wait", Query: q, Sleep: b.o.Wait,
				Host: s.Host(), Port: s.Port(), Path: s.HTTPPath(), Token: s.Token()})
			if err != nil {
				errs[i] = err
				return
			}
			res[i] = [2]float64{r.FirstRowAfter - b.o.Wait.Seconds(), float64(s.Requests().Count(emulator.GetOperationStatus))}
		})
	}
	wg.Wait()
	for i, j := range jobs {
		if errs[i] != nil {
			return fmt.Errorf("waiting %s: %w", j.name, errs[i])
		}
		b.add(j.name+"/noticed", res[i][0])
		b.add(j.name+"/status", res[i][1]*60/b.o.Wait.Seconds())
	}
	return nil
}

// stat is the median and range of samples.
type stat struct{ med, lo, hi float64 }

func (b *bench) stat(name string) (stat, bool) {
	s := slices.Clone(b.samples[name])
	if len(s) == 0 {
		return stat{}, false
	}
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{m, s[0], s[len(s)-1]}, true
}

// cell formats a metric as "median (min–max)" with f.
func (b *bench) cell(name string, f func(float64) string) string {
	st, ok := b.stat(name)
	if !ok {
		return "—"
	}
	if len(b.samples[name]) == 1 || st.lo == st.hi {
		return f(st.med)
	}
	return fmt.Sprintf("%s (%s–%s)", f(st.med), f(st.lo), f(st.hi))
}

// cell8 formats 8 times a byte count metric.
func (b *bench) cell8(name string) string {
	st, ok := b.stat(name)
	if !ok {
		return "—"
	}
	return mb(8 * st.med)
}

// ratio8 is num / (8 × den): a heap against 8 files.
func (b *bench) ratio8(num, den string) string {
	n, ok1 := b.stat(num)
	d, ok2 := b.stat(den)
	if !ok1 || !ok2 || d.med == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", n.med/(8*d.med))
}

// scanRatios are the ratios of the scan measurements, taken per round.
var scanRatios = [][2]string{
	{"ours/rps", "official/rps"}, {"ours/rps", "combined/rps"},
	{"ours-nolz4/rps", "official/rps"}, {"ours-nolz4/rps", "combined/rps"},
	{"ours-driver/rps", "arrow/rps"}, {"ours-driver/rps", "arrow-work/rps"}, {"arrow-work/rps", "arrow/rps"}, {"ours-driver/rps", "arrow-values/rps"},
	{"ours-rest/rps", "ours/rps"}, {"ours-rest-live/ttfr", "ours-live/ttfr"},
}

// last is the latest sample of name.
func (b *bench) last(name string) float64 {
	s := b.samples[name]
	return s[len(s)-1]
}

// pratio formats the per-round ratios of num to den: median (min–max).
func (b *bench) pratio(num, den string) string {
	return b.cell(num+"÷"+den, func(v float64) string { return fmt.Sprintf("%.2f×", v) })
}

func (b *bench) ratio(num, den string) string {
	n, ok1 := b.stat(num)
	d, ok2 := b.stat(den)
	if !ok1 || !ok2 || d.med == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", n.med/d.med)
}

func mrows(v float64) string { return fmt.Sprintf("%.3f M/s", v/1e6) }
func num(v float64) string   { return fmt.Sprintf("%.1f", v) }
func ms(v float64) string    { return fmt.Sprintf("%.2f ms", v*1000) }
func secs(v float64) string  { return fmt.Sprintf("%.2f s", v) }
func mb(v float64) string    { return fmt.Sprintf("%.1f MB", v/(1<<20)) }

// table renders the results as one markdown table.
func (b *bench) table() string {
	var sb strings.Builder
	n := b.o.Rows
	fmt.Fprintf(&sb, "| measurement (%s rows, %d rounds; median (min–max)) | ours | official | ours/official | ceiling | ours/ceiling | target |\n", commas(n), b.o.Rounds)
	sb.WriteString("|---|---|---|---|---|---|---|\n")
	row := func(cols ...string) { sb.WriteString("| " + strings.Join(cols, " | ") + " |\n") }
	row("scan rows/s, database/sql, LZ4 on (our default)", b.cell("ours/rps", mrows), b.cell("official/rps", mrows), b.pratio("ours/rps", "official/rps"),
		"combined "+b.cell("combined/rps", mrows), b.pratio("ours/rps", "combined/rps"), "≥ 8× official, ≥ 0.7× combined")
	row("scan rows/s, database/sql, LZ4 off", b.cell("ours-nolz4/rps", mrows), "", b.pratio("ours-nolz4/rps", "official/rps"),
		"combined", b.pratio("ours-nolz4/rps", "combined/rps"), "")
	row("scan rows/s, driver.Rows.Next, LZ4 off", b.cell("ours-driver/rps", mrows), "", "",
		"arrow-go "+b.cell("arrow/rps", mrows), b.pratio("ours-driver/rps", "arrow/rps"), "≥ 0.8× arrow-go")
	row("… ceiling (a) plus the work every driver must do (string copy, DECIMAL text, time.Time), at least cost", "", "", "",
		b.cell("arrow-work/rps", mrows)+"; "+b.pratio("arrow-work/rps", "arrow/rps")+" of (a)", b.pratio("ours-driver/rps", "arrow-work/rps"), "")
	row("… ceiling (a) producing driver.Value one by one (string copy, DECIMAL text, time.Time)", "", "", "", b.cell("arrow-values/rps", mrows)+", "+b.cell("arrow-values/apr", num)+" allocs/row",
		b.pratio("ours-driver/rps", "arrow-values/rps"), "")
	row("ceiling (b): database/sql floor, trivial driver", "", "", "", b.cell("floor/rps", mrows), "", "")
	row("bytes allocated per row (LZ4 on)", b.cell("ours/bpr", num), b.cell("official/bpr", num), b.ratio("ours/bpr", "official/bpr"), "floor "+b.cell("floor/bpr", num), "", "")
	row("allocations per row (LZ4 on)", b.cell("ours/apr", num), b.cell("official/apr", num), b.ratio("ours/apr", "official/apr"), "floor "+b.cell("floor/apr", num), "", "")
	row("allocations per row (LZ4 off / driver level)", b.cell("ours-nolz4/apr", num)+" / "+b.cell("ours-driver/apr", num), "", "", "arrow-go "+b.cell("arrow/apr", num), "", "")
	row("scan rows/s, REST backend (replayed), LZ4 on", b.cell("ours-rest/rps", mrows), "", "", "Thrift backend "+b.cell("ours/rps", mrows),
		b.pratio("ours-rest/rps", "ours/rps"), "≥ 0.9× Thrift")
	row("SELECT 1 latency", b.cell("ours/lat1", ms), b.cell("official/lat1", ms), b.ratio("ours/lat1", "official/lat1"), "", "", "")
	row("SELECT 1 latency, REST backend", b.cell("ours-rest/lat1", ms), "", "", "Thrift backend "+b.cell("ours/lat1", ms), b.ratio("ours-rest/lat1", "ours/lat1"), "")
	row("HTTP requests per SELECT 1, REST backend", b.cell("ours-rest/req1", num), "", "", "", "", "1")
	row("HTTP requests per SELECT 1", b.cell("ours/req1", num), b.cell("official/req1", num), "", "", "", "exactly 1")
	row("time to first row", b.cell("ours-live/ttfr", secs), b.cell("official-live/ttfr", secs), b.ratio("ours-live/ttfr", "official-live/ttfr"), "", "", "")
	row("time to first row, REST backend", b.cell("ours-rest-live/ttfr", secs), "", "", "Thrift backend "+b.cell("ours-live/ttfr", secs),
		b.pratio("ours-rest-live/ttfr", "ours-live/ttfr"), "≤ 1× Thrift")
	row(fmt.Sprintf("result links: rows/s (%s rows, files of %s rows, %s per file)", commas(b.o.LinkRows), commas(b.o.LinkFileRows), linkLatency),
		b.cell("ours/links-rps", mrows), b.cell("official/links-rps", mrows), b.ratio("ours/links-rps", "official/links-rps"), "", "", "≥ 3× official")
	row("… rows/s including execution (query to last row)", b.cell("ours/links-whole-rps", mrows), b.cell("official/links-whole-rps", mrows),
		b.ratio("ours/links-whole-rps", "official/links-whole-rps"), "", "", "")
	row("… peak heap", b.cell("ours/links-heap", mb), b.cell("official/links-heap", mb), b.ratio("ours/links-heap", "official/links-heap"),
		"8 files "+b.cell8("links/filebytes"), b.ratio8("ours/links-heap", "links/filebytes"), "< 8 files")
	row(fmt.Sprintf("peak heap streaming %s rows", commas(n)), b.cell("ours-live/heap", mb), b.cell("official-live/heap", mb), b.ratio("ours-live/heap", "official-live/heap"), "", "", "< 64 MB at 5,000,000")
	row(fmt.Sprintf("peak heap streaming %s rows (%d×)", commas(n*b.o.MemMult), b.o.MemMult), b.cell("ours/heap10", mb), b.cell("official/heap10", mb),
		b.ratio("ours/heap10", "official/heap10"), "", "", "")
	row(fmt.Sprintf("heap %d× rows / heap 1×", b.o.MemMult), b.ratio("ours/heap10", "ours-live/heap"), b.ratio("official/heap10", "official-live/heap"), "", "", "", "< 1.2×")
	w := b.o.Wait.Seconds()
	row(fmt.Sprintf("%.0f s query, long poll on: first row after it finished", w), b.cell("ours/on/noticed", secs), b.cell("official/on/noticed", secs), "", "", "", "≤ 0.2 s")
	row("… status requests per minute", b.cell("ours/on/status", num), b.cell("official/on/status", num), "", "", "", "≤ 15")
	row(fmt.Sprintf("%.0f s query, long poll off: first row after it finished", w), b.cell("ours/off/noticed", secs), b.cell("official/off/noticed", secs), "", "", "", "≤ 2 s")
	row("… status requests per minute", b.cell("ours/off/status", num), b.cell("official/off/status", num), "", "", "", "≤ 25")
	row("async: HTTP requests from submit to last row (10 rows, finished within the wait)", b.cell("async/req", num), "", "", "database/sql "+b.cell("sql/req", num), "", "≤ 4")
	row(fmt.Sprintf("… time from submit to last row with %v added per request", asyncDelay), b.cell("async/lat50", ms), "", "", "database/sql "+b.cell("sql/lat50", ms), b.ratio("async/lat50", "sql/lat50"), "")
	return sb.String()
}

func commas(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// markdown is BENCHMARKS.md: the machine, the command and the table.
func (b *bench) markdown(table string) string {
	var sb strings.Builder
	sb.WriteString("# Benchmarks\n\n")
	sb.WriteString("Generated by `integration/peer/cmd/bench`; do not edit the table by hand.\n\n")
	fmt.Fprintf(&sb, "- Machine: %s, %d cores, %s/%s, %s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(&sb, "- Date: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&sb, "- Rerun: `cd integration/peer && %s` (or `make bench`)\n\n", strings.TrimSpace(b.o.Command))
	sb.WriteString(table)
	sb.WriteString("\n")
	for _, n := range b.notes {
		sb.WriteString("- " + n + "\n")
	}
	sb.WriteString(method)
	return sb.String()
}

func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
