package main

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the emulators the tests start and close leave no
// goroutine behind (idle HTTP connections of the driver are not theirs).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

func TestRunChild(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"-token", "tok", "--", "sh", "-c", `echo "$DATABRICKS_HOST|$DATABRICKS_HTTP_PATH|$DATABRICKS_TOKEN|$DATABRICKS_DSN"; exit 3`}, &out, &errb)
	if code != 3 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	parts := strings.Split(strings.TrimSpace(out.String()), "|")
	if len(parts) != 4 || !strings.HasPrefix(parts[0], "127.0.0.1:") ||
		!strings.HasPrefix(parts[1], "/sql/1.0/warehouses/") || parts[2] != "tok" ||
		parts[3] != "token:tok@"+parts[0]+parts[1]+"?protocol=http" {
		t.Fatalf("child saw %q", out.String())
	}
}

func TestRunBadFlag(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-nope"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d", code)
	}
}
