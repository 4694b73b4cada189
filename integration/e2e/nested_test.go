package e2e_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/asyncsql/databricks/integration/emulator"
)

// nestedQuery has nested values of every shape, NULLs inside and a NULL row.
const nestedQuery = `SELECT [1, NULL, 3] AS a, MAP {'k': [1, 2], 'j': NULL} AS m,
	{'s': {'t': 'it''s'}, 'd': DATE '2024-01-02', 'v': 1.25::DECIMAL(4,2), 'b': 'x'::BLOB} AS st,
	[{'ts': TIMESTAMP '2024-01-02 03:04:05'}] AS lt
	FROM range(3) UNION ALL SELECT NULL, NULL, NULL, NULL`

// TestNativeComplexTypes reads nested values through native Arrow lists,
// maps and structs (useArrowComplexTypes=true: the driver decodes them) and
// as the server's JSON text, inline, LZ4-compressed and from result links:
// the same JSON values, except the text of timestamps inside.
func TestNativeComplexTypes(t *testing.T) {
	links := emulator.Start(t, emulator.WithLinkThreshold(1), emulator.WithREST(emulator.RESTOptions{HybridInlineLimit: 1}))
	wantText := []string{`[1,null,3]`, `{"k":[1,2],"j":null}`, `{"s":{"t":"it's"},"d":"2024-01-02","v":1.25,"b":"eA=="}`}
	for _, tc := range []struct {
		name   string
		srv    *emulator.Server
		native bool
		lz4    string
		ts     string
	}{
		{"native", srv, true, "false", "2024-01-02T03:04:05Z"},
		{"native_lz4", srv, true, "true", "2024-01-02T03:04:05Z"},
		{"native_links", links, true, "true", "2024-01-02T03:04:05Z"},
		{"json_text", srv, false, "true", "2024-01-02 03:04:05"},
		{"json_text_links", links, false, "false", "2024-01-02 03:04:05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if backend == "rest" && !tc.native {
				// ARROW_STREAM has nested types as native Arrow: the
				// driver renders them whatever useArrowComplexTypes says.
				tc.ts = "2024-01-02T03:04:05Z"
			}
			p := params("useLZ4", tc.lz4)
			if tc.native {
				p.Set("useArrowComplexTypes", "true")
			}
			db := open(t, tc.srv, p)
			rows, err := db.QueryContext(testCtx(t), nestedQuery)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n, nulls := 0, 0
			for rows.Next() {
				var a, m, st, lt *string
				if err := rows.Scan(&a, &m, &st, &lt); err != nil {
					t.Fatal(err)
				}
				if a == nil {
					nulls++
					if m != nil || st != nil || lt != nil {
						t.Errorf("NULL row: %v %v %v", m, st, lt)
					}
					continue
				}
				n++
				for i, got := range []string{*a, *m, *st} {
					if !sameJSON(t, got, wantText[i]) {
						t.Errorf("column %d: %s, want %s", i, got, wantText[i])
					}
				}
				if want := `[{"ts":"` + tc.ts + `"}]`; *lt != want {
					t.Errorf("timestamp inside: %s, want %s", *lt, want)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if n != 3 || nulls != 1 {
				t.Fatalf("%d rows and %d NULL rows, want 3 and 1", n, nulls)
			}
		})
	}
	if links.LinkStats().Served < 2 {
		t.Errorf("result links: %+v", links.LinkStats())
	}
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Errorf("%s: %v", a, err)
		return false
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}
