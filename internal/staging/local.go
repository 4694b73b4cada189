package staging

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

var (
	// ErrNotAllowed reports a local file outside every allowed directory,
	// or a staging statement on a local file when no directory is allowed.
	ErrNotAllowed = errors.New("databricks: staging: local file not in an allowed directory")
	// ErrFileExists reports a GET to a local file that exists: a GET never
	// replaces a file.
	ErrFileExists = errors.New("databricks: staging: local file exists")
	// ErrStream reports a stream path without the stream (or a stream given
	// for a statement that names a file), or a reader of unknown size.
	ErrStream = errors.New("databricks: staging: stream")
)

// located is a local file inside an allowed directory: rel is its path
// relative to the directory root opens.
type located struct {
	root *os.Root
	rel  string
	// path is the absolute path, for error texts.
	path string
}

// locate finds the allowed directory of dirs that holds path and opens it
// as a root. The check is lexical (after filepath.Abs, which cleans ".."
// away); the root then refuses symbolic links that lead out of the
// directory. The caller closes l.root.
func locate(dirs []string, path string) (*located, error) {
	if len(dirs) == 0 {
		return nil, fmt.Errorf("%w: no directory is allowed (Config.StagingAllowedPaths, DSN stagingAllowedPaths)", ErrNotAllowed)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrNotAllowed, path, err)
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		dir, err := filepath.Abs(d)
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(dir, abs)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
			continue
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, fmt.Errorf("staging: allowed directory %q: %w", dir, err)
		}
		return &located{root: root, rel: rel, path: abs}, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrNotAllowed, abs)
}

// escaped reports whether err is os.Root's refusal of a path that leads
// out of the root.
func escaped(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "escapes from parent")
}

// openSource opens the regular file of an upload.
func (l *located) openSource() (*os.File, int64, error) {
	f, err := l.root.Open(l.rel)
	if err != nil {
		return nil, 0, l.fileErr("opening", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, l.fileErr("opening", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("staging: local file %q is not a regular file", l.path)
	}
	return f, st.Size(), nil
}

// fileErr is the error of a failed file operation: ErrNotAllowed when the
// root refused a path leading out of it.
func (l *located) fileErr(what string, err error) error {
	if escaped(err) {
		return fmt.Errorf("%w: %q leads out of it through a symbolic link or ..", ErrNotAllowed, l.path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("staging: %s local file %q: %w", what, l.path, err)
}

// exists reports whether the target exists (as anything, a dangling
// symbolic link included).
func (l *located) exists() (bool, error) {
	_, err := l.root.Lstat(l.rel)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, l.fileErr("checking", err)
}

// pending is the temporary file a GET writes before it is linked into
// place.
type pending struct {
	l    *located
	f    *os.File
	name string // relative to l.root
}

// createPending creates the temporary file beside the target, refusing a
// target that exists.
func (l *located) createPending() (*pending, error) {
	if ok, err := l.exists(); err != nil {
		return nil, err
	} else if ok {
		return nil, fmt.Errorf("%w: %q", ErrFileExists, l.path)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := filepath.Join(filepath.Dir(l.rel), "."+filepath.Base(l.rel)+".staging-"+hex.EncodeToString(rnd[:]))
	f, err := l.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, l.fileErr("creating", err)
	}
	return &pending{l: l, f: f, name: name}, nil
}

// Write implements io.Writer.
func (p *pending) Write(b []byte) (int, error) {
	n, err := p.f.Write(b)
	if err != nil {
		return n, errSink{p.l.fileErr("writing", err)}
	}
	return n, nil
}

// restart empties the file for a download from the first byte.
func (p *pending) restart() error {
	if err := p.f.Truncate(0); err != nil {
		return err
	}
	_, err := p.f.Seek(0, io.SeekStart)
	return err
}

// commit flushes the file and links it into place without replacing a
// file that appeared meanwhile (rename where links are not supported,
// after a last check).
func (p *pending) commit() error {
	defer p.l.root.Remove(p.name)
	if err := p.f.Sync(); err != nil {
		p.f.Close()
		return p.l.fileErr("writing", err)
	}
	if err := p.f.Close(); err != nil {
		return p.l.fileErr("writing", err)
	}
	err := p.l.root.Link(p.name, p.l.rel)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%w: %q", ErrFileExists, p.l.path)
	}
	if ok, xerr := p.l.exists(); xerr != nil {
		return xerr
	} else if ok {
		return fmt.Errorf("%w: %q", ErrFileExists, p.l.path)
	}
	if err := p.l.root.Rename(p.name, p.l.rel); err != nil {
		return p.l.fileErr("writing", err)
	}
	return nil
}

// abort removes the temporary file.
func (p *pending) abort() {
	p.f.Close()
	p.l.root.Remove(p.name)
}
