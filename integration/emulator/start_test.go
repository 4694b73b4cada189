package emulator

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the goroutine, as testing's does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestStartFailsTheTest(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	done := make(chan *Server)
	go func() {
		defer close(done)
		done <- Start(rec, WithMaxProtocol(Protocol(12345)))
	}()
	if s := <-done; s != nil {
		t.Fatalf("Start returned a server with an invalid protocol")
	}
	if !strings.Contains(rec.msg, "emulator.Start") || !strings.Contains(rec.msg, "protocol(12345)") {
		t.Fatalf("Fatalf message %q; want emulator.Start and the bad version", rec.msg)
	}
}

func TestStartClosesWhenTheTestEnds(t *testing.T) {
	var s *Server
	t.Run("user", func(t *testing.T) {
		s = Start(t)
		if r := post(t, s, s.HTTPPath(), s.Token(), openSessionBody(t)); r.StatusCode != http.StatusOK {
			t.Fatalf("OpenSession answered %d, want 200", r.StatusCode)
		}
	})
	if _, err := http.Get(s.URL()); err == nil {
		t.Fatal("the server still answers after its test ended")
	}
}
