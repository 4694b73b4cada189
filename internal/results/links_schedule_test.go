package results

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// fileID is the storage name of a link's file.
func fileID(lk *tcli.TSparkArrowResultLink) string {
	return lk.FileLink[strings.LastIndexByte(lk.FileLink, '/')+1:]
}

// waitLinks lets the bubble's goroutines run, and its clock advance, until
// cond (called with l.mu held) holds, failing the test after a generous
// span of the bubble's time: it waits for events, not for time to pass.
func waitLinks(t *testing.T, l *watchedLinks, what string, cond func() bool) {
	t.Helper()
	waitUntil(t, what, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return cond()
	}, func() string {
		l.mu.Lock()
		defer l.mu.Unlock()
		return fmt.Sprintf("started %d, parked %d, landed %d, held %d, decoder on %d, allow %d",
			l.started, len(l.parked), l.landed, l.held, l.decSeq, l.allow)
	})
}

// waitUntil is waitLinks for any condition; state describes what was seen
// when it fails.
func waitUntil(t *testing.T, what string, cond func() bool, state func() string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		synctest.Wait()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: got %s", what, state())
		}
		time.Sleep(time.Millisecond)
	}
}

// watchedLinkEnv is linkEnvWith with the reader's stats observed.
func watchedLinkEnv(t *testing.T, svc *linkService, st *tclitest.Storage, maxDownloads int, compress bool, limits linkLimits) *watchedLinks {
	t.Helper()
	l := newWatchedLinkReader(context.Background(), linkConfig(t, svc, st, maxDownloads, compress), limits)
	t.Cleanup(func() { l.Close(CancelFetch) })
	return l
}

// A consumer slower than the downloads holds no more than 1+linkReadyAhead
// result bodies, while requests still run maxDownloads ahead. Before every
// record the consumer waits until every download has either parked unread
// or ended, so that the decoder never finds its next file still arriving.
func TestLinksSlowConsumerHoldsFewBodies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const files, fileRows, max = 24, 50, 8
		st := tclitest.NewLocalStorage(t)
		svc := &linkService{}
		svc.pages = seqPages(st, 6, 4, fileRows, 3, true)
		l := watchedLinkEnv(t, svc, st, max, true, defaultLinkLimits)
		base := 1 + linkReadyAhead
		var got []int64
		for {
			done := len(got) / fileRows
			want := min(files, done+max)
			waitLinks(t, l, "settled downloads", func() bool {
				return l.started == want && l.started == len(l.parked)+l.landed
			})
			// The files from the decoder's on have their bodies, read
			// ahead; the others wait unread.
			l.mu.Lock()
			held, parked, on := l.held, len(l.parked), l.decSeq
			l.mu.Unlock()
			if ahead := min(base, files-on); held != ahead || parked != want-on-held {
				t.Fatalf("after %d rows, decoder on file %d: %d bodies held, want %d; %d parked of %d started", len(got), on, held, ahead, parked, want)
			}
			var ok bool
			if got, ok = appendNext(t, l.linkReader, got); !ok {
				break
			}
		}
		checkSeq(t, got, files*fileRows)
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.peakHeld > base || l.peakAllow != base {
			t.Errorf("at most %d bodies held, allowance up to %d; want %d", l.peakHeld, l.peakAllow, base)
		}
		if m := st.MaxConcurrent(); m > max {
			t.Errorf("%d downloads at once, limit %d", m, max)
		}
	})
}

// holdFiles has the storage hold every file of svc's pages (hold is one of
// its Hold methods) until the test closes the file's channel; it returns the
// channels in file order.
func holdFiles(svc *linkService, hold func(id string, release <-chan struct{})) []chan struct{} {
	var holds []chan struct{}
	for _, p := range svc.pages {
		for _, lk := range p {
			ch := make(chan struct{})
			hold(fileID(lk), ch)
			holds = append(holds, ch)
		}
	}
	return holds
}

// readHeld reads l file by file: before file k it calls ready(k), then
// releases the storage's hold on the file and reads its fileRows rows. The
// result must end after the last file.
func readHeld(t *testing.T, l *linkReader, holds []chan struct{}, fileRows int, ready func(k int)) []int64 {
	t.Helper()
	var got []int64
	for k, ch := range holds {
		ready(k)
		close(ch)
		got = readRows(t, l, got, (k+1)*fileRows)
	}
	if _, err := l.next(); err != io.EOF {
		t.Fatalf("after the last file: got %v, want io.EOF", err)
	}
	return got
}

// When downloads are slower than the consumer, maxDownloads requests are in
// flight at every step. The storage answers a file only when the test lets
// it, in order, each time after seeing maxDownloads requests waiting.
func TestLinksFastConsumerKeepsMaxDownloads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const files, fileRows, max = 12, 7, 4
		st := tclitest.NewLocalStorage(t)
		svc := &linkService{}
		svc.pages = seqPages(st, 3, 4, fileRows, 0, false)
		holds := holdFiles(svc, st.HoldHead)
		l := linkEnv(t, svc, st, max, false)
		got := readHeld(t, l, holds, fileRows, func(k int) {
			want := int64(min(max, files-k))
			waitUntil(t, fmt.Sprintf("%d downloads waiting before file %d", want, k), func() bool { return st.Concurrent() == want },
				func() string { return fmt.Sprintf("%d waiting", st.Concurrent()) })
		})
		checkSeq(t, got, files*fileRows)
		if m := st.MaxConcurrent(); m != max {
			t.Errorf("%d downloads at once, want %d", m, max)
		}
	})
}

// When the decoder finds the body it needs still arriving while other
// responses wait unread, more bodies are read at once: the allowance grows
// by one each time. The storage sends every file's headers at once and its
// body only when the test lets it, in order, after the decoder has turned to
// it.
func TestLinksSlowBodiesGrowAllowance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const files, fileRows, max = 16, 7, 8
		st := tclitest.NewLocalStorage(t)
		svc := &linkService{}
		svc.pages = seqPages(st, 4, 4, fileRows, 0, false)
		holds := holdFiles(svc, st.HoldBody)
		l := watchedLinkEnv(t, svc, st, max, false, defaultLinkLimits)
		base := 1 + linkReadyAhead
		// Every request answered: the first base files read their bodies,
		// the others wait unread.
		waitLinks(t, l, "parked responses", func() bool { return l.started == max && len(l.parked) == max-base })
		got := readHeld(t, l.linkReader, holds, fileRows, func(k int) {
			waitLinks(t, l, fmt.Sprintf("the decoder on file %d", k), func() bool { return l.decoded == k+1 })
		})
		checkSeq(t, got, files*fileRows)
		l.mu.Lock()
		defer l.mu.Unlock()
		// Files 1 and 2 found arriving with files 3-7 unread: at least two
		// more bodies at once.
		if l.peakAllow < base+2 {
			t.Errorf("allowance grew to %d, want at least %d", l.peakAllow, base+2)
		}
		if l.peakHeld > l.peakAllow {
			t.Errorf("%d bodies held, allowance %d", l.peakHeld, l.peakAllow)
		}
	})
}

// A response left unread longer than linkLimits.park is closed and requested
// again when its body is needed; the rows are unchanged and no attempt is
// spent.
func TestLinksParkedResponseRequestedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := defaultLinkLimits
		limits.park = 10 * time.Millisecond
		const files, fileRows, max = 12, 20, 8
		st := tclitest.NewLocalStorage(t)
		svc := &linkService{}
		svc.pages = seqPages(st, 3, 4, fileRows, 0, true)
		l := watchedLinkEnv(t, svc, st, max, true, limits)
		waitLinks(t, l, "parked responses", func() bool { return l.started == max && len(l.parked) == max-1-linkReadyAhead })
		time.Sleep(50 * time.Millisecond)
		got, err := readAll(l.linkReader)
		if err != nil {
			t.Fatal(err)
		}
		checkSeq(t, got, files*fileRows)
		if n := st.Gets(); n <= files {
			t.Errorf("%d requests for %d files: no parked response was requested again", n, files)
		}
	})
}

// Closing the reader while responses wait unread stops every download.
func TestLinksEarlyCloseWithParkedResponses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		svc := &linkService{}
		svc.pages = seqPages(st, 3, 4, 5, 0, true)
		l := watchedLinkEnv(t, svc, st, 8, true, defaultLinkLimits)
		waitLinks(t, l, "parked responses", func() bool { return l.started == 8 && len(l.parked) > 0 })
		rec, err := l.next()
		if err != nil {
			t.Fatal(err)
		}
		rec.Release()
		l.Close(CancelFetch)
		synctest.Wait()
		if n := st.Concurrent(); n != 0 {
			t.Fatalf("got %d downloads still running after Close, want 0", n)
		}
		if _, err := l.next(); !errors.Is(err, context.Canceled) {
			t.Errorf("next after close: %v", err)
		}
	})
}
