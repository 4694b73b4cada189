package pypeer

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
)

// seaChunkRows is the rows of one REST result chunk for test_sea.py: its
// results of 2*seaChunkRows+7 rows come in three chunks.
const seaChunkRows = 1000

// TestPythonSEA runs test_sea.py: Databricks' Python connector with
// use_sea=True creates a session, submits with its session_id, reads
// results as external links, hybrid and inline, cancels, fails and deletes
// the session through the emulator's Statement Execution API. PEER_PYTHON
// is the interpreter and PYTHONPATH must hold the connector; without
// PEER_PYTHON the test is skipped (`make peer-python` sets both).
func TestPythonSEA(t *testing.T) {
	py := os.Getenv("PEER_PYTHON")
	if py == "" {
		t.Skip("PEER_PYTHON is not set: `make peer-python` installs the connector and runs this test")
	}
	s := emulator.Start(t, emulator.WithREST(emulator.RESTOptions{ChunkRows: seaChunkRows}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "test_sea.py")
	cmd.Env = append(os.Environ(),
		"DATABRICKS_HOST=http://"+net.JoinHostPort(s.Host(), strconv.Itoa(s.Port())),
		"DATABRICKS_HTTP_PATH="+s.HTTPPath(),
		"DATABRICKS_TOKEN="+s.Token(),
		"CHUNK_ROWS="+strconv.Itoa(seaChunkRows),
	)
	out, err := cmd.CombinedOutput()
	t.Logf("test_sea.py:\n%s", out)
	if err != nil {
		t.Fatalf("test_sea.py: %v", err)
	}
	if !strings.Contains(string(out), " passed, 0 failed") {
		t.Fatal("test_sea.py printed no passing summary")
	}
	// What the emulator saw: sessions created and deleted, every
	// statement in a session, the external links downloaded, the
	// session's query tags on its statements.
	log := s.Requests()
	for _, m := range []emulator.Method{emulator.RESTSessionCreate, emulator.RESTSessionDelete, emulator.RESTSubmit,
		emulator.RESTStatus, emulator.RESTChunk, emulator.RESTCancel, emulator.RESTClose} {
		if log.Count(m) == 0 {
			t.Errorf("no %s request: %v", m, log)
		}
	}
	if st := s.LinkStats(); st.Served < 3 || st.Forbidden != 0 {
		t.Errorf("external links: %+v, want at least 3 files served and none refused", st)
	}
	tagged := false
	for _, r := range log.Of(emulator.RESTSubmit) {
		tagged = tagged || r.Tags["peer"] == "sea"
	}
	if !tagged {
		t.Error("no submission with the session's query tag peer:sea")
	}
	// Every session the script created was deleted.
	deadline := time.Now().Add(30 * time.Second)
	for s.OpenSessions() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := s.OpenSessions(); n > 0 {
		t.Errorf("%d sessions left open", n)
	}
}
