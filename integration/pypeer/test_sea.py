"""The Python databricks-sql-connector in its Statement Execution API mode
(use_sea=True) against the emulator.

Run by TestPythonSEA (sea_test.go), which starts the emulator and sets
DATABRICKS_HOST (http://127.0.0.1:port), DATABRICKS_HTTP_PATH,
DATABRICKS_TOKEN and CHUNK_ROWS (the rows of one REST result chunk). The
connector creates a session at connect (/api/2.0/sql/sessions), submits
every statement with its session_id and deletes the session at close.
Prints one line per test and closes with the summary line "N passed, N
failed"; exits 1 when a test failed.
"""

import datetime
import decimal
import os
import time
import unittest
import uuid
from urllib.parse import urlparse

from databricks import sql
from databricks.sql import exc
from databricks.sql.backend.types import CommandState

import peerlib

HOST = urlparse(os.environ["DATABRICKS_HOST"])
HTTP_PATH = os.environ["DATABRICKS_HTTP_PATH"]
TOKEN = os.environ["DATABRICKS_TOKEN"]
CHUNK_ROWS = int(os.environ["CHUNK_ROWS"])
UTC = datetime.timezone.utc
# A result of three chunks and a few rows.
ROWS = 2 * CHUNK_ROWS + 7


def connect(**kwargs):
    """A connection in SEA mode over plain HTTP to the emulator, telemetry
    off, quick retries."""
    return sql.connect(
        server_hostname=HOST.scheme + "://" + HOST.hostname,
        _port=HOST.port,
        http_path=HTTP_PATH,
        access_token=TOKEN,
        use_sea=True,
        enable_telemetry=False,
        _retry_stop_after_attempts_count=2,
        **kwargs,
    )


class Base(peerlib.ConnectionTest):
    connect = staticmethod(connect)


class TestConnect(Base):
    def test_select_one(self):
        self.assertEqual(self.one("SELECT 1 AS one").one, 1)

    def test_types(self):
        for cloud_fetch in (False, True):
            with self.subTest(cloud_fetch=cloud_fetch), connect(use_cloud_fetch=cloud_fetch) as conn, conn.cursor() as cur:
                cur.execute(
                    """SELECT true AS bo, 3::INTEGER AS i, 9007199254740993::BIGINT AS bi, 2.25::DOUBLE AS d,
                    'it''s' AS s, DATE '2024-02-29' AS dt, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts,
                    1.50::DECIMAL(5,2) AS de, NULL::INTEGER AS n"""
                )
                row = cur.fetchall()[0]
                self.assertIs(row.bo, True)
                self.assertEqual((row.i, row.bi, row.d, row.s), (3, 9007199254740993, 2.25, "it's"))
                self.assertEqual(row.dt, datetime.date(2024, 2, 29))
                self.assertEqual(row.ts.replace(tzinfo=None), datetime.datetime(2024, 1, 2, 3, 4, 5, 123456))
                self.assertEqual(row.de, decimal.Decimal("1.50"))
                self.assertIsNone(row.n)
                desc = [(d[0], d[1]) for d in cur.description]
                self.assertEqual(desc[:4], [("bo", "boolean"), ("i", "int"), ("bi", "bigint"), ("d", "double")])


class TestSession(unittest.TestCase):
    """catalog, schema and session_configuration become the session's."""

    def test_namespace_and_confs(self):
        schema = "py_sea_" + uuid.uuid4().hex[:8]
        with connect() as conn, conn.cursor() as cur:
            cur.execute("CREATE SCHEMA " + schema)
            cur.execute("SELECT current_catalog() AS c")
            catalog = cur.fetchall()[0].c
        try:
            with connect(catalog=catalog, schema=schema,
                         session_configuration={"QUERY_TAGS": "peer:sea", "ansi_mode": "true"}) as conn:
                with conn.cursor() as cur:
                    cur.execute("SELECT current_schema() AS s")
                    self.assertEqual(cur.fetchall()[0].s, schema)
                    cur.execute("CREATE TABLE t AS SELECT 1 AS x")
                    cur.execute("SELECT x FROM t")  # unqualified: in the session's schema
                    self.assertEqual(cur.fetchall()[0].x, 1)
                    cur.execute("SELECT 'tagged' AS v")
                    self.assertEqual(cur.fetchall()[0].v, "tagged")
        finally:
            with connect() as conn, conn.cursor() as cur:
                cur.execute("DROP SCHEMA %s CASCADE" % schema)

    def test_statement_timeout(self):
        with connect(session_configuration={"STATEMENT_TIMEOUT": "1"}) as conn, conn.cursor() as cur:
            with self.assertRaises(exc.ServerOperationError) as ctx:
                cur.execute("SELECT sleep_ms(30000)")
            self.assertIn("DEADLINE_EXCEEDED", str(ctx.exception))


class TestParameters(Base):
    def test_named(self):
        row = self.one("SELECT :a AS a, :b AS b, :a + 1 AS c, :d AS d, :n AS n",
                       {"a": 41, "b": "it's", "d": datetime.date(2024, 2, 29), "n": None})
        self.assertEqual((row.a, row.b, row.c, row.d, row.n), (41, "it's", 42, datetime.date(2024, 2, 29), None))

    def test_typed(self):
        row = self.one("SELECT :x AS x, :t AS t",
                       {"x": decimal.Decimal("-12.50"), "t": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)})
        self.assertEqual(row.x, decimal.Decimal("-12.50"))
        self.assertEqual(row.t.replace(tzinfo=None), datetime.datetime(2024, 1, 2, 3, 4, 5))


class TestResults(unittest.TestCase):
    """Results of several chunks: external links (the connector's default),
    the hybrid disposition, and inline JSON."""

    query = "SELECT i, 'row-' || i AS s FROM range(%d) t(i)" % ROWS

    def check(self, table, n):
        self.assertEqual(table.num_rows, n)
        self.assertEqual(table.column("i").to_pylist(), list(range(n)))
        self.assertEqual(table.column("s")[n - 1].as_py(), "row-%d" % (n - 1))

    def test_external_links(self):
        for lz4 in (True, False):
            with self.subTest(lz4=lz4), connect(enable_query_result_lz4_compression=lz4) as conn, conn.cursor() as cur:
                cur.execute(self.query)
                self.check(cur.fetchall_arrow(), ROWS)

    def test_fetchmany(self):
        with connect() as conn, conn.cursor() as cur:
            cur.execute(self.query)
            n = 0
            while True:
                rows = cur.fetchmany(CHUNK_ROWS // 3 + 1)
                if not rows:
                    break
                for r in rows:
                    self.assertEqual(r.i, n)
                    n += 1
            self.assertEqual(n, ROWS)

    def test_hybrid(self):
        with connect(use_hybrid_disposition=True) as conn, conn.cursor() as cur:
            cur.execute("SELECT i FROM range(10) t(i)")  # inline
            self.assertEqual([r.i for r in cur.fetchall()], list(range(10)))
            cur.execute(self.query)  # links
            self.check(cur.fetchall_arrow(), ROWS)

    def test_inline_json(self):
        # The connector reads an inline JSON_ARRAY result from the reply's
        # first chunk only (its JsonQueue): one chunk's rows.
        with connect(use_cloud_fetch=False) as conn, conn.cursor() as cur:
            cur.execute("SELECT i, 'row-' || i AS s FROM range(%d) t(i)" % CHUNK_ROWS)
            rows = cur.fetchall()
            self.assertEqual([r.i for r in rows], list(range(CHUNK_ROWS)))
            self.assertEqual(rows[-1].s, "row-%d" % (CHUNK_ROWS - 1))


class TestAsync(Base):
    def test_execute_async(self):
        self.assertEqual([tuple(r) for r in self.execute_async("SELECT sleep_ms(300) AS v")], [(300,)])

    def test_cancel(self):
        with self.conn.cursor() as cur:
            cur.execute_async("SELECT sleep_ms(60000)")
            self.assertIn(cur.get_query_state(), (CommandState.PENDING, CommandState.RUNNING))
            cur.cancel()
            deadline = time.monotonic() + 60
            while cur.get_query_state() != CommandState.CANCELLED:
                self.assertLess(time.monotonic(), deadline, "the cancelled statement did not end")
                time.sleep(0.05)
        self.assertEqual(self.one("SELECT 1 AS one").one, 1)

    def test_cancel_blocking(self):
        self.cancel_blocking()


class TestErrors(Base):
    def test_sqlstates(self):
        self.assert_sqlstates(
            exc.ServerOperationError,
            [
                ("SELEC 1", "PARSE_SYNTAX_ERROR", "42601"),
                ("SELECT * FROM no_such_table_py", "TABLE_OR_VIEW_NOT_FOUND", "42P01"),
                ("SELECT 1 / 0", "DIVIDE_BY_ZERO", "22012"),
            ],
            prefix="BAD_REQUEST - ",
        )

    def test_unknown_schema(self):
        with self.assertRaises(exc.Error):
            connect(schema="no_such_schema_py")


class TestClose(unittest.TestCase):
    def test_cursor_and_connection(self):
        conn = connect()
        cur = conn.cursor()
        cur.execute("SELECT i FROM range(%d) t(i)" % ROWS)
        self.assertEqual(len(cur.fetchmany(5)), 5)
        cur.close()  # closes the statement mid-result
        conn.close()  # deletes the session
        with self.assertRaises(exc.Error):
            conn.cursor()


if __name__ == "__main__":
    peerlib.main(__name__)
