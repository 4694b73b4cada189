#!/usr/bin/env bash
# fuzz.sh runs every fuzz target of every Go module of the repository for a
# fixed budget each (FUZZTIME, default 60s), one after the other.
#
# A crasher is written by go test into the package's testdata/fuzz/<Fuzzer>/
# directory, where it becomes a regression case of the plain test run:
# commit it with the fix. The inputs the fuzzer found interesting (its cache
# corpus) are copied next to the seeds, at most FUZZ_KEEP (default 20) new
# ones per target, so that the committed corpora grow with each run.
#
# Usage: scripts/fuzz.sh [regexp of fuzzer names]
# Environment: FUZZTIME, FUZZ_KEEP, FUZZ_PARALLEL (workers, default 2), GO.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-60s}
FUZZ_KEEP=${FUZZ_KEEP:-20}
FUZZ_PARALLEL=${FUZZ_PARALLEL:-2}
ONLY=${1:-.}
CACHE=$($GO env GOCACHE)/fuzz
failed=()
ran=0

for mod in . integration integration/peer; do
	[ -f "$ROOT/$mod/go.mod" ] || continue
	cd "$ROOT/$mod" || exit 1
	# Packages of this module with fuzz targets, and their targets.
	while read -r pkg dir; do
		for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort -u); do
			[[ $f =~ $ONLY ]] || continue
			echo "== $pkg $f ($FUZZTIME)"
			ran=$((ran + 1))
			if ! $GO test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" -parallel "$FUZZ_PARALLEL" "$pkg"; then
				failed+=("$pkg $f")
			fi
			src=$CACHE/$pkg/$f
			dst=$dir/testdata/fuzz/$f
			if [ -d "$src" ]; then
				mkdir -p "$dst"
				n=0
				for c in $(ls -t "$src"); do
					[ -e "$dst/$c" ] && continue
					[ "$n" -ge "$FUZZ_KEEP" ] && break
					cp "$src/$c" "$dst/$c"
					n=$((n + 1))
				done
				echo "   $n new corpus entries in ${dst#"$ROOT"/}"
			fi
		done
	done < <($GO list -f '{{if .TestGoFiles}}{{.ImportPath}} {{.Dir}}{{end}}' ./... | while read -r p d; do
		grep -qs '^func Fuzz' "$d"/*_test.go && echo "$p $d"
	done)
done

echo "== $ran fuzz targets, ${#failed[@]} failed"
for f in "${failed[@]}"; do
	echo "FAIL $f"
done
[ "${#failed[@]}" -eq 0 ]
