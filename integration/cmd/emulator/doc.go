// Command emulator runs a local Databricks SQL warehouse emulator (package
// github.com/asyncsql/databricks/integration/emulator, SQL dialect DuckDB).
//
// Standalone, it prints the DSN and the environment lines and serves until
// interrupted:
//
//	emulator [flags]
//
// Around a child process, it starts the emulator, runs the command with
// DATABRICKS_HOST (127.0.0.1:port), DATABRICKS_HTTP_PATH, DATABRICKS_TOKEN and
// DATABRICKS_DSN set, and exits with the child's status:
//
//	emulator [flags] -- go run ./examples/basic
//
// Every serving mode of the package's options has a flag:
//
//	-addr 127.0.0.1:0        listen address
//	-token T                 access token accepted (default: random)
//	-warehouse-id ID         warehouse ID of /sql/1.0/warehouses/<ID> (default: random)
//	-db file.duckdb          DuckDB database file (default: in memory)
//	-hold 5s                 direct-results hold and status long-poll hold
//	-direct-hold D           direct-results hold of ExecuteStatement alone
//	-status-hold D           long-poll hold of GetOperationStatus alone
//	-idle-eviction 20m       evict operations nobody polls or fetches for this long
//	-max-protocol spark-v8   highest protocol version (spark-v1..v9, hive-v1..v11,
//	                         a TProtocolVersion name or number); a Hive version
//	                         serves like Apache Spark's Thrift server
//	-page-rows 100000        largest FetchResults page
//	-batch-rows 10000        rows of one Arrow batch
//	-max-body-bytes 67108864 largest request body (HTTP 413 above)
//	-v                       log requests and operation events to stderr
//
// Result links (CloudFetch), off unless -link-threshold is given:
//
//	-link-threshold N        Arrow results of more than N rows are served as links
//	-link-file-rows 50000    rows of one file
//	-link-lifetime 15m       how long a link stays valid
//	-link-latency D          delay of every download
//	-link-bandwidth B        bytes per second of each download (0: unlimited)
//	-link-pad-rows N         extra rows in every file beyond the link's rowCount
//	-link-stale-names        files carry column names other than the metadata's
//	-link-bytes-num N        bytesNum of every link instead of the file's size (negative: 0)
//	-link-url-base URL       links point at URL/files/<id> instead of the emulator
//
// The Statement Execution API (REST, /api/2.0/sql/statements on the same
// port):
//
//	-rest-chunk-rows 50000   rows of one result chunk
//	-rest-inline-limit N     largest INLINE result in bytes (25 MiB)
//	-rest-hybrid-limit N     largest INLINE_OR_EXTERNAL_LINKS result answered inline (1 MiB)
//	-rest-retention 15m      close statements nobody polls or fetches for this long
//	-rest-result-lifetime 1h close statements whose result is older than this
//	-rest-no-hybrid          refuse disposition INLINE_OR_EXTERNAL_LINKS (HTTP 400)
//
// Fault injection, repeatable, tried in order (see emulator.Fault and
// emulator.ParseFault), for Thrift and REST calls (method=rest.submit,
// rest.status, rest.chunk, rest.cancel, rest.close) and result-file
// downloads alike:
//
//	-fault method=ExecuteStatement,times=2,status=503,retry-after=1s
//	-fault method=FetchResults,skip=1,drop-response
//	-fault method=download,every=7,status=503,times=-1
//	-fault rate=0.1,seed=7,times=-1,truncate
//	-fault latency=200ms,jitter=100ms,times=-1
//
// Fields: method=NAME (a Thrift method, or download; default every Thrift
// call), skip=N, every=N, rate=F, seed=N, times=N (-1: no limit),
// latency=D, jitter=D, and at most one of status=CODE (with retry-after=D),
// drop, drop-response, truncate, content-length=N.
//
// Scripted statements, repeatable (see emulator.Script and
// emulator.ParseScript): statements matching a regular expression show the
// given states for that many status polls, then end as told:
//
//	-script 'match=^SELECT .* FROM report;steps=pending:2,running:3;end=error;sqlstate=42P01;class=TABLE_OR_VIEW_NOT_FOUND;message=no report'
//
// Fields, separated by ";": match=REGEXP, steps=STATE:POLLS,..., end=finished,
// error, canceled or timedout, sqlstate=S, message=TEXT, class=ERROR_CLASS,
// times=N.
package main
