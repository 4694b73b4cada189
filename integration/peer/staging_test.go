package peer_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/databricks/databricks-sql-go/driverctx"

	"github.com/asyncsql/databricks/integration/emulator"
)

// TestStaging: the official driver runs PUT, GET and REMOVE against the
// emulator's volumes. It reads the staging row by position (operation,
// presignedUrl, headers, localFile; three columns for REMOVE) and sends the
// listed headers without Authorization, so the emulator's row and URLs
// are what a client written for a warehouse expects.
func TestStaging(t *testing.T) {
	volumes, local := t.TempDir(), t.TempDir()
	s := emulator.Start(t, emulator.WithVolumes(volumes))
	p := openPeerOn(t, s)
	ctx := driverctx.NewContextWithStagingInfo(testCtx(t), []string{local})
	data := bytes.Repeat([]byte("peer staging\n"), 5000)
	src := filepath.Join(local, "in.txt")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := p.db.ExecContext(ctx, "PUT '"+src+"' INTO '/Volumes/main/default/vol/peer/in.txt'"); err != nil {
		t.Fatalf("PUT: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(volumes, "main", "default", "vol", "peer", "in.txt")); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("volume file: %d bytes, %v; want %d", len(got), err, len(data))
	}
	out := filepath.Join(local, "out.txt")
	if _, err := p.db.ExecContext(ctx, "GET '/Volumes/main/default/vol/peer/in.txt' TO '"+out+"'"); err != nil {
		t.Fatalf("GET: %v", err)
	}
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded file: %d bytes, %v; want %d", len(got), err, len(data))
	}
	if _, err := p.db.ExecContext(ctx, "REMOVE '/Volumes/main/default/vol/peer/in.txt'"); err != nil {
		t.Fatalf("REMOVE: %v", err)
	}
	if _, err := os.Stat(filepath.Join(volumes, "main", "default", "vol", "peer", "in.txt")); !os.IsNotExist(err) {
		t.Errorf("volume file still there after REMOVE (%v)", err)
	}
	log := s.Requests().Of(emulator.Staging)
	if len(log) != 3 {
		t.Fatalf("%d staging transfers, want 3: %v", len(log), log)
	}
	for _, r := range log {
		if r.Outcome != emulator.OutcomeOK {
			t.Errorf("transfer answered %d (%v), want success", r.HTTPStatus, r.Outcome)
		}
	}
}
