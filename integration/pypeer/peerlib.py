"""What the peer scripts (test_connector.py, test_sea.py, test_sdk.py) share:
a base class for tests on one connection per class (with the connector
scripts' execute_async round trip and their checks of a blocking statement
cancelled and of error classes and SQLSTATEs) and the runner that prints
one line per test and the summary line "N passed, N failed" the Go tests
look for.

The Go harness (runScript in harness_test.go) puts this directory first on
PYTHONPATH, so the scripts import it from anywhere.
"""

import sys
import threading
import time
import unittest


class ConnectionTest(unittest.TestCase):
    """Tests sharing one connection per class: cls.connect(**cls.options)
    opens it before the first test and it is closed after the last.
    A script sets connect to its own connection function."""

    options = {}
    connect = None

    @classmethod
    def setUpClass(cls):
        cls.conn = cls.connect(**cls.options)

    @classmethod
    def tearDownClass(cls):
        cls.conn.close()

    def one(self, query, params=None):
        """The only row of query's result; fails unless there is one."""
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            rows = cur.fetchall()
        self.assertEqual(len(rows), 1, query)
        return rows[0]

    def execute_async(self, query):
        """Submits query with execute_async on a cursor of the class's
        connection, polls until it is no longer pending (failing after two
        minutes) and returns the rows of its result."""
        with self.conn.cursor() as cur:
            cur.execute_async(query)
            deadline = time.monotonic() + 120
            while cur.is_query_pending():
                self.assertLess(time.monotonic(), deadline, "still pending")
                time.sleep(0.05)
            cur.get_async_execution_result()
            return cur.fetchall()

    def cancel_blocking(self, query="SELECT sleep_ms(60000)"):
        """Runs query (execute, then fetchall) on a cursor of the class's
        connection in a thread, cancels it from this one once the cursor
        knows its statement, fails unless the thread then ends, and returns
        what the thread ended with: the exception raised, or the rows."""
        with self.conn.cursor() as cur:
            outcome = []

            def run():
                try:
                    cur.execute(query)
                    outcome.append(cur.fetchall())
                except Exception as e:  # the cancelled statement's error
                    outcome.append(e)

            th = threading.Thread(target=run)
            th.start()
            # The cursor knows its statement once the server answered the
            # submission (after any hold of the server's).
            deadline = time.monotonic() + 60
            while cur.active_command_id is None and th.is_alive():
                self.assertLess(time.monotonic(), deadline, "the statement never started")
                time.sleep(0.05)
            cur.cancel()
            th.join(timeout=50)
            self.assertFalse(th.is_alive(), "the cancelled statement did not end")
        return outcome[0] if outcome else None

    def assert_sqlstates(self, error, cases, prefix=""):
        """Runs each (query, error class, SQLSTATE) of cases and checks that
        it fails with error whose text holds prefix + "[class] " and
        "SQLSTATE: " + the state; then that the connection still works."""
        for query, cls, state in cases:
            with self.subTest(query=query), self.conn.cursor() as cur:
                with self.assertRaises(error) as ctx:
                    cur.execute(query)
                    cur.fetchall()
                msg = str(ctx.exception)
                self.assertIn(prefix + "[%s] " % cls, msg)
                self.assertIn("SQLSTATE: " + state, msg)
        self.assertEqual(self.one("SELECT 1 AS one").one, 1)


class Result(unittest.TextTestResult):
    """Collects the failed tests (a test whose subtests fail counts once)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.failed_tests = set()

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.failed_tests.add(test.id())

    def addError(self, test, err):
        super().addError(test, err)
        self.failed_tests.add(test.id())

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.failed_tests.add(test.id())


def main(module):
    """Runs the tests of the module named module, prints the summary line
    and exits 1 when a test failed."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module])
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Result)
    result = runner.run(suite)
    failed = len(result.failed_tests)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(0 if result.wasSuccessful() else 1)
