package emulator

import (
	"strings"
	"testing"
)

// FuzzParseStaging feeds statement texts to the staging parser: it never
// panics, and a command it accepts names a volume file below the volumes
// directory (no empty, . or .. component) and, for PUT and GET, a local
// file.
func FuzzParseStaging(f *testing.F) {
	for _, q := range []string{
		`PUT '/tmp/a.csv' INTO '/Volumes/c/s/v/d/a.csv' OVERWRITE`,
		`GET 'dbfs:/Volumes/c/s/v/it\'s' TO "out"`,
		`REMOVE '/Volumes/c/s/v/f';`,
		`REMOVE '/Volumes/c/s/v/../../etc/passwd'`,
		`PUT 'a`,
		`SELECT 1`,
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		cmd, ok, err := parseStaging(q)
		if !ok || err != nil {
			return
		}
		parts := strings.Split(cmd.volume, "/")
		if len(parts) < 4 {
			t.Fatalf("%q: volume %q names no file", q, cmd.volume)
		}
		for _, p := range parts {
			if p == "" || p == "." || p == ".." {
				t.Fatalf("%q: volume %q has a %q component", q, cmd.volume, p)
			}
		}
		if cmd.op != "REMOVE" && cmd.local == "" {
			t.Fatalf("%q: %s without a local file", q, cmd.op)
		}
	})
}
