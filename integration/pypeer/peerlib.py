"""What the peer scripts (test_connector.py, test_sea.py, test_sdk.py) share:
a base class for tests on one connection per class and the runner that
prints one line per test and the summary line "N passed, N failed" the Go
tests look for.

The Go harness (runScript in harness_test.go) puts this directory first on
PYTHONPATH, so the scripts import it from anywhere.
"""

import sys
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
