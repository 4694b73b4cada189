package emulator

import (
	"strings"
	"testing"

	"github.com/asyncsql/databricks/catalog"
)

// FuzzLike: any pattern compiles or fails without panicking, matching ends,
// and a name escaped with catalog.EscapePattern matches itself and only
// names equal to it without case.
func FuzzLike(f *testing.F) {
	f.Add("t%", "trips")
	f.Add(`my\_table`, "my_table")
	f.Add("%a%b_", "xaxbc")
	f.Add(`\`, "")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if m, err := compileLike(pattern); err == nil {
			m(name)
		}
		if len(name) > 64 {
			return
		}
		m, err := compileLike(catalog.EscapePattern(name))
		if err != nil {
			if strings.ToValidUTF8(name, "") == name {
				t.Fatalf("EscapePattern(%q) does not compile: %v", name, err)
			}
			return
		}
		if !m(name) {
			t.Fatalf("EscapePattern(%q) does not match itself", name)
		}
		if other := name + "x"; m(other) {
			t.Fatalf("EscapePattern(%q) matches %q", name, other)
		}
	})
}
