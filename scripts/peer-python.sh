#!/usr/bin/env bash
# peer-python.sh runs integration/pypeer: Databricks' Python clients against
# the emulator, the databricks-sql-connector (over Thrift, and over the
# Statement Execution API with use_sea=True) and the databricks-sdk (its
# Statement Execution API client, REST).
#
# It installs the pinned connector (with pyarrow) and the pinned SDK from
# PyPI into the git-ignored .peer-python/ directory of the repository (py/
# and sdk/, reused when the pinned versions are present), then runs
# TestPythonConnector, TestPythonSEA and TestPythonSDK with PEER_PYTHON,
# PYTHONPATH and PEER_SDK_PATH (sdk/ then py/, for pyarrow) set. Fails (never skips) when
# an install fails. Needs Go and python3 (3.9 or later) with pip.
#
# Usage: scripts/peer-python.sh [extra go test flags]
# Environment: CONNECTOR_VERSION, PYARROW_VERSION, SDK_VERSION,
# PEER_TEST_TIMEOUT, GO, PYTHON.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONNECTOR_VERSION=${CONNECTOR_VERSION:-4.9.0}
PYARROW_VERSION=${PYARROW_VERSION:-26.0.1}
SDK_VERSION=${SDK_VERSION:-0.162.0}
PEER_TEST_TIMEOUT=${PEER_TEST_TIMEOUT:-10m}
GO=${GO:-go}
PYTHON=${PYTHON:-python3}
PY_DIR=$ROOT/.peer-python/py
SDK_DIR=$ROOT/.peer-python/sdk

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

if [ -f "$SDK_DIR/databricks_sdk-$SDK_VERSION.dist-info/METADATA" ]; then
	echo "peer-python.sh: reusing databricks-sdk $SDK_VERSION in $SDK_DIR"
else
	echo "peer-python.sh: installing databricks-sdk==$SDK_VERSION into $SDK_DIR"
	tmp="$ROOT/.peer-python/sdk.tmp.$$"
	rm -rf "$tmp"
	if ! "$PYTHON" -m pip install --quiet --no-cache-dir --disable-pip-version-check --target "$tmp" \
		"databricks-sdk==$SDK_VERSION"; then
		rm -rf "$tmp"
		die "pip install databricks-sdk==$SDK_VERSION failed"
	fi
	rm -rf "$SDK_DIR"
	mv "$tmp" "$SDK_DIR"
fi
PYTHONPATH=$SDK_DIR:$PY_DIR "$PYTHON" -c "import databricks.sdk, pyarrow" ||
	die "the installed SDK does not import"

cd "$ROOT/integration"
PEER_PYTHON=$PYTHON PYTHONPATH=$PY_DIR PEER_SDK_PATH=$SDK_DIR:$PY_DIR "$GO" test -count=1 -timeout "$PEER_TEST_TIMEOUT" \
	-run '^(TestPythonConnector|TestPythonSEA|TestPythonSDK)$' -v "$@" ./pypeer
