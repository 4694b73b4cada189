package results

import "context"

// linkStats is what a test observes of a link reader's downloads and
// admissions, updated under the reader's mu.
type linkStats struct {
	// started counts the downloads started; landed those of files
	// admitted to read their bodies that have ended.
	started, landed int
	// peakHeld and peakAllow are the most bodies held, and the largest
	// allowance, at any time.
	peakHeld, peakAllow int
}

// watchedLinks is a link reader and what its observer has seen; read the
// stats with the reader's mu held.
type watchedLinks struct {
	*linkReader
	linkStats
}

// newWatchedLinkReader is newLinkReader with an observer that keeps the
// reader's stats.
func newWatchedLinkReader(ctx context.Context, cfg *Config, limits linkLimits) *watchedLinks {
	w := &watchedLinks{linkReader: makeLinkReader(ctx, cfg, limits)}
	l := w.linkReader
	w.peakAllow = l.allow
	l.observe = func(ev linkEvent, f *linkFile) {
		switch ev {
		case linkStarted:
			w.started++
		case linkLanded:
			if f.state == fileAdmitted {
				w.landed++
			}
		}
		w.peakHeld = max(w.peakHeld, l.held)
		w.peakAllow = max(w.peakAllow, l.allow)
	}
	l.start()
	return w
}
