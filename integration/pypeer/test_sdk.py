"""Databricks' Python SDK (databricks-sdk) against the emulator's Statement
Execution API.

Run by TestPythonSDK (sdk_test.go), which starts the emulator with result
chunks of CHUNK_ROWS rows and sets DATABRICKS_HOST (http://127.0.0.1:port),
DATABRICKS_TOKEN and DATABRICKS_WAREHOUSE_ID. Prints one line per test and
closes with the summary line "N passed, N failed"; exits 1 when a test
failed.
"""

import io
import os
import time
import unittest

import pyarrow.ipc
import requests

from databricks.sdk import WorkspaceClient
from databricks.sdk import errors
from databricks.sdk.service.sql import (
    Disposition,
    ExecuteStatementRequestOnWaitTimeout,
    Format,
    QueryTag,
    ServiceErrorCode,
    StatementParameterListItem,
    StatementState,
)

import peerlib

HOST = os.environ["DATABRICKS_HOST"]
TOKEN = os.environ["DATABRICKS_TOKEN"]
WAREHOUSE = os.environ["DATABRICKS_WAREHOUSE_ID"]
CHUNK_ROWS = int(os.environ["CHUNK_ROWS"])

w = WorkspaceClient(host=HOST, token=TOKEN, auth_type="pat")
api = w.statement_execution


def execute(statement, **kwargs):
    return api.execute_statement(statement=statement, warehouse_id=WAREHOUSE, **kwargs)


def wait(statement_id, timeout=60):
    """Polls the statement until it is in a terminal state."""
    deadline = time.monotonic() + timeout
    while True:
        resp = api.get_statement(statement_id)
        if resp.status.state not in (StatementState.PENDING, StatementState.RUNNING):
            return resp
        if time.monotonic() > deadline:
            raise AssertionError(f"statement {statement_id} still {resp.status.state}")
        time.sleep(0.05)


def download(link):
    """Downloads an external link as a client must: the listed headers only,
    never the workspace token."""
    r = requests.get(link.external_link, headers=link.http_headers or {}, timeout=60)
    r.raise_for_status()
    return r.content


class StatementExecution(unittest.TestCase):
    def test_inline_json(self):
        resp = execute(
            "SELECT 1::BIGINT AS n, 'x' AS s, NULL::INT AS z, 12.50::DECIMAL(10,2) AS d",
            wait_timeout="10s",
        )
        self.assertEqual(resp.status.state, StatementState.SUCCEEDED)
        m = resp.manifest
        self.assertEqual(m.format, Format.JSON_ARRAY)
        self.assertEqual(m.total_row_count, 1)
        self.assertEqual(m.schema.column_count, 4)
        cols = [(c.name, c.type_text, c.type_name.value, c.position) for c in m.schema.columns]
        self.assertEqual(
            cols,
            [("n", "BIGINT", "LONG", 0), ("s", "STRING", "STRING", 1), ("z", "INT", "INT", 2), ("d", "DECIMAL(10,2)", "DECIMAL", 3)],
        )
        self.assertEqual((m.schema.columns[3].type_precision, m.schema.columns[3].type_scale), (10, 2))
        self.assertEqual(resp.result.data_array, [["1", "x", None, "12.50"]])

    def test_poll(self):
        resp = execute("SELECT sleep_ms(1500) AS s", wait_timeout="0s")
        self.assertIn(resp.status.state, (StatementState.PENDING, StatementState.RUNNING))
        done = wait(resp.statement_id)
        self.assertEqual(done.status.state, StatementState.SUCCEEDED)
        self.assertEqual(done.result.data_array, [["1500"]])

    def test_inline_chunks(self):
        rows = 2 * CHUNK_ROWS + 7
        resp = execute(f"SELECT range AS n FROM range({rows})", wait_timeout="30s")
        self.assertEqual(resp.status.state, StatementState.SUCCEEDED)
        self.assertEqual(resp.manifest.total_chunk_count, 3)
        self.assertEqual([c.row_count for c in resp.manifest.chunks], [CHUNK_ROWS, CHUNK_ROWS, 7])
        chunk, seen = resp.result, []
        while True:
            self.assertEqual(chunk.row_offset, len(seen))
            seen += [int(r[0]) for r in chunk.data_array]
            if chunk.next_chunk_index is None:
                break
            chunk = api.get_statement_result_chunk_n(resp.statement_id, chunk.next_chunk_index)
        self.assertEqual(seen, list(range(rows)))

    def test_external_links_arrow(self):
        rows = 2 * CHUNK_ROWS + 7
        resp = execute(
            f"SELECT range AS n, range * 0.5 AS half FROM range({rows})",
            wait_timeout="30s",
            disposition=Disposition.EXTERNAL_LINKS,
            format=Format.ARROW_STREAM,
        )
        self.assertEqual(resp.status.state, StatementState.SUCCEEDED)
        m = resp.manifest
        self.assertEqual((m.format, m.total_chunk_count, m.total_row_count), (Format.ARROW_STREAM, 3, rows))
        # byte_count is optional in the manifest (the SDK's BaseChunkInfo):
        # each link carries its chunk's exact size, checked below.
        self.assertEqual([(c.chunk_index, c.row_offset, c.row_count) for c in m.chunks],
                         [(0, 0, CHUNK_ROWS), (1, CHUNK_ROWS, CHUNK_ROWS), (2, 2 * CHUNK_ROWS, 7)])
        seen = []
        # The chunks may be fetched in any order.
        for index in (2, 0, 1):
            links = api.get_statement_result_chunk_n(resp.statement_id, index).external_links
            self.assertEqual(len(links), 1)
            link = links[0]
            self.assertEqual(link.chunk_index, index)
            self.assertIsNotNone(link.expiration)
            data = download(link)
            self.assertEqual(len(data), link.byte_count)
            table = pyarrow.ipc.open_stream(io.BytesIO(data)).read_all()
            self.assertEqual(table.num_rows, link.row_count)
            self.assertEqual(table.column_names, ["n", "half"])
            seen.append((link.row_offset, table.column("n").to_pylist()))
        values = [v for _, part in sorted(seen) for v in part]
        self.assertEqual(values, list(range(rows)))

    def test_external_links_json(self):
        resp = execute(
            "SELECT 1 AS a, 'b' AS b",
            disposition=Disposition.EXTERNAL_LINKS,
            format=Format.JSON_ARRAY,
        )
        self.assertEqual(resp.status.state, StatementState.SUCCEEDED)
        link = resp.result.external_links[0]
        self.assertEqual(download(link), b'[["1","b"]]')

    def test_cancel(self):
        resp = execute("SELECT sleep_ms(60000)", wait_timeout="0s")
        api.cancel_execution(resp.statement_id)
        self.assertEqual(wait(resp.statement_id).status.state, StatementState.CANCELED)

    def test_wait_timeout_cancel(self):
        resp = execute(
            "SELECT sleep_ms(60000)",
            wait_timeout="5s",
            on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CANCEL,
        )
        self.assertEqual(resp.status.state, StatementState.CANCELED)

    def test_close(self):
        resp = execute("SELECT 1")
        w.api_client.do("DELETE", f"/api/2.0/sql/statements/{resp.statement_id}")
        self.assertEqual(api.get_statement(resp.statement_id).status.state, StatementState.CLOSED)

    def test_failure(self):
        resp = execute("SELEC 1")
        self.assertEqual(resp.status.state, StatementState.FAILED)
        self.assertEqual(resp.status.error.error_code, ServiceErrorCode.BAD_REQUEST)
        self.assertIn("[PARSE_SYNTAX_ERROR]", resp.status.error.message)
        self.assertEqual(resp.status.sql_state, "42601")

    def test_parameters_and_tags(self):
        resp = execute(
            "SELECT :a + 1 AS a, :b AS b, :c AS c",
            parameters=[
                StatementParameterListItem(name="a", value="41", type="INT"),
                StatementParameterListItem(name="b", value="it's"),
                StatementParameterListItem(name="c", type="DATE"),
            ],
            query_tags=[QueryTag(key="peer", value="sdk"), QueryTag(key="solo")],
        )
        self.assertEqual(resp.status.state, StatementState.SUCCEEDED)
        self.assertEqual(resp.result.data_array, [["42", "it's", None]])

    def test_row_limit(self):
        resp = execute("SELECT range FROM range(100)", row_limit=10)
        self.assertTrue(resp.manifest.truncated)
        self.assertEqual(len(resp.result.data_array), 10)

    def test_api_errors(self):
        with self.assertRaises(errors.NotFound):
            api.get_statement("01234567-89ab-cdef-0123-456789abcdef")
        with self.assertRaises(errors.BadRequest):
            execute("SELECT 1", wait_timeout="4s")
        with self.assertRaises(errors.BadRequest):
            api.get_statement_result_chunk_n(execute("SELECT 1").statement_id, 5)
        bad = WorkspaceClient(host=HOST, token="wrong", auth_type="pat")
        with self.assertRaises(errors.PermissionDenied):
            bad.statement_execution.get_statement("01234567-89ab-cdef-0123-456789abcdef")


if __name__ == "__main__":
    peerlib.main(__name__)
