package emulator

import "testing"

func TestCompileLike(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"%", "", true},
		{"%", "anything", true},
		{"t%", "trips", true},
		{"t%", "Trips", true}, // names match without case
		{"T_IPS", "trips", true},
		{"t_ips", "tips", false},
		{"t\\_x", "t_x", true},
		{"t\\_x", "tax", false}, // an escaped '_' is literal
		{"100\\%", "100%", true},
		{"100\\%", "1000", false},
		{"%a%b%", "xxaxxbxx", true},
		{"%a%b%", "xxbxxaxx", false},
		{"a%%%c", "abc", true},
		{"ä_", "Äx", true},
		{"", "", true},
		{"", "x", false},
		{"a\\\\b", "a\\b", true},
	}
	for _, tc := range cases {
		m, err := compileLike(tc.pattern)
		if err != nil {
			t.Fatalf("compileLike(%q): %v", tc.pattern, err)
		}
		if got := m(tc.name); got != tc.want {
			t.Errorf("%q LIKE %q: got %v, want %v", tc.name, tc.pattern, got, tc.want)
		}
	}
	for _, bad := range []string{"abc\\", "\xff%"} {
		if _, err := compileLike(bad); err == nil {
			t.Errorf("compileLike(%q): got no error", bad)
		}
	}
}

// TestLikeBacktracking: a pattern of many '%' against a long name that does
// not match ends (matching is len(pattern)*len(name), not exponential).
func TestLikeBacktracking(t *testing.T) {
	p := ""
	for range 200 {
		p += "%a"
	}
	m, err := compileLike(p + "b")
	if err != nil {
		t.Fatal(err)
	}
	name := make([]byte, 5000)
	for i := range name {
		name[i] = 'a'
	}
	if m(string(name)) {
		t.Error("matched a name without b")
	}
}
