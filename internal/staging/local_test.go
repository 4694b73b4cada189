package staging

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLocate(t *testing.T) {
	base := t.TempDir()
	allowed := filepath.Join(base, "allowed")
	other := filepath.Join(base, "other")
	for _, d := range []string{allowed, other, filepath.Join(allowed, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string) {
		if err := os.WriteFile(p, []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(allowed, "in.csv"))
	write(filepath.Join(allowed, "sub", "deep.csv"))
	write(filepath.Join(other, "secret.txt"))
	// Symbolic links: one out of the directory (absolute and relative),
	// one that stays inside.
	if err := os.Symlink(filepath.Join(other, "secret.txt"), filepath.Join(allowed, "abs-out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../other/secret.txt", filepath.Join(allowed, "rel-out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../other", filepath.Join(allowed, "dir-out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub/deep.csv", filepath.Join(allowed, "inside")); err != nil {
		t.Fatal(err)
	}
	dirs := []string{allowed}

	for _, p := range []string{
		filepath.Join(allowed, "in.csv"),
		filepath.Join(allowed, "sub", "deep.csv"),
		filepath.Join(allowed, "sub", "..", "in.csv"),
		filepath.Join(allowed, "inside"),
	} {
		l, err := locate(dirs, p)
		if err != nil {
			t.Errorf("%s: %v, want it allowed", p, err)
			continue
		}
		f, size, err := l.openSource()
		if err != nil || size != 4 {
			t.Errorf("%s: open: size %d, %v; want 4 bytes", p, size, err)
		} else {
			f.Close()
		}
		l.root.Close()
	}

	// Refused before anything is opened: outside, traversal, the directory
	// itself, a sibling sharing its prefix.
	for _, p := range []string{
		filepath.Join(other, "secret.txt"),
		filepath.Join(allowed, "..", "other", "secret.txt"),
		allowed,
		allowed + "-evil/x",
		"/etc/passwd",
	} {
		if l, err := locate(dirs, p); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: got %v, want ErrNotAllowed", p, err)
			if l != nil {
				l.root.Close()
			}
		}
	}
	// Refused when opened: symbolic links that lead out.
	for _, name := range []string{"abs-out", "rel-out", filepath.Join("dir-out", "secret.txt")} {
		l, err := locate(dirs, filepath.Join(allowed, name))
		if err != nil {
			t.Errorf("%s: locate: %v", name, err)
			continue
		}
		if f, _, err := l.openSource(); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: open: got %v, want ErrNotAllowed", name, err)
			if f != nil {
				f.Close()
			}
		}
		if p, err := l.createPending(); err == nil {
			p.abort()
			if name == filepath.Join("dir-out", "secret.txt") {
				t.Errorf("%s: a GET could write through a link out of the directory", name)
			}
		}
		l.root.Close()
	}
	// No directory allowed at all.
	if _, err := locate(nil, filepath.Join(allowed, "in.csv")); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("no directories: got %v, want ErrNotAllowed", err)
	}
	// A relative path is taken from the working directory.
	t.Chdir(allowed)
	l, err := locate(dirs, "in.csv")
	if err != nil {
		t.Fatalf("relative path: %v", err)
	}
	l.root.Close()
}

// TestPendingCommit: a GET's file appears only when committed, never over
// an existing file, and an aborted one leaves nothing.
func TestPendingCommit(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "out.bin")
	l, err := locate([]string{dir}, target)
	if err != nil {
		t.Fatal(err)
	}
	defer l.root.Close()
	p, err := l.createPending()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("target exists before commit: %v", err)
	}
	if err := p.commit(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "hello" {
		t.Fatalf("target holds %q, %v; want hello", b, err)
	}
	if _, err := l.createPending(); !errors.Is(err, ErrFileExists) {
		t.Errorf("GET over an existing file: got %v, want ErrFileExists", err)
	}

	// A file that appears while the download runs is not replaced.
	late := filepath.Join(dir, "late.bin")
	l2, _ := locate([]string{dir}, late)
	defer l2.root.Close()
	p, err = l2.createPending()
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte("new"))
	os.WriteFile(late, []byte("theirs"), 0o644)
	if err := p.commit(); !errors.Is(err, ErrFileExists) {
		t.Errorf("commit over a file that appeared: got %v, want ErrFileExists", err)
	}
	if b, _ := os.ReadFile(late); string(b) != "theirs" {
		t.Errorf("the file that appeared holds %q, want theirs", b)
	}

	l3, _ := locate([]string{dir}, filepath.Join(dir, "aborted.bin"))
	defer l3.root.Close()
	p, _ = l3.createPending()
	p.Write([]byte("partial"))
	p.abort()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 {
		t.Errorf("directory holds %v, want only out.bin and late.bin", names)
	}
}
