#!/usr/bin/env bash
# spark.sh runs the integration/spark suite against a real Apache Spark Thrift
# server (HiveThriftServer2) in HTTP mode.
#
# It installs Spark from the PyPI pyspark package into the git-ignored .spark/
# directory of the repository (reused when the pinned version is present),
# starts the Thrift server on a free loopback port with a small heap, waits
# until it accepts sessions (integration/spark/cmd/sparkprobe), runs the Go
# tests with SPARK_DSN set, and always stops the server, also on failure or
# interrupt. Needs Go, Java 17+ and python3 with pip; fails loudly when Spark
# cannot be installed or started.
#
# The pin is pyspark 4.0.5: it runs on Java 17 and, unlike 3.5.x, reports the
# SQLSTATE of errors raised inside tasks (3.5 wraps them in a "Job aborted"
# error without one).
#
# Usage: scripts/spark.sh [extra go test flags]
# Environment: PYSPARK_VERSION, SPARK_DRIVER_MEMORY, SPARK_START_TIMEOUT,
# SPARK_TEST_TIMEOUT, GO, PYTHON.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYSPARK_VERSION=${PYSPARK_VERSION:-4.0.5}
SPARK_DRIVER_MEMORY=${SPARK_DRIVER_MEMORY:-768m}
SPARK_START_TIMEOUT=${SPARK_START_TIMEOUT:-180s}
SPARK_TEST_TIMEOUT=${SPARK_TEST_TIMEOUT:-20m}
GO=${GO:-go}
PYTHON=${PYTHON:-python3}
HTTP_PATH=sql/spark/cliservice
SPARK_DIR=$ROOT/.spark
PY_DIR=$SPARK_DIR/py
RUN_DIR=$SPARK_DIR/run
LOG=$RUN_DIR/thriftserver.log

die() { echo "spark.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

command -v java >/dev/null || die "java not found: Spark 4 needs Java 17 or later on PATH"
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
[ "${java_major:-0}" -ge 17 ] || die "Spark 4 needs Java 17 or later, found: $(java -version 2>&1 | head -n 1)"
command -v "$GO" >/dev/null || die "go not found"

# --- install -----------------------------------------------------------------
t0=$(now)
if [ -f "$PY_DIR/pyspark-$PYSPARK_VERSION.dist-info/METADATA" ] && [ -x "$PY_DIR/pyspark/bin/spark-submit" ]; then
	echo "spark.sh: reusing pyspark $PYSPARK_VERSION in $PY_DIR"
else
	command -v "$PYTHON" >/dev/null || die "$PYTHON not found: needed to install pyspark from PyPI"
	echo "spark.sh: installing pyspark==$PYSPARK_VERSION into $PY_DIR"
	mkdir -p "$SPARK_DIR"
	tmp="$SPARK_DIR/py.tmp.$$"
	rm -rf "$tmp"
	if ! "$PYTHON" -m pip install --quiet --no-cache-dir --disable-pip-version-check \
		--target "$tmp" "pyspark==$PYSPARK_VERSION"; then
		rm -rf "$tmp"
		die "pip install pyspark==$PYSPARK_VERSION failed"
	fi
	rm -rf "$PY_DIR"
	mv "$tmp" "$PY_DIR"
fi
export SPARK_HOME=$PY_DIR/pyspark
[ -x "$SPARK_HOME/bin/spark-submit" ] || die "no spark-submit in $SPARK_HOME"
ls "$SPARK_HOME"/jars/spark-hive-thriftserver_*.jar >/dev/null 2>&1 ||
	die "pyspark $PYSPARK_VERSION has no spark-hive-thriftserver jar"
echo "spark.sh: install/check took $(since "$t0")"

# --- probe -------------------------------------------------------------------
mkdir -p "$SPARK_DIR/bin" "$RUN_DIR"
(cd "$ROOT/integration" && "$GO" build -o "$SPARK_DIR/bin/sparkprobe" ./spark/cmd/sparkprobe) ||
	die "building sparkprobe failed"
PROBE=$SPARK_DIR/bin/sparkprobe
PORT=$("$PROBE" -free-port) || die "no free port"

# --- server ------------------------------------------------------------------
SERVER_PID=
TEST_PID=
stop_server() {
	if [ -n "$TEST_PID" ]; then
		kill -TERM -- "-$TEST_PID" 2>/dev/null || kill -TERM "$TEST_PID" 2>/dev/null || true
		wait "$TEST_PID" 2>/dev/null || true
		TEST_PID=
	fi
	[ -n "$SERVER_PID" ] || return 0
	local pid=$SERVER_PID
	SERVER_PID=
	# The server runs in its own session and process group (setsid): signal
	# the whole group so the JVM and anything it started go away.
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 40); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "spark.sh: server did not stop on SIGTERM, killing it" >&2
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	echo "spark.sh: server stopped"
}
trap 'stop_server' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export SPARK_LOCAL_IP=127.0.0.1
mkdir -p "$RUN_DIR/local" "$RUN_DIR/tmp"
t1=$(now)
(
	cd "$RUN_DIR"
	exec setsid "$SPARK_HOME/bin/spark-submit" \
		--class org.apache.spark.sql.hive.thriftserver.HiveThriftServer2 \
		--name asyncsql-spark-test \
		--master 'local[2]' \
		--driver-memory "$SPARK_DRIVER_MEMORY" \
		--driver-java-options "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.io.tmpdir=$RUN_DIR/tmp" \
		--conf spark.ui.enabled=false \
		--conf spark.sql.catalogImplementation=in-memory \
		--conf spark.sql.warehouse.dir="$RUN_DIR/warehouse" \
		--conf spark.local.dir="$RUN_DIR/local" \
		--conf spark.sql.shuffle.partitions=2 \
		--conf spark.sql.session.timeZone=UTC \
		--conf spark.driver.host=127.0.0.1 \
		--conf spark.driver.bindAddress=127.0.0.1 \
		--hiveconf hive.server2.transport.mode=http \
		--hiveconf hive.server2.thrift.http.port="$PORT" \
		--hiveconf hive.server2.thrift.http.path="$HTTP_PATH" \
		--hiveconf hive.server2.authentication=NONE
) >"$LOG" 2>&1 &
SERVER_PID=$!
echo "spark.sh: started HiveThriftServer2 (pid $SERVER_PID, port $PORT, log $LOG)"

# Compile the suite while the JVM starts; the test run reuses the build.
(cd "$ROOT/integration" && "$GO" test -race -count=1 -run '^$' ./spark/... >/dev/null) ||
	die "building the Spark suite failed"
echo "spark.sh: suite built after $(since "$t1")"

if ! "$PROBE" -url "http://127.0.0.1:$PORT/$HTTP_PATH" -pid "$SERVER_PID" -timeout "$SPARK_START_TIMEOUT"; then
	echo "spark.sh: server log tail:" >&2
	tail -n 40 "$LOG" >&2 || true
	die "Spark Thrift server did not accept sessions"
fi
echo "spark.sh: server ready after $(since "$t1")"

# --- suite -------------------------------------------------------------------
export SPARK_DSN="spark:spark@127.0.0.1:$PORT/$HTTP_PATH?protocol=http"
export SPARK_THRIFT_URL="http://127.0.0.1:$PORT/$HTTP_PATH"
t2=$(now)
rc=0
# In the background and in its own process group, like the server: a signal
# to this script interrupts `wait` at once, and the trap stops the tests (and
# any child process they started) as a group before it stops the server.
(cd "$ROOT/integration" && exec setsid "$GO" test -race -count=1 -timeout "$SPARK_TEST_TIMEOUT" "$@" ./spark/...) &
TEST_PID=$!
wait "$TEST_PID" || rc=$?
TEST_PID=
echo "spark.sh: suite took $(since "$t2") (exit $rc)"
exit "$rc"
