package pypeer

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
)

// peerPython is the Python interpreter the peer tests run their scripts
// with, PEER_PYTHON; the test is skipped without it.
func peerPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("PEER_PYTHON")
	if py == "" {
		t.Skip("PEER_PYTHON is not set: `make peer-python` installs the Python clients and runs this test")
	}
	return py
}

// runScript runs the script of this directory with the interpreter py
// against s, with s's token and env added to the environment, and fails
// the test unless it exits 0 after printing its passing summary. This
// directory comes first on PYTHONPATH, before pythonPath (where the
// clients are installed), so that the scripts import peerlib whatever the
// interpreter's own settings; no bytecode is written into the checkout.
func runScript(t *testing.T, s *emulator.Server, py, script, pythonPath string, timeout time.Duration, env ...string) {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	if pythonPath != "" {
		dir += string(os.PathListSeparator) + pythonPath
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, script)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir, "PYTHONDONTWRITEBYTECODE=1", "DATABRICKS_TOKEN="+s.Token())
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", script, out)
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	if !strings.Contains(string(out), " passed, 0 failed") {
		t.Fatalf("%s printed no passing summary", script)
	}
}

// checkSessionsClosed fails the test when a session the script opened is
// still open 30 seconds after it ended (a client may close asynchronously).
func checkSessionsClosed(t *testing.T, s *emulator.Server) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for s.OpenSessions() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := s.OpenSessions(); n > 0 {
		t.Errorf("%d sessions left open", n)
	}
}
