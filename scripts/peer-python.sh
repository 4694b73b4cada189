#!/usr/bin/env bash
# peer-python.sh runs integration/pypeer: Databricks' Python client, the
# databricks-sql-connector, against the emulator.
#
# It installs the pinned connector (with pyarrow) from PyPI into the
# git-ignored .peer-python/ directory of the repository (reused when the
# pinned versions are present), then runs TestPythonConnector with
# PEER_PYTHON and PYTHONPATH set. Fails (never skips) when the install
# fails. Needs Go and python3 (3.9 or later) with pip.
#
# Usage: scripts/peer-python.sh [extra go test flags]
# Environment: CONNECTOR_VERSION, PYARROW_VERSION, PEER_TEST_TIMEOUT, GO,
# PYTHON.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONNECTOR_VERSION=${CONNECTOR_VERSION:-4.9.0}
PYARROW_VERSION=${PYARROW_VERSION:-26.0.1}
PEER_TEST_TIMEOUT=${PEER_TEST_TIMEOUT:-10m}
GO=${GO:-go}
PYTHON=${PYTHON:-python3}
PY_DIR=$ROOT/.peer-python/py

die() { echo "peer-python.sh: $*" >&2; exit 1; }

command -v "$GO" >/dev/null || die "go not found"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found: needed to run the connector"
PYTHON=$(command -v "$PYTHON")

if [ -f "$PY_DIR/databricks_sql_connector-$CONNECTOR_VERSION.dist-info/METADATA" ] &&
	[ -f "$PY_DIR/pyarrow-$PYARROW_VERSION.dist-info/METADATA" ]; then
	echo "peer-python.sh: reusing databricks-sql-connector $CONNECTOR_VERSION in $PY_DIR"
else
	echo "peer-python.sh: installing databricks-sql-connector==$CONNECTOR_VERSION, pyarrow==$PYARROW_VERSION into $PY_DIR"
	mkdir -p "$ROOT/.peer-python"
	tmp="$ROOT/.peer-python/py.tmp.$$"
	rm -rf "$tmp"
	if ! "$PYTHON" -m pip install --quiet --no-cache-dir --disable-pip-version-check --target "$tmp" \
		"databricks-sql-connector[pyarrow]==$CONNECTOR_VERSION" "pyarrow==$PYARROW_VERSION"; then
		rm -rf "$tmp"
		die "pip install databricks-sql-connector==$CONNECTOR_VERSION failed"
	fi
	rm -rf "$PY_DIR"
	mv "$tmp" "$PY_DIR"
fi
PYTHONPATH=$PY_DIR "$PYTHON" -c "import databricks.sql, pyarrow" ||
	die "the installed connector does not import"

cd "$ROOT/integration"
PEER_PYTHON=$PYTHON PYTHONPATH=$PY_DIR "$GO" test -count=1 -timeout "$PEER_TEST_TIMEOUT" \
	-run '^TestPythonConnector$' -v "$@" ./pypeer
