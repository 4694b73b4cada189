"""The Python databricks-sql-connector against the emulator.

Run by TestPythonConnector (pypeer_test.go), which starts the emulator and
sets DATABRICKS_HOST (127.0.0.1:port), DATABRICKS_HTTP_PATH and
DATABRICKS_TOKEN. Prints one line per test and closes with the summary line
"N passed, N failed"; exits 1 when a test failed.
"""

import datetime
import decimal
import json
import os
import time
import unittest
import uuid

from databricks import sql
from databricks.sql import exc
from databricks.sql.parameters.native import DbsqlParameterBase
from databricks.sql.parameters import (
    BigIntegerParameter,
    FloatParameter,
    SmallIntParameter,
    TimestampNTZParameter,
    TinyIntParameter,
)

import peerlib

HOST = os.environ["DATABRICKS_HOST"]
HTTP_PATH = os.environ["DATABRICKS_HTTP_PATH"]
TOKEN = os.environ["DATABRICKS_TOKEN"]
UTC = datetime.timezone.utc
MILLION = 1_000_000


def connect(**kwargs):
    """A connection over plain HTTP to the emulator, telemetry off."""
    return sql.connect(
        server_hostname=HOST.split(":")[0],
        http_path=HTTP_PATH,
        access_token=TOKEN,
        _connection_uri="http://" + HOST + HTTP_PATH,
        enable_telemetry=False,
        **kwargs,
    )


class Base(peerlib.ConnectionTest):
    connect = staticmethod(connect)


class TestTypes(Base):
    def test_every_primitive_type(self):
        row = self.one(
            """SELECT true AS bo, 1::TINYINT AS ti, 2::SMALLINT AS si, 3::INTEGER AS i,
            9007199254740993::BIGINT AS bi, 1.5::FLOAT AS f, 2.25::DOUBLE AS d, 'it''s' AS s,
            'bin'::BLOB AS b, DATE '2024-02-29' AS dt,
            TIMESTAMP '2024-01-02 03:04:05.123456' AS ts,
            12345678901234567890.1234567890::DECIMAL(38,10) AS de, INTERVAL 1 DAY AS iv,
            NULL AS n"""
        )
        self.assertIs(row.bo, True)
        self.assertEqual((row.ti, row.si, row.i, row.bi), (1, 2, 3, 9007199254740993))
        self.assertEqual((row.f, row.d), (1.5, 2.25))
        self.assertEqual(row.s, "it's")
        self.assertEqual(row.b, b"bin")
        self.assertEqual(row.dt, datetime.date(2024, 2, 29))
        self.assertEqual(row.ts, datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC))
        self.assertEqual(row.de, decimal.Decimal("12345678901234567890.1234567890"))
        self.assertEqual(row.iv, "1 day")
        self.assertIsNone(row.n)

    def test_description(self):
        with self.conn.cursor() as cur:
            cur.execute("SELECT 1::BIGINT AS a, 'x' AS b, 1.25::DECIMAL(5,2) AS c, [1] AS d, MAP {'k': 1} AS e, {'x': 1} AS f")
            cur.fetchall()
            desc = [(d[0], d[1], d[4], d[5]) for d in cur.description]
        self.assertEqual(desc, [("a", "bigint", None, None), ("b", "string", None, None), ("c", "decimal", 5, 2),
                                ("d", "array", None, None), ("e", "map", None, None), ("f", "struct", None, None)])


NESTED = """SELECT [1, 2, 3] AS a, MAP {'k': 1, 'j': 2} AS m, {'x': 1, 'y': 'b', 'z': [DATE '2024-01-02']} AS s,
    [[1], [2, 3]] AS nn, [{'d': 1.25::DECIMAL(4,2)}] AS sd, NULL::INTEGER[] AS na"""


class TestNestedNative(Base):
    """Native Arrow lists, maps and structs (the connector's default)."""

    def test_nested(self):
        row = self.one(NESTED)
        self.assertEqual(list(row.a), [1, 2, 3])
        self.assertEqual(list(row.m), [("k", 1), ("j", 2)])
        self.assertEqual(row.s["x"], 1)
        self.assertEqual(row.s["y"], "b")
        self.assertEqual(list(row.s["z"]), [datetime.date(2024, 1, 2)])
        self.assertEqual([list(x) for x in row.nn], [[1], [2, 3]])
        self.assertEqual(row.sd[0]["d"], decimal.Decimal("1.25"))
        self.assertIsNone(row.na)


class TestNestedJSON(Base):
    """JSON text when the client asks for no native complex types."""

    options = {"_use_arrow_native_complex_types": False}

    def test_nested(self):
        row = self.one(NESTED)
        self.assertEqual(json.loads(row.a), [1, 2, 3])
        self.assertEqual(json.loads(row.m), {"k": 1, "j": 2})
        self.assertEqual(json.loads(row.s), {"x": 1, "y": "b", "z": ["2024-01-02"]})
        self.assertEqual(json.loads(row.nn), [[1], [2, 3]])
        self.assertEqual(json.loads(row.sd), [{"d": 1.25}])
        self.assertIsNone(row.na)


# Values of every type the connector binds natively, and what comes back.
PARAMS = [
    (42, 42),
    (9007199254740993, 9007199254740993),
    (TinyIntParameter(7), 7),
    (SmallIntParameter(300), 300),
    (BigIntegerParameter(5), 5),
    (1.25, 1.25),
    (FloatParameter(0.5), 0.5),
    ("it's", "it's"),
    (True, True),
    (False, False),
    (datetime.date(2024, 2, 29), datetime.date(2024, 2, 29)),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
    (TimestampNTZParameter(datetime.datetime(2024, 1, 2, 3, 4, 5)), datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    (decimal.Decimal("-12.50"), decimal.Decimal("-12.50")),
    (None, None),
]


class TestParameters(Base):
    def check(self, got, want, label):
        if isinstance(want, float):
            self.assertAlmostEqual(got, want, places=6, msg=label)
        else:
            self.assertEqual(got, want, label)
            self.assertEqual(type(got), type(want), label)

    def test_named_every_type(self):
        for value, want in PARAMS:
            with self.subTest(value=value):
                if isinstance(value, DbsqlParameterBase):
                    value.name = "p"  # a typed parameter carries its name
                    params = [value]
                else:
                    params = {"p": value}
                self.check(self.one("SELECT :p AS v", params).v, want, repr(value))
                if isinstance(value, DbsqlParameterBase):
                    value.name = None

    def test_positional_every_type(self):
        for value, want in PARAMS:
            with self.subTest(value=value):
                self.check(self.one("SELECT ? AS v", [value]).v, want, repr(value))

    def test_positional_in_order(self):
        row = self.one("SELECT ? AS a, ? AS b, ? + 1 AS c", [7, "x", 41])
        self.assertEqual((row.a, row.b, row.c), (7, "x", 42))

    def test_named_repeated(self):
        row = self.one("SELECT :a AS x, :b AS y, :a + :b AS z", {"a": 2, "b": 3})
        self.assertEqual((row.x, row.y, row.z), (2, 3, 5))

    def test_array_and_map(self):
        row = self.one("SELECT :a AS a, :m AS m, :p AS p",
                       {"a": [1, 2, 3], "m": {"k": "v", "j": "w"}, "p": [["x"], ["y", "z"]]})
        self.assertEqual(list(row.a), [1, 2, 3])
        self.assertEqual(dict(row.m), {"k": "v", "j": "w"})
        self.assertEqual([list(x) for x in row.p], [["x"], ["y", "z"]])
        row = self.one("SELECT ? AS a, ? AS m", [["it's", None], {1: 2.5}])
        self.assertEqual(list(row.a), ["it's", None])
        self.assertEqual(list(row.m), [(1, 2.5)])


class TestLargeResult(unittest.TestCase):
    """A 1,000,000-row result inline and as result links (the Go side checks
    that the emulator served the links)."""

    query = "SELECT i, i * 2 AS j, 'row-' || i AS s FROM range(%d) t(i)" % MILLION

    def read(self, cloud_fetch):
        with connect(use_cloud_fetch=cloud_fetch) as conn, conn.cursor() as cur:
            cur.execute(self.query)
            table = cur.fetchall_arrow()
            self.assertEqual(table.num_rows, MILLION)
            i = table.column("i").to_pylist()
            self.assertEqual(i, list(range(MILLION)))
            self.assertEqual(sum(table.column("j").to_pylist()), MILLION * (MILLION - 1))
            self.assertEqual(table.column("s")[MILLION - 1].as_py(), "row-%d" % (MILLION - 1))

    def test_inline(self):
        self.read(False)

    def test_result_links(self):
        self.read(True)

    def test_rows(self):
        with connect(use_cloud_fetch=True) as conn, conn.cursor() as cur:
            cur.execute("SELECT i FROM range(250000) t(i)")
            n = 0
            while True:
                rows = cur.fetchmany(100000)
                if not rows:
                    break
                for r in rows:
                    self.assertEqual(r.i, n)
                    n += 1
            self.assertEqual(n, 250000)


class TestAsync(Base):
    def test_execute_async(self):
        self.assertEqual([tuple(r) for r in self.execute_async("SELECT sleep_ms(300) AS v")], [(300,)])

    def test_cancel(self):
        outcome = self.cancel_blocking()
        self.assertIsInstance(outcome, Exception, "the cancelled statement returned rows")
        self.assertEqual(self.one("SELECT 1 AS one").one, 1)


class TestErrors(Base):
    def test_sqlstates(self):
        self.assert_sqlstates(
            exc.ServerOperationError,
            [
                ("SELEC 1", "PARSE_SYNTAX_ERROR", "42601"),
                ("SELECT * FROM no_such_table_py", "TABLE_OR_VIEW_NOT_FOUND", "42P01"),
                ("SELECT 1 / 0", "DIVIDE_BY_ZERO", "22012"),
                ("SELECT CAST('x' AS INT)", "CAST_INVALID_INPUT", "22018"),
            ],
        )


class TestDML(Base):
    def test_row_counts(self):
        table = "py_dml_" + uuid.uuid4().hex[:8]
        with self.conn.cursor() as cur:
            cur.execute("CREATE TABLE %s (a INT)" % table)
            try:
                cur.execute("INSERT INTO %s VALUES (1), (2), (3)" % table)
                self.assertEqual(cur.rowcount, 3)
                cur.execute("UPDATE %s SET a = a + 10 WHERE a > 1" % table)
                self.assertEqual(cur.rowcount, 2)
                cur.execute("DELETE FROM %s WHERE a > 0" % table)
                self.assertEqual(cur.rowcount, 3)
            finally:
                cur.execute("DROP TABLE %s" % table)


class TestStaging(unittest.TestCase):
    """PUT, GET and REMOVE on the emulator's volumes: the connector reads
    the staging row by column name (operation, presignedUrl, headers,
    localFile) and sends the listed headers, never Authorization (the
    emulator refuses the transfer otherwise)."""

    def test_put_get_remove(self):
        import io
        import tempfile

        with tempfile.TemporaryDirectory() as local:
            data = b"python staging\n" * 5000
            src = os.path.join(local, "in.txt")
            with open(src, "wb") as f:
                f.write(data)
            volume = "/Volumes/main/default/vol/py/in.txt"
            conn = connect(staging_allowed_local_path=local)
            try:
                with conn.cursor() as cur:
                    cur.execute("PUT '%s' INTO '%s'" % (src, volume))
                    out = os.path.join(local, "out.txt")
                    cur.execute("GET '%s' TO '%s'" % (volume, out))
                    with open(out, "rb") as f:
                        self.assertEqual(f.read(), data)
                    with self.assertRaises(exc.Error):
                        cur.execute("PUT '%s' INTO '%s'" % (src, volume))
                    cur.execute(
                        "PUT '__input_stream__' INTO '%s' OVERWRITE" % volume,
                        input_stream=io.BytesIO(b"streamed"),
                    )
                    again = os.path.join(local, "again.txt")
                    cur.execute("GET '%s' TO '%s'" % (volume, again))
                    with open(again, "rb") as f:
                        self.assertEqual(f.read(), b"streamed")
                    outside = os.path.join(os.path.dirname(local), "outside.txt")
                    with self.assertRaises(exc.Error):
                        cur.execute("GET '%s' TO '%s'" % (volume, outside))
                    self.assertFalse(os.path.exists(outside))
                    cur.execute("REMOVE '%s'" % volume)
                    with self.assertRaises(exc.Error):
                        cur.execute("GET '%s' TO '%s'" % (volume, os.path.join(local, "gone")))
            finally:
                conn.close()


class TestCatalogMetadata(Base):
    """cursor.catalogs(), schemas(), tables() and columns(): the connector's
    GetCatalogs, GetSchemas, GetTables and GetColumns calls."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.conn.cursor() as cur:
            for q in [
                "CREATE SCHEMA IF NOT EXISTS py_meta",
                "CREATE TABLE IF NOT EXISTS py_meta.my_table (a INT NOT NULL, b DECIMAL(10,2), c STRING)",
                "CREATE TABLE IF NOT EXISTS py_meta.myxtable (a INT)",
                "CREATE OR REPLACE VIEW py_meta.v AS SELECT 1 AS one",
            ]:
                cur.execute(q)

    def names(self, cur):
        return [d[0] for d in cur.description]

    def test_catalogs(self):
        with self.conn.cursor() as cur:
            cur.catalogs()
            rows = cur.fetchall()
            self.assertEqual(self.names(cur), ["TABLE_CAT"])
            self.assertEqual(len(rows), 1)
            self.assertTrue(rows[0].TABLE_CAT)

    def test_schemas(self):
        with self.conn.cursor() as cur:
            cur.catalogs()
            catalog = cur.fetchall()[0].TABLE_CAT
            cur.schemas(catalog_name=catalog, schema_name="PY_%")
            rows = cur.fetchall()
            self.assertEqual(self.names(cur), ["TABLE_SCHEM", "TABLE_CATALOG"])
            self.assertEqual([(r.TABLE_SCHEM, r.TABLE_CATALOG) for r in rows], [("py_meta", catalog)])

    def test_tables(self):
        with self.conn.cursor() as cur:
            cur.tables(schema_name="py_meta")
            rows = cur.fetchall()
            self.assertEqual(self.names(cur)[:5], ["TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS"])
            self.assertEqual(
                sorted((r.TABLE_NAME, r.TABLE_TYPE) for r in rows),
                [("my_table", "TABLE"), ("myxtable", "TABLE"), ("v", "VIEW")],
            )
            cur.tables(schema_name="py_meta", table_types=["VIEW"])
            self.assertEqual([r.TABLE_NAME for r in cur.fetchall()], ["v"])
            # '_' matches any character; '\_' only an underscore.
            cur.tables(schema_name="py_meta", table_name="my_table")
            self.assertEqual(sorted(r.TABLE_NAME for r in cur.fetchall()), ["my_table", "myxtable"])
            cur.tables(schema_name="py_meta", table_name="my\\_table")
            self.assertEqual([r.TABLE_NAME for r in cur.fetchall()], ["my_table"])

    def test_columns(self):
        with self.conn.cursor() as cur:
            cur.columns(schema_name="py_meta", table_name="my\\_table")
            rows = cur.fetchall()
            names = self.names(cur)
            self.assertEqual(len(names), 23)
            self.assertEqual(names[:6], ["TABLE_CAT", "TABLE_SCHEM", "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME"])
            self.assertEqual(
                [(r.COLUMN_NAME, r.DATA_TYPE, r.TYPE_NAME, r.DECIMAL_DIGITS, r.NULLABLE, r.ORDINAL_POSITION, r.IS_NULLABLE) for r in rows],
                [
                    ("a", 4, "INT", 0, 0, 1, "NO"),
                    ("b", 3, "DECIMAL(10,2)", 2, 1, 2, "YES"),
                    ("c", 12, "STRING", None, 1, 3, "YES"),
                ],
            )
            cur.columns(schema_name="py_meta", table_name="my_table", column_name="B")
            self.assertEqual([r.COLUMN_NAME for r in cur.fetchall()], ["b"])


if __name__ == "__main__":
    peerlib.main(__name__)
