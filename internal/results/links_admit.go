package results

import "time"

// fileState is where a result file is in the body admissions (see
// linkReader.admitLocked). A file moves forward only:
//
//	fileRequested -> fileParked -> fileAdmitted -> fileReleased
//
// A file whose download ends without a response to read (an error) goes
// from fileRequested to fileReleased when the decoder is done with it.
type fileState uint8

const (
	// fileRequested: its download runs and has no response waiting.
	fileRequested fileState = iota
	// fileParked: its response waits unread in linkReader.parked.
	fileParked
	// fileAdmitted: it may read its body, and counts among the held bodies.
	fileAdmitted
	// fileReleased: the decoder is done with its bytes.
	fileReleased
)

// park waits until f may read its body (see admitLocked). It gives up after
// limit (if positive), reporting false, and returns the context's error
// when the reader is closing.
func (l *linkReader) park(f *linkFile, limit time.Duration) (bool, error) {
	l.mu.Lock()
	if f.state == fileRequested {
		f.state = fileParked
		i := len(l.parked)
		for i > 0 && l.parked[i-1].seq > f.seq {
			i--
		}
		l.parked = append(l.parked, nil)
		copy(l.parked[i+1:], l.parked[i:])
		l.parked[i] = f
		l.admitLocked()
	}
	admitted := f.state == fileAdmitted
	l.mu.Unlock()
	if admitted {
		return true, nil
	}
	var expire <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		expire = t.C
	}
	select {
	case <-f.admit:
		return true, nil
	case <-expire:
		l.mu.Lock()
		defer l.mu.Unlock()
		return f.state == fileAdmitted, nil
	case <-l.ctx.Done():
		return false, l.ctx.Err()
	}
}

// admitLocked lets parked files read their bodies when they are among the
// allow files from the one the decoder is on: a window of file numbers, not
// a count of bodies, so that a later file answering first never takes the
// place of an earlier one, and the file the decoder waits for is always
// admitted. The decoder releases a file before it turns to the next, so at
// most allow bodies are held. mu held.
func (l *linkReader) admitLocked() {
	kept := l.parked[:0]
	for _, f := range l.parked {
		if f.seq < l.decSeq+l.allow {
			f.state = fileAdmitted
			l.held++
			close(f.admit)
			continue
		}
		kept = append(kept, f)
	}
	admitted := len(kept) < len(l.parked)
	clear(l.parked[len(kept):])
	l.parked = kept
	if admitted {
		l.notifyLocked(linkAdmissions, nil)
	}
}

// release frees f's place among the held bodies once the decoder is done
// with its bytes: the window moves on to the next file at once, even while
// the decoder waits to hand f's last batch over.
func (l *linkReader) release(f *linkFile) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch f.state {
	case fileAdmitted:
		l.held--
		f.state = fileReleased
	case fileRequested:
		f.state = fileReleased
	}
	if f.seq == l.decSeq {
		l.decSeq++
	}
	l.admitLocked()
}

// starting is called by the decoder when it turns to f: f becomes the file
// always admitted, and the allowance adapts. Found still arriving (its body
// admitted but not complete) while other responses wait unread, the
// network is behind: one more body may be read at once. Found complete,
// the allowance shrinks back by one towards base.
func (l *linkReader) starting(f *linkFile) {
	if f.link == nil {
		return // an error, not a file
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.decSeq = f.seq
	l.admitLocked()
	if l.decoded > 0 {
		select {
		case <-f.done:
			if l.allow > l.base {
				l.allow--
				l.notifyLocked(linkAdmissions, nil)
			}
		default:
			if f.state == fileAdmitted && len(l.parked) > 0 && l.allow < l.max {
				l.allow++
				l.notifyLocked(linkAdmissions, nil)
				l.admitLocked()
			}
		}
	}
	l.decoded++
}

// linkEvent is what linkReader.observe is told of.
type linkEvent uint8

const (
	// linkStarted: the download of a file starts.
	linkStarted linkEvent = iota
	// linkLanded: the download of a file has ended.
	linkLanded
	// linkAdmissions: files were admitted, or the allowance changed.
	linkAdmissions
)

// notify tells observe, if set, of ev about f.
func (l *linkReader) notify(ev linkEvent, f *linkFile) {
	if l.observe == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.observe(ev, f)
}

// notifyLocked is notify with mu held.
func (l *linkReader) notifyLocked(ev linkEvent, f *linkFile) {
	if l.observe != nil {
		l.observe(ev, f)
	}
}
