# Every target runs from a fresh clone; none needs anything installed by hand
# beyond Go (and Java for spark-test).

GO      ?= go
# Every Go module of the repository; each is vetted and tested on its own.
MODULES := . integration integration/peer

.PHONY: all test vet demo thrift spark-test peer-python bench bench-smoke fuzz chaos

all: test

# test vets and tests every module with the race detector, the end-to-end
# suites again on the REST backend (DATABRICKS_TEST_BACKEND=rest), then
# arrowbatch again with the purego build tag (plain boxing instead of the
# interface words written through unsafe).
test: vet
	@set -e; for m in $(MODULES); do \
		[ -f $$m/go.mod ] || continue; \
		echo "== go test -race $$m"; \
		(cd $$m && $(GO) test -race -count=1 -timeout 20m ./...); \
	done
	@echo "== go test -race integration/e2e integration/asynctest on the REST backend"
	@cd integration && DATABRICKS_TEST_BACKEND=rest $(GO) test -race -count=1 -timeout 20m ./e2e ./asynctest
	@echo "== go test -race -tags purego ./arrowbatch/..."
	@$(GO) test -race -count=1 -timeout 10m -tags purego ./arrowbatch/...

vet:
	@set -e; for m in $(MODULES); do \
		[ -f $$m/go.mod ] || continue; \
		echo "== go vet $$m"; \
		(cd $$m && $(GO) vet ./...); \
	done
	@echo "== go vet -tags purego ./arrowbatch/..."
	@$(GO) vet -tags purego ./arrowbatch/...

# demo starts an embedded emulator (DuckDB behind our protocol) and runs
# scripts/demo.sh against it: a submitter process starts a 10 s query, saves
# its token and is killed with SIGKILL; a second process resumes from the
# token and prints the rows; then examples/quickstart. With DATABRICKS_HOST,
# DATABRICKS_HTTP_PATH and DATABRICKS_TOKEN set, the quickstart runs against
# that warehouse instead (the slow query uses the emulator's sleep_ms).
demo:
	@if [ -n "$${DATABRICKS_HOST:-}" ]; then \
		$(GO) run ./examples/quickstart; \
	else \
		(cd integration && $(GO) build -o bin/emulator ./cmd/emulator) && \
		integration/bin/emulator -- env GO="$(GO)" ./scripts/demo.sh; \
	fi

# spark-test runs integration/spark against Apache Spark's Thrift server
# (HiveThriftServer2, HTTP mode): pyspark 4.0.5 from PyPI, installed once into
# the git-ignored .spark/ directory. Needs Java 17+ and python3 with pip; fails
# (never skips) when Spark cannot be installed or started.
spark-test:
	GO="$(GO)" ./scripts/spark.sh

# peer-python runs integration/pypeer: Databricks' Python clients
# (databricks-sql-connector 4.9.0 over Thrift and over REST with use_sea=True,
# and databricks-sdk 0.162.0's Statement Execution API client over REST,
# from PyPI, installed once into
# the git-ignored .peer-python/ directory) against the emulator. Needs
# python3 with pip; fails (never skips) when a client cannot be installed.
peer-python:
	GO="$(GO)" ./scripts/peer-python.sh

# thrift regenerates thrift/tcli from thrift/tcliservice.thrift with Debian's
# thrift-compiler (0.17.0), installing the compiler first when it is missing.
thrift:
	@command -v thrift >/dev/null || (apt-get update -qq && apt-get install -y -qq thrift-compiler)
	rm -rf thrift/.gen && mkdir -p thrift/.gen
	thrift --gen go:package_prefix=github.com/asyncsql/databricks/thrift/,skip_remote -out thrift/.gen thrift/tcliservice.thrift
	find thrift/tcli -name '*.go' ! -name doc.go -delete
	cp thrift/.gen/tcli/*.go thrift/tcli/
	rm -rf thrift/.gen
	gofmt -w thrift/tcli

# bench runs the side-by-side benchmark against the official driver
# (integration/peer/cmd/bench), rewrites BENCHMARKS.md, then the decode
# micro-benchmarks (with the result scheduler's two listers side by side,
# BenchmarkFileSources), the heap a 2,000,000-row read through faulty result
# links adds and that of 200 MB staging PUTs and GETs (integration/e2e; the
# official driver's for the same transfers in integration/peer).
# bench-smoke is its tiny-size run for CI (under a minute).
bench:
	cd integration/peer && $(GO) run ./cmd/bench -out ../../BENCHMARKS.md
	$(GO) test -run '^$$' -bench . -benchmem ./arrowbatch ./driver ./internal/results
	cd integration && $(GO) test -run '^$$' -bench 'BenchmarkLinksHeap|BenchmarkStagingHeap' -benchtime 3x ./e2e
	cd integration/peer && $(GO) test -run '^$$' -bench BenchmarkStagingHeapOfficial -benchtime 3x .

bench-smoke:
	cd integration/peer && $(GO) run ./cmd/bench -smoke -out ''

# fuzz runs every fuzz target of the repository for FUZZTIME (default 60s)
# each, one after the other, keeping new
# corpus entries under each package's testdata/fuzz. A crasher fails the
# target and stays in testdata/fuzz as a regression case. The seed corpora
# run in every plain `go test`, so in `make test` and CI.
fuzz:
	GO="$(GO)" FUZZTIME="$(or $(FUZZTIME),60s)" ./scripts/fuzz.sh

# chaos runs the fault-injection trials at full size (integration/cmd/chaos:
# 20 scans of 1,000,000 rows through pages and through result links at 10%
# and 30% fault rates, INSERTs, readers giving up mid-fetch) and prints the
# numbers; about 5 minutes. A bounded version runs in `make test`
# (integration/chaos). CHAOS_FLAGS passes flags, e.g. CHAOS_FLAGS="-seed 2 -v".
chaos:
	cd integration && $(GO) run ./cmd/chaos $(CHAOS_FLAGS)
