package pypeer

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
)

// fileRows is the rows of one result-link file: the script's 1,000,000-row
// result through links is ten files.
const fileRows = 100_000

func TestPythonConnector(t *testing.T) {
	py := os.Getenv("PEER_PYTHON")
	if py == "" {
		t.Skip("PEER_PYTHON is not set: `make peer-python` installs the connector and runs this test")
	}
	s := emulator.Start(t,
		emulator.WithStatusHold(200*time.Millisecond),
		emulator.WithLinks(emulator.LinkOptions{ThresholdRows: fileRows, FileRows: fileRows}),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "test_connector.py")
	cmd.Env = append(os.Environ(),
		"DATABRICKS_HOST="+s.Host()+":"+strconv.Itoa(s.Port()),
		"DATABRICKS_HTTP_PATH="+s.HTTPPath(),
		"DATABRICKS_TOKEN="+s.Token(),
	)
	out, err := cmd.CombinedOutput()
	t.Logf("test_connector.py:\n%s", out)
	if err != nil {
		t.Fatalf("test_connector.py: %v", err)
	}
	if !strings.Contains(string(out), " passed, 0 failed") {
		t.Fatal("test_connector.py printed no passing summary")
	}
	// The 1,000,000-row result with cloud fetch came as links (ten files;
	// 250,000 rows as three more).
	if st := s.LinkStats(); st.Served < 1_000_000/fileRows {
		t.Errorf("result links: %+v, want at least %d files served", st, 1_000_000/fileRows)
	}
	// Every connection the script opened was closed.
	deadline := time.Now().Add(30 * time.Second)
	for s.OpenSessions() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := s.OpenSessions(); n > 0 {
		t.Errorf("%d sessions left open", n)
	}
}
