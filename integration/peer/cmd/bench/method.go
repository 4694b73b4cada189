package main

// method is the part of BENCHMARKS.md that explains the table; it does not
// depend on the numbers.
const method = `
## How it is measured

- The emulator (DuckDB behind our protocol) runs in the benchmark's process
  and is seeded with table ` + "`t`" + ` (-rows rows: BIGINT, DOUBLE, a 20-byte
  STRING, DECIMAL(18,2), TIMESTAMP, DATE, BOOLEAN, INT NULL every tenth row)
  and the view ` + "`t10`" + ` (-mem-mult times ` + "`t`" + `). Each driver runs in a child
  process of its own: both register the database/sql name "databricks", and
  a child's allocation counters and heap are its own. The official driver is
  github.com/databricks/databricks-sql-go v1.14.0 with its defaults and
  100,000-row pages (ours: 100,000 too).
- **Scan throughput and allocations** are measured on a replay: each driver's
  HTTP exchange with the emulator for ` + "`SELECT * FROM t`" + ` is recorded once,
  then served back from memory (the next recorded response per Thrift method,
  with the request's sequence id). Live, the emulator builds every Arrow page
  on the same two cores and is a bottleneck for both drivers; a replay
  measures the drivers. Rows/s counts from the first row to
  the last (the first page's wait is time to first row). Allocations are the
  child's runtime.MemStats deltas over the whole query, divided by rows.
- **Ceilings**, same run: (a) arrow-go alone decoding 10,000-row IPC batches
  of the same eight types and reading every value without boxing, and two
  variants of it: plus the work every driver must do with the values, at
  least cost (a copy of each string, so that a value does not pin its
  batch, into reused memory; the exact text of each DECIMAL with strconv
  into a reused buffer; the time.Time of each TIMESTAMP and DATE; no boxing,
  no allocation), and producing a driver.Value per value one by one as a
  straightforward driver would; (b) a
  trivial database/sql driver whose Next copies pre-built values, scanned
  into the same typed variables; (c) 1 / (1/a + 1/b).
- **SELECT 1**: SELECT 1 queries on one open connection; HTTP requests per
  query are the emulator's counters, minus those of a run that only connects
  and closes.
- **Time to first row and peak heap** are live against the emulator (no
  replay). Peak heap is runtime/metrics /memory/classes/heap/objects:bytes
  sampled every 2 ms in the child.
- **Waiting**: SELECT sleep_ms(wait) on four emulators at once (each driver
  with long poll on — status calls held 5 s, as Databricks — and off —
  answered at once, no direct-results hold, like a Spark Thrift server).
  "First row after it finished" is the time from submission to the first row
  minus the sleep; status requests are the emulator's GetOperationStatus
  count, per minute of waiting.
- **Result links** (CloudFetch): an emulator of its own answers the scan of
  -link-rows rows as links to Arrow files of -link-file-rows rows and delays
  every download by 20 ms; the official driver runs with WithCloudFetch(true)
  (its default is off; it asks for uncompressed files), ours with its
  defaults (LZ4 files, 8 downloads at once). As for the scans, each driver's
  Thrift exchange is recorded once and replayed, because the emulator builds
  every file while answering FetchResults and would be the bottleneck; the
  replayed links still point at the emulator, which keeps the files and
  serves every download with the delay. Rows/s counts from the first row to
  the last, and also from the query. "8 files" is 8 times the size of one
  uncompressed file, estimated from the 10,000-row Arrow stream of the
  ceiling scaled to -link-file-rows rows.
- Scan ratios are taken within each round (between measurements seconds
  apart), then summarized like the rest, so drift of the shared machine between
  rounds stays out of them.
- Drivers alternate within each round, in reverse order every other round;
  cells show the median and, with several rounds, (min–max).
`
