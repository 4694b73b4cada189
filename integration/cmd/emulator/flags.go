package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
)

// errSyntax marks a command line the flag package rejected (and reported).
var errSyntax = errors.New("bad command line")

// parseArgs turns the command line into emulator options and the child
// command after "--" (nil when there is none). Logs, when asked for, go to
// logTo.
func parseArgs(args []string, stderr, logTo io.Writer) ([]emulator.Option, []string, error) {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: emulator [flags] [-- command args...]")
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	token := fs.String("token", "", "access token to accept (default: random)")
	warehouse := fs.String("warehouse-id", "", "warehouse ID of the HTTP path /sql/1.0/warehouses/<id> (default: random)")
	db := fs.String("db", "", "DuckDB database file (default: in memory)")
	hold := fs.Duration("hold", 5*time.Second, "direct-results and status long-poll hold (both)")
	directHold := fs.Duration("direct-hold", -1, "direct-results hold of ExecuteStatement (default: -hold)")
	statusHold := fs.Duration("status-hold", -1, "long-poll hold of GetOperationStatus (default: -hold)")
	idle := fs.Duration("idle-eviction", 20*time.Minute, "evict operations nobody polls or fetches for this long")
	proto := fs.String("max-protocol", "spark-v8", "highest protocol version negotiated: spark-v1..spark-v9, hive-v1..hive-v11, a TProtocolVersion name or a number")
	pageRows := fs.Int64("page-rows", 100000, "largest number of rows of one FetchResults page")
	batchRows := fs.Int("batch-rows", 10000, "rows of one Arrow batch")
	maxBody := fs.Int64("max-body-bytes", 64<<20, "largest request body accepted (HTTP 413 above)")
	volumes := fs.String("volumes", "", "directory of the Unity Catalog volumes staging statements (PUT, GET, REMOVE) use (default: a temporary directory)")
	verbose := fs.Bool("v", false, "log requests and operation events to stderr")

	linkThreshold := fs.Int64("link-threshold", -1, "serve Arrow results of more than this many rows as result links (CloudFetch); negative: never")
	var lo emulator.LinkOptions
	fs.IntVar(&lo.FileRows, "link-file-rows", 50000, "rows of one result-link file")
	fs.DurationVar(&lo.Lifetime, "link-lifetime", 15*time.Minute, "how long a result link stays valid")
	fs.DurationVar(&lo.Latency, "link-latency", 0, "delay before every download")
	fs.Int64Var(&lo.BytesPerSecond, "link-bandwidth", 0, "bytes per second of each download (0: unlimited)")
	fs.IntVar(&lo.PadRows, "link-pad-rows", 0, "extra rows appended to every file beyond the link's rowCount")
	fs.BoolVar(&lo.StaleNames, "link-stale-names", false, "files carry column names that differ from the result's metadata")
	fs.StringVar(&lo.URLBase, "link-url-base", "", `base URL of the links in place of the emulator's "http://host:port" (a proxy, say)`)
	fs.Int64Var(&lo.BytesNum, "link-bytes-num", 0, "bytesNum every link announces instead of the file's size (negative: 0, unknown; 0: the size)")

	var ro emulator.RESTOptions
	fs.IntVar(&ro.ChunkRows, "rest-chunk-rows", 50000, "rows of one result chunk of the Statement Execution API")
	fs.Int64Var(&ro.InlineLimit, "rest-inline-limit", 25<<20, "largest INLINE result of the Statement Execution API, in bytes")
	fs.Int64Var(&ro.HybridInlineLimit, "rest-hybrid-limit", 1<<20, "largest INLINE_OR_EXTERNAL_LINKS result answered inline, in bytes")
	fs.DurationVar(&ro.Retention, "rest-retention", 15*time.Minute, "close REST statements nobody polls or fetches for this long")
	fs.DurationVar(&ro.ResultLifetime, "rest-result-lifetime", time.Hour, "close REST statements whose result is older than this")
	fs.BoolVar(&ro.NoHybrid, "rest-no-hybrid", false, "refuse disposition INLINE_OR_EXTERNAL_LINKS (HTTP 400), as a warehouse that does not offer it")

	var faults []emulator.Fault
	fs.Func("fault", "fault rule, repeatable, tried in order: comma-separated method=M (a Thrift method, rest.submit, rest.status, rest.chunk, rest.cancel, rest.close, download or staging), skip=N, every=N, rate=F, seed=N, times=N (-1: no limit), latency=D, jitter=D, status=CODE, retry-after=D, drop, drop-response, truncate, content-length=N", func(s string) error {
		f, err := emulator.ParseFault(s)
		if err != nil {
			return err
		}
		faults = append(faults, f)
		return nil
	})
	var scripts []emulator.Script
	fs.Func("script", "scripted statements, repeatable: ;-separated match=REGEXP, steps=pending:N,running:N, end=finished|error|canceled|timedout, sqlstate=S, message=TEXT, class=ERROR_CLASS, times=N", func(s string) error {
		sc, err := emulator.ParseScript(s)
		if err != nil {
			return err
		}
		scripts = append(scripts, sc)
		return nil
	})

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%w: %w", errSyntax, err)
	}
	version, err := emulator.ParseProtocol(*proto)
	if err != nil {
		return nil, nil, fmt.Errorf("-max-protocol: %w", err)
	}
	switch {
	case *idle <= 0:
		return nil, nil, errors.New("-idle-eviction must be positive")
	case *pageRows <= 0:
		return nil, nil, errors.New("-page-rows must be positive")
	case *batchRows <= 0:
		return nil, nil, errors.New("-batch-rows must be positive")
	case *maxBody <= 0:
		return nil, nil, errors.New("-max-body-bytes must be positive")
	case ro.ChunkRows <= 0 || ro.InlineLimit <= 0 || ro.HybridInlineLimit <= 0 || ro.Retention <= 0 || ro.ResultLifetime <= 0:
		return nil, nil, errors.New("-rest-chunk-rows, -rest-inline-limit, -rest-hybrid-limit, -rest-retention and -rest-result-lifetime must be positive")
	case *hold < 0:
		return nil, nil, errors.New("-hold must not be negative")
	}
	if *directHold < 0 {
		*directHold = *hold
	}
	if *statusHold < 0 {
		*statusHold = *hold
	}
	opts := []emulator.Option{
		emulator.WithAddr(*addr),
		emulator.WithToken(*token),
		emulator.WithWarehouseID(*warehouse),
		emulator.WithDatabase(*db),
		emulator.WithDirectResultsHold(*directHold),
		emulator.WithStatusHold(*statusHold),
		emulator.WithIdleEviction(*idle),
		emulator.WithMaxProtocol(version),
		emulator.WithMaxPageRows(*pageRows),
		emulator.WithBatchRows(*batchRows),
		emulator.WithMaxBodyBytes(*maxBody),
		emulator.WithREST(ro),
		emulator.WithVolumes(*volumes),
	}
	if *linkThreshold >= 0 {
		lo.ThresholdRows = *linkThreshold
		opts = append(opts, emulator.WithLinks(lo))
	}
	if len(faults) > 0 {
		opts = append(opts, emulator.WithFaults(faults...))
	}
	if len(scripts) > 0 {
		opts = append(opts, emulator.WithScript(scripts...))
	}
	if *verbose {
		opts = append(opts, emulator.WithLogger(slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	return opts, fs.Args(), nil
}
