package results

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asyncsql/databricks/internal/tclitest"
)

// TestLinksEarlyCloseStopsDownloads: closing while downloads hang stops them
// at once, and next reports the cancellation.
func TestLinksEarlyCloseStopsDownloads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		st.SetLatency(time.Hour)
		svc := &linkService{}
		svc.pages = seqPages(st, 3, 3, 5, 0, false)
		l := linkEnv(t, svc, st, 4, false)
		synctest.Wait()
		if n := st.Concurrent(); n != 4 {
			t.Fatalf("got %d downloads waiting on the storage, want 4", n)
		}
		start := time.Now()
		l.Close(CancelFetch)
		if d := time.Since(start); d != 0 {
			t.Fatalf("Close returned after %v, want at once", d)
		}
		if _, err := l.next(); !errors.Is(err, context.Canceled) {
			t.Errorf("next after close: got %v, want context.Canceled", err)
		}
		synctest.Wait()
		if n := st.Concurrent(); n != 0 {
			t.Errorf("got %d downloads still waiting after Close, want 0", n)
		}
	})
}

// TestLinksCloseSettlesFetch: closing a link reader whose result stays on
// the server lets a FetchResults in flight finish (the server counts it
// anyway, see SettleFetch); a plain close cancels it.
func TestLinksCloseSettlesFetch(t *testing.T) {
	for _, mode := range []CloseMode{CancelFetch, SettleFetch} {
		settle := mode == SettleFetch
		t.Run(fmt.Sprint("settle=", settle), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := tclitest.NewLocalStorage(t)
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
					synctest.Wait()
					select {
					case <-closed:
						t.Fatal("Close returned with the FetchResults in flight, want it to wait for it")
					default:
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
		})
	}
}
