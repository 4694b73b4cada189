// Package testbackend says which driver backend the end-to-end suites
// (e2e, asynctest) run on: the emulator serves both APIs on one port, and
// DATABRICKS_TEST_BACKEND=rest runs a suite on the REST backend (make test
// runs each on both).
package testbackend
