package asynctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The example program submits in one process and resumes in another.
func TestExampleSubmitResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "async-example")
	build := exec.Command("go", "build", "-o", bin, "github.com/asyncsql/databricks/examples/async")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	token := filepath.Join(dir, "exec.token")
	env := append(os.Environ(), "DATABRICKS_DSN="+testDSN(srv))
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// The 5 s query outlives the 100 ms wait, also when a loaded machine
	// makes the submission itself take seconds: submit reports a status
	// that is not terminal. Which one depends on the first status request: when
	// the server (or a loaded machine) holds it past the wait, the status
	// last heard is the one of the submission, INITIALIZED.
	out := run("submit", "-query", resultQuery(100, 5000), "-token", token, "-wait", "100ms")
	if !strings.Contains(out, "status INITIALIZED") && !strings.Contains(out, "status PENDING") &&
		!strings.Contains(out, "status RUNNING") {
		t.Fatalf("submit printed:\n%s", out)
	}
	if b, err := os.ReadFile(token); err != nil || !strings.HasPrefix(string(b), "dbx2.") {
		t.Fatalf("token file: %q %v", b, err)
	}
	out = run("resume", "-token", token)
	if !strings.Contains(out, "FINISHED: 100 rows") || !strings.HasPrefix(out, "i\tv\n0\t0\n") {
		t.Fatalf("resume printed:\n%s", out)
	}
	if _, err := os.Stat(token); !os.IsNotExist(err) {
		t.Fatalf("token file left after a complete read: %v", err)
	}
}
