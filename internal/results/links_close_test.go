package results

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/tclitest"
)

// TestLinksEarlyCloseStopsDownloads: closing while downloads hang stops them
// at once, and next reports the cancellation.
func TestLinksEarlyCloseStopsDownloads(t *testing.T) {
	st := tclitest.NewStorage(t)
	st.SetLatency(time.Hour)
	svc := &linkService{}
	svc.pages = seqPages(st, 3, 3, 5, 0, false)
	l := linkEnv(t, svc, st, 4, false)
	deadline := time.Now().Add(5 * time.Second)
	for st.Concurrent() < 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() { l.Close(CancelFetch); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("close did not stop the downloads")
	}
	if _, err := l.next(); !errors.Is(err, context.Canceled) {
		t.Errorf("next after close: %v", err)
	}
}

// TestLinksCloseSettlesFetch: closing a link reader whose result stays on
// the server lets a FetchResults in flight finish (the server counts it
// anyway, see SettleFetch); a plain close cancels it.
func TestLinksCloseSettlesFetch(t *testing.T) {
	for _, mode := range []CloseMode{CancelFetch, SettleFetch} {
		settle := mode == SettleFetch
		t.Run(fmt.Sprint("settle=", settle), func(t *testing.T) {
			st := tclitest.NewStorage(t)
			// The second FetchResults is held until release is closed or
			// its context ends; ctxErr says whether that context had ended.
			arrived, release, ctxErr := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			svc := &linkService{faults: []tclitest.Fault{{}, {Wait: func(ctx context.Context) error {
				close(arrived)
				select {
				case <-release:
				case <-ctx.Done():
				}
				ctxErr <- ctx.Err()
				return nil
			}}}}
			svc.pages = seqPages(st, 3, 1, 5, 0, false)
			l := linkEnv(t, svc, st, 1, false)
			<-arrived
			closed := make(chan struct{})
			go func() { l.Close(mode); close(closed) }()
			if settle {
				select {
				case <-closed:
					t.Fatal("close did not wait for the FetchResults in flight")
				case <-time.After(100 * time.Millisecond):
				}
				close(release)
			}
			<-closed
			err := <-ctxErr
			if settle && err != nil {
				t.Fatalf("the FetchResults in flight was cancelled: %v", err)
			}
			if !settle && err == nil {
				t.Fatal("a plain close left the FetchResults in flight running")
			}
		})
	}
}
