package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	_ "github.com/asyncsql/databricks/driver" // registers "databricks"
	"github.com/asyncsql/databricks/integration/chaos"
)

// childDSN, in the environment, makes the command a child that runs one
// scan against a hostile emulator and reports its own peak RSS.
const childDSN = "CHAOS_CHILD_DSN"

func main() {
	if dsn := os.Getenv(childDSN); dsn != "" {
		child(dsn)
		return
	}
	hostile := flag.Bool("hostile", true, "also run scans through replies that lie about sizes, each in a child process, and report its peak RSS")
	scans := flag.Int("scans", 20, "scans per mode and fault rate")
	rows := flag.Int64("rows", 1000000, "rows per scan")
	rates := flag.String("rates", "0.1,0.3", "fault rates, comma-separated")
	seed := flag.Uint64("seed", 1, "fault seed")
	inserts := flag.Int("inserts", 200, "INSERTs per fault rate")
	resumes := flag.Int("resumes", 5, "give-up-and-resume trials per fault rate")
	asyncs := flag.Int("async", 10, "scans through package async per fault rate")
	delay := flag.Float64("delay-scale", 1, "scale of the 0.5-3 s delays")
	verbose := flag.Bool("v", false, "print every failure")
	flag.Parse()
	ok := true
	if *hostile && !hostileTrials(*seed) {
		ok = false
	}
	for _, r := range strings.Split(*rates, ",") {
		rate, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "chaos: bad rate:", r)
			os.Exit(2)
		}
		if !run(rate, *seed, *scans, *rows, *inserts, *resumes, *asyncs, *delay, *verbose) {
			ok = false
		}
	}
	if !ok {
		os.Exit(1)
	}
}

// run runs the trials of one fault rate and prints them; false when a
// silent corruption, a duplicated or lost write was seen.
func run(rate float64, seed uint64, scans int, rows int64, inserts, resumes, asyncs int, delay float64, verbose bool) bool {
	env, err := chaos.Start(chaos.Config{Seed: seed, Rate: rate, DelayScale: delay}, 100000)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	defer env.Close()
	ctx := context.Background()
	clean := true
	fmt.Printf("== fault rate %.0f%% (seed %d)\n", 100*rate, seed)
	for _, mode := range []struct {
		name   string
		params url.Values
	}{
		{"pages", url.Values{"useCloudFetch": {"false"}, "maxRows": {"100000"}}},
		{"links", nil},
	} {
		db, err := sql.Open("databricks", env.DSN(mode.params))
		if err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			os.Exit(1)
		}
		var n [4]int
		start := time.Now()
		faults := env.Faults()
		for range scans {
			t := env.Scan(ctx, db, rows)
			n[t.Outcome]++
			if t.Outcome != chaos.Exact && verbose {
				fmt.Printf("   %s: %s: %v\n", mode.name, t.Outcome, t.Err)
			}
		}
		db.Close()
		done := n[chaos.Exact] + n[chaos.Unretryable]
		fmt.Printf("%-6s %d scans of %d rows: %d exact (%.0f%%), %d failed where no driver may retry, %d failed otherwise, %d corrupt; exact or unretryable %.0f%%; %d faults injected, %.1fs\n",
			mode.name, scans, rows, n[chaos.Exact], pct(n[chaos.Exact], scans), n[chaos.Unretryable], n[chaos.Failed], n[chaos.Corrupt],
			pct(done, scans), env.Faults()-faults, time.Since(start).Seconds())
		clean = clean && n[chaos.Corrupt] == 0
	}
	db, err := sql.Open("databricks", env.DSN(nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	defer db.Close()
	it, err := env.Inserts(ctx, db, fmt.Sprintf("chaos_ins_%d", int(rate*1000)), inserts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos: inserts:", err)
		os.Exit(1)
	}
	fmt.Printf("insert %d INSERTs: %d acknowledged, %d errors (%d where no driver may retry); %d executed twice, %d acknowledged and lost\n",
		inserts, it.Acked, it.Errors, it.Unretryable, it.Duplicated, it.Lost)
	clean = clean && it.Duplicated == 0 && it.Lost == 0
	var rn [4]int
	for range resumes {
		t := env.GiveUpAndResume(ctx, db, rows/10)
		rn[t.Outcome]++
		if t.Outcome != chaos.Exact && verbose {
			fmt.Printf("   resume: %s: %v\n", t.Outcome, t.Err)
		}
	}
	fmt.Printf("resume %d readers gave up with a fetch in flight, resumed: %d exact, %d failed where no driver may retry, %d failed otherwise, %d corrupt\n",
		resumes, rn[chaos.Exact], rn[chaos.Unretryable], rn[chaos.Failed], rn[chaos.Corrupt])
	var an [4]int
	var resumed, lost int
	for range asyncs {
		t := env.AsyncScan(ctx, env.DSN(url.Values{"useCloudFetch": {"false"}, "maxRows": {"100000"}}), rows)
		an[t.Outcome]++
		if t.Resumed {
			resumed++
		}
		if t.Lost {
			lost++
		}
		if t.Outcome != chaos.Exact && verbose {
			fmt.Printf("   async: %s: %v\n", t.Outcome, t.Err)
		}
	}
	fmt.Printf("async  %d scans of %d rows through package async: %d exact (%d of them after a failed read, resumed from the token), %d failed where no driver may retry, %d failed otherwise, %d corrupt; %d resumable executions lost to a failed read\n",
		asyncs, rows, an[chaos.Exact], resumed, an[chaos.Unretryable], an[chaos.Failed], an[chaos.Corrupt], lost)
	return clean && rn[chaos.Corrupt] == 0 && an[chaos.Corrupt] == 0 && lost == 0
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// hostileTrials runs a 200,000-row scan against each hostile emulator in a
// child process and prints how it ended and the child's peak RSS; false
// when a child read wrong values or peaked at 256 MB or more.
func hostileTrials(seed uint64) bool {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		return false
	}
	ok := true
	fmt.Println("== hostile replies (driver in a child process, 200,000-row scans through result links)")
	for _, h := range []chaos.Hostile{chaos.HugeContentLength, chaos.HugeBytesNum, chaos.HugeFileLength} {
		env, err := chaos.Start(chaos.Config{Seed: seed, Hostile: h}, 50000)
		if err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			return false
		}
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), childDSN+"="+env.DSN(url.Values{"retryBudget": {"20s"}}))
		out, err := cmd.Output()
		env.Close()
		res := strings.TrimSpace(string(out))
		if err != nil {
			res += fmt.Sprintf(" (child: %v)", err)
		}
		fmt.Printf("%-42s %s\n", h.String()+":", res)
		var rss int64
		var outcome string
		fmt.Sscanf(res, "outcome=%s peak_rss_mb=%d", &outcome, &rss)
		if outcome == "" || outcome == "corrupt" || rss >= 256 {
			ok = false
		}
	}
	return ok
}

// child runs one scan through dsn and prints its outcome and peak RSS.
func child(dsn string) {
	db, err := sql.Open("databricks", dsn)
	if err != nil {
		fmt.Println("outcome=failed peak_rss_mb=0 err:", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	t := chaos.Scan(ctx, db, 200000)
	db.Close()
	msg := ""
	if t.Err != nil {
		msg = " err: " + t.Err.Error()
		if len(msg) > 160 {
			msg = msg[:160] + "..."
		}
	}
	fmt.Printf("outcome=%s peak_rss_mb=%d rows=%d%s\n", t.Outcome, peakRSS()>>20, t.Rows, msg)
}

// peakRSS returns the process's peak resident set size in bytes (VmHWM).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return -1
}
