package pypeer

import (
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
)

// sdkChunkRows is the rows of one REST result chunk: the script's results of
// 2*sdkChunkRows+7 rows come in three chunks.
const sdkChunkRows = 1000

// TestPythonSDK runs test_sdk.py: Databricks' Python SDK submits, polls,
// fetches chunks inline and as external links, cancels, closes and fails
// statements through the emulator's Statement Execution API. PEER_PYTHON is
// the interpreter and PEER_SDK_PATH the PYTHONPATH holding databricks-sdk
// and pyarrow; without them the test is skipped (`make peer-python` sets
// both).
func TestPythonSDK(t *testing.T) {
	py := peerPython(t)
	path := os.Getenv("PEER_SDK_PATH")
	if path == "" {
		t.Skip("PEER_SDK_PATH is not set: `make peer-python` installs databricks-sdk and runs this test")
	}
	s := emulator.Start(t, emulator.WithREST(emulator.RESTOptions{ChunkRows: sdkChunkRows}), emulator.WithWarehouseID("sdkpeer"))
	runScript(t, s, py, "test_sdk.py", path, 5*time.Minute,
		"DATABRICKS_HOST=http://"+net.JoinHostPort(s.Host(), strconv.Itoa(s.Port())),
		"DATABRICKS_WAREHOUSE_ID=sdkpeer",
		"CHUNK_ROWS="+strconv.Itoa(sdkChunkRows),
		// No configuration file or environment of the machine's own.
		"DATABRICKS_CONFIG_FILE="+t.TempDir()+"/none",
	)
	// What the emulator saw: every REST call, the external links
	// downloaded, the query tags of the tagged statement.
	log := s.Requests()
	for _, m := range []emulator.Method{emulator.RESTSubmit, emulator.RESTStatus, emulator.RESTChunk,
		emulator.RESTCancel, emulator.RESTClose} {
		if log.Count(m) == 0 {
			t.Errorf("no %s request: %v", m, log)
		}
	}
	if st := s.LinkStats(); st.Served < 4 || st.Forbidden != 0 {
		t.Errorf("external links: %+v, want at least 4 files served and none refused", st)
	}
	tagged := false
	for _, r := range log.Of(emulator.RESTSubmit) {
		if r.Tags["peer"] == "sdk" {
			_, solo := r.Tags["solo"]
			tagged = solo && len(r.Tags) == 2
		}
	}
	if !tagged {
		t.Error("no submission with the query tags peer:sdk and solo")
	}
}
