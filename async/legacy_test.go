package async

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// legacyToken is one line of testdata/tokens-v1.txt.
type legacyToken struct {
	name, warehouse, statementID, status, token string
}

func legacyTokens(t *testing.T) []legacyToken {
	t.Helper()
	f, err := os.Open("testdata/tokens-v1.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []legacyToken
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 5 {
			t.Fatalf("malformed line %q", line)
		}
		out = append(out, legacyToken{fs[0], fs[1], fs[2], fs[3], fs[4]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) < 6 {
		t.Fatalf("%d tokens in testdata/tokens-v1.txt", len(out))
	}
	return out
}

// TestLegacyTokensParse checks that the version 1 tokens made before the
// driver's reference serialised itself still decode to the same execution.
func TestLegacyTokensParse(t *testing.T) {
	want := tokenCases()
	for _, lt := range legacyTokens(t) {
		t.Run(lt.name, func(t *testing.T) {
			db := newTestDB(&fakeBackend{warehouse: lt.warehouse})
			defer db.Close()
			exc, err := db.ParseExecution(lt.token)
			if err != nil {
				t.Fatalf("ParseExecution: %v", err)
			}
			if exc.StatementID() != lt.statementID || exc.Status.String() != lt.status {
				t.Fatalf("decoded %s %s, want %s %s", exc.StatementID(), exc.Status, lt.statementID, lt.status)
			}
			if w, ok := want[lt.name]; ok {
				sameExecution(t, exc, w)
			}
			// Re-encoded, it is a current token for the same execution.
			tok, err := exc.MarshalText()
			if err != nil || !strings.HasPrefix(string(tok), tokenPrefix) {
				t.Fatalf("re-encoding: %q %v", tok, err)
			}
			again, err := db.ParseExecution(string(tok))
			if err != nil {
				t.Fatal(err)
			}
			sameExecution(t, again, exc)
			other := newTestDB(&fakeBackend{warehouse: otherWarehouse})
			defer other.Close()
			if _, err := other.ParseExecution(lt.token); err == nil {
				t.Fatal("a token of another warehouse parsed")
			}
		})
	}
}
