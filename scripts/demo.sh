#!/usr/bin/env bash
# The async package's job, shown on the warehouse in DATABRICKS_DSN (make demo
# runs it inside the embedded emulator): a submitter process starts a slow
# query and saves its token, and is killed with SIGKILL; a second process
# resumes from the token, waits and prints the rows; then the sync quickstart.
set -euo pipefail
GO="${GO:-go}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
token="$dir/exec.token"
"$GO" build -o "$dir/async" ./examples/async

"$dir/async" submit -token "$token" -wait 1h >"$dir/submit.log" 2>&1 &
submitter=$!
for _ in $(seq 600); do
	[ -s "$token" ] && break
	sleep 0.05
done
if [ ! -s "$token" ]; then
	cat "$dir/submit.log" >&2
	echo "demo: the submitter saved no token" >&2
	exit 1
fi
echo "1. submitter (pid $submitter) started a 10 s query and saved its token ($(wc -c <"$token") bytes)"
{ kill -KILL "$submitter" && wait "$submitter"; } 2>/dev/null || true
echo "2. submitter killed with SIGKILL while the query runs"
echo "3. a new process resumes from the token, waits and prints the rows:"
"$dir/async" resume -token "$token" | sed 's/^/   /'
echo "4. the sync quickstart:"
"$GO" run ./examples/quickstart | sed 's/^/   /'
