package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/integration/peer/cmd/bench/client"
)

// TestMain lets the test binary serve as the benchmark's child process for
// this project's driver, as the command's own binary does.
func TestMain(m *testing.M) {
	if client.Main(openOurs, oursExtra) {
		return
	}
	os.Exit(m.Run())
}

// TestSmoke runs the benchmark at its smoke sizes in-process, so that the
// program keeps compiling and running.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("the smoke benchmark starts emulators and child processes")
	}
	out := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	o := options{Rows: 20000, Rounds: 1, MemMult: 10, K: 20, Wait: 3 * time.Second, Smoke: true, LinkRows: 20000, LinkFileRows: 5000, Out: out, Command: "go run ./cmd/bench -smoke"}
	var table bytes.Buffer
	start := time.Now()
	if err := run(o, &table); err != nil {
		t.Fatal(err)
	}
	t.Logf("smoke run in %s", time.Since(start).Round(time.Millisecond))
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"scan rows/s", "HTTP requests per SELECT 1", "long poll off", "result links: rows/s", "async: HTTP requests", "Rerun:"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("BENCHMARKS.md lacks %q:\n%s", want, md)
		}
	}
	if !strings.Contains(table.String(), "| ours |") && !strings.Contains(table.String(), "ours") {
		t.Errorf("no table printed:\n%s", table.String())
	}
}

// TestWriteMarkdownKeepsHandWritten: a new run replaces the generated part
// of BENCHMARKS.md and keeps the part written by hand.
func TestWriteMarkdownKeepsHandWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := writeMarkdown(path, "# Benchmarks\n\nrun 1\n"); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(path)
	if string(md) != "# Benchmarks\n\nrun 1\n" {
		t.Fatalf("new file: %q", md)
	}
	notes := handWritten + "\nWhat the runs mean.\n"
	if err := os.WriteFile(path, append(md, notes...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeMarkdown(path, "# Benchmarks\n\nrun 2\n\n"); err != nil {
		t.Fatal(err)
	}
	md, _ = os.ReadFile(path)
	if want := "# Benchmarks\n\nrun 2\n" + notes; string(md) != want {
		t.Fatalf("rewritten: %q, want %q", md, want)
	}
}
