package pypeer

import (
	"net"
	"os"
	"strconv"
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
	py := peerPython(t)
	s := emulator.Start(t, emulator.WithREST(emulator.RESTOptions{ChunkRows: seaChunkRows}))
	runScript(t, s, py, "test_sea.py", os.Getenv("PYTHONPATH"), 5*time.Minute,
		"DATABRICKS_HOST=http://"+net.JoinHostPort(s.Host(), strconv.Itoa(s.Port())),
		"DATABRICKS_HTTP_PATH="+s.HTTPPath(),
		"CHUNK_ROWS="+strconv.Itoa(seaChunkRows),
	)
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
	checkSessionsClosed(t, s)
}
