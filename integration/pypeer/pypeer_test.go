package pypeer

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
)

// fileRows is the rows of one result-link file: the script's 1,000,000-row
// result through links is ten files.
const fileRows = 100_000

func TestPythonConnector(t *testing.T) {
	py := peerPython(t)
	s := emulator.Start(t,
		emulator.WithStatusHold(200*time.Millisecond),
		emulator.WithLinks(emulator.LinkOptions{ThresholdRows: fileRows, FileRows: fileRows}),
	)
	runScript(t, s, py, "test_connector.py", os.Getenv("PYTHONPATH"), 10*time.Minute,
		"DATABRICKS_HOST="+s.Host()+":"+strconv.Itoa(s.Port()),
		"DATABRICKS_HTTP_PATH="+s.HTTPPath(),
	)
	// The 1,000,000-row result with cloud fetch came as links (ten files;
	// 250,000 rows as three more).
	if st := s.LinkStats(); st.Served < 1_000_000/fileRows {
		t.Errorf("result links: %+v, want at least %d files served", st, 1_000_000/fileRows)
	}
	// Every connection the script opened was closed.
	checkSessionsClosed(t, s)
}
