package asynctest

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM to a submitter whose ctx comes from signal.NotifyContext ends its
// wait, not the statement: it exits 0 with the token saved, a new process
// resumes and reads every row, and another reads them all again.
func TestSIGTERMThenResumeAndReread(t *testing.T) {
	const n = 3000
	tok := tokenPath(t)
	query := resultQuery(n, 1500)
	cmd := startHelper(t, "submit-term", testDSN(srv), query, tok)
	waitForFile(t, tok)
	time.Sleep(100 * time.Millisecond) // inside the wait
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("submitter after SIGTERM: %v", err)
	}
	want := fmt.Sprintf("rows %d sum %x\n", n, expectedSum(n))
	for i := range 2 {
		out := runReader(t, tok)
		if out != want {
			t.Fatalf("reader %d printed %q, want %q", i+1, out, want)
		}
	}
	db := open(t, srv)
	exc, err := db.ParseExecution(waitForFile(t, tok))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CloseExecution(testContext(t), exc); err != nil {
		t.Fatal(err)
	}
}

// runReader runs the "read" helper to completion and returns its output.
func runReader(t *testing.T, tokenFile string) string {
	t.Helper()
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), helperEnv+"=read", dsnEnv+"="+testDSN(srv), tokenEnv+"="+tokenFile)
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("reader: %v\n%s", err, stderr.String())
	}
	return string(out)
}
