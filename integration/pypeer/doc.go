// Package pypeer runs Databricks' own Python client, the
// databricks-sql-connector, against the emulator: test_connector.py checks
// every type (nested ones with and without native complex types), named and
// positional parameters of every type, a 1,000,000-row result inline and as
// result links, execute_async, cancel, errors with their class and SQLSTATE,
// DML row counts and Volumes staging (PUT from a file and from
// __input_stream__, GET, REMOVE, a local path outside the allowed one).
//
// TestPythonConnector starts the emulator, runs the script with the Python
// interpreter named by PEER_PYTHON (the connector importable from it, e.g.
// through PYTHONPATH) and checks what the emulator saw: result links served,
// no session left open. Without PEER_PYTHON the test is skipped; `make
// peer-python` installs the pinned connector into .peer-python/ and runs it.
//
// test_sea.py runs the same connector in its Statement Execution API mode
// (use_sea=True): a session created at connect with catalog, schema and
// configuration (QUERY_TAGS, STATEMENT_TIMEOUT) that its statements run
// with, named parameters, results of several chunks as external links
// (with and without LZ4), hybrid and inline JSON, execute_async, cancel,
// errors with their class and SQLSTATE, and close. TestPythonSEA checks
// what the emulator saw (sessions created and deleted, the links
// downloaded, the session's query tags); it needs PEER_PYTHON like
// TestPythonConnector.
//
// test_sdk.py runs Databricks' Python SDK (databricks-sdk, its
// statement_execution client) against the emulator's Statement Execution
// API: submit with and without waiting, polling, chunks inline and as
// external links (Arrow and JSON) fetched in any order, cancel, cancel on
// wait timeout, close, a failed statement, parameters, query tags,
// row_limit and the API's error replies. TestPythonSDK checks what the
// emulator saw (every REST call, the links downloaded, the query tags); it
// needs PEER_SDK_PATH, the PYTHONPATH holding the SDK and pyarrow, and is
// skipped without it.
//
// The three scripts import peerlib.py (the connection-per-class test base,
// with the connector scripts' execute_async, cancel and SQLSTATE checks, and
// the runner that prints the "N passed, N failed" summary); runScript puts
// this directory first on the scripts' PYTHONPATH.
package pypeer
