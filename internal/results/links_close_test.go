package results

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
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

// gatedLinks holds the FetchResults call number at of a linkService until
// release is closed or its context ends, and reports on ctxErr whether that
// context had ended when the call returned.
type gatedLinks struct {
	*linkService
	at      int32
	calls   atomic.Int32
	arrived chan struct{}
	release chan struct{}
	ctxErr  chan error
}

func (g *gatedLinks) FetchResults(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
	if g.calls.Add(1) == g.at {
		close(g.arrived)
		select {
		case <-g.release:
		case <-ctx.Done():
		}
		g.ctxErr <- ctx.Err()
	}
	return g.linkService.FetchResults(ctx, req)
}

// TestLinksCloseSettlesFetch: closing a link reader whose result stays on
// the server lets a FetchResults in flight finish (the server counts it
// anyway, see SettleFetch); a plain close cancels it.
func TestLinksCloseSettlesFetch(t *testing.T) {
	for _, mode := range []CloseMode{CancelFetch, SettleFetch} {
		settle := mode == SettleFetch
		t.Run(fmt.Sprint("settle=", settle), func(t *testing.T) {
			st := tclitest.NewStorage(t)
			svc := &gatedLinks{linkService: &linkService{}, at: 2, arrived: make(chan struct{}), release: make(chan struct{}), ctxErr: make(chan error, 1)}
			svc.pages = seqPages(st, 3, 1, 5, 0, false)
			l := linkEnv(t, svc, st, 1, false)
			<-svc.arrived
			closed := make(chan struct{})
			go func() { l.Close(mode); close(closed) }()
			if settle {
				select {
				case <-closed:
					t.Fatal("close did not wait for the FetchResults in flight")
				case <-time.After(100 * time.Millisecond):
				}
				close(svc.release)
			}
			<-closed
			err := <-svc.ctxErr
			if settle && err != nil {
				t.Fatalf("the FetchResults in flight was cancelled: %v", err)
			}
			if !settle && err == nil {
				t.Fatal("a plain close left the FetchResults in flight running")
			}
		})
	}
}
