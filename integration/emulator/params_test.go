package emulator

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func param(name string, ordinal int32, typ string, value *string) *tcli.TSparkParameter {
	p := &tcli.TSparkParameter{Type: &typ}
	if name != "" {
		p.Name = &name
	} else if ordinal > 0 {
		p.Ordinal = &ordinal
	}
	if value != nil {
		p.Value = &tcli.TSparkParameterValue{StringValue: value}
	}
	return p
}

func TestNamedParameters(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, `SELECT :n AS n, :d AS d, :dt AS dt, :ts AS ts, :b AS b, :bin AS bin, :v AS v,
		:s AS s, ':n' AS lit, 1::INTEGER AS cast_kept, :f AS f, :i AS i -- :n in a comment`, 10)
	req.Parameters = []*tcli.TSparkParameter{
		param("n", 0, "BIGINT", ptr("9007199254740993")),
		param("d", 0, "DECIMAL(10,2)", ptr("-12.50")),
		param("dt", 0, "DATE", ptr("2024-02-29")),
		param("ts", 0, "TIMESTAMP", ptr("2024-01-02 03:04:05.123456+01:00")),
		param("b", 0, "BOOLEAN", ptr("true")),
		param("bin", 0, "BINARY", ptr("00ff")),
		param("v", 0, "VOID", nil),
		param("s", 0, "STRING", ptr("it's")),
		param("f", 0, "DOUBLE", ptr("1.25")),
		param("i", 0, "INT", ptr("7")),
	}
	dr := exec(t, c, req).DirectResults
	if st := dr.OperationStatus; st.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("%v: %s", st.GetOperationState(), st.GetErrorMessage())
	}
	cols := dr.ResultSetMetadata.Schema.Columns
	wantTypes := []tcli.TTypeId{tcli.TTypeId_BIGINT_TYPE, tcli.TTypeId_DECIMAL_TYPE, tcli.TTypeId_DATE_TYPE,
		tcli.TTypeId_TIMESTAMP_TYPE, tcli.TTypeId_BOOLEAN_TYPE, tcli.TTypeId_BINARY_TYPE}
	for i, w := range wantTypes {
		if got := cols[i].TypeDesc.Types[0].PrimitiveEntry.Type; got != w {
			t.Errorf("%s: %v, want %v", cols[i].ColumnName, got, w)
		}
	}
	r := decode(t, dr.ResultSetMetadata.ArrowSchema, dr.ResultSet.Results.ArrowBatches, false)[0]
	want := map[int]string{0: "9007199254740993", 2: "2024-02-29", 3: "2024-01-02T02:04:05.123456Z", 4: "true",
		6: "(null)", 7: "it's", 8: ":n", 9: "1", 10: "1.25", 11: "7"}
	for col, w := range want {
		if got := r.Column(col).ValueStr(0); got != w {
			t.Errorf("column %s: %q, want %q", cols[col].ColumnName, got, w)
		}
	}
	d := r.Column(1).(*array.Decimal128)
	if got := d.Value(0).ToString(d.DataType().(*arrow.Decimal128Type).Scale); got != "-12.50" {
		t.Errorf("decimal %q", got)
	}
	if got := r.Column(5).(*array.Binary).Value(0); string(got) != "\x00\xff" {
		t.Errorf("binary %q", got)
	}
}

func TestPositionalParameters(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT ? + 1 AS a, ? AS b, '?' AS q", 10)
	req.Parameters = []*tcli.TSparkParameter{
		param("", 1, "INT", ptr("41")),
		param("", 2, "DECIMAL(4,1)", ptr("1.5")),
	}
	dr := exec(t, c, req).DirectResults
	if st := dr.OperationStatus; st.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("%v: %s", st.GetOperationState(), st.GetErrorMessage())
	}
	r := decode(t, dr.ResultSetMetadata.ArrowSchema, dr.ResultSet.Results.ArrowBatches, false)[0]
	if r.Column(0).ValueStr(0) != "42" || r.Column(2).ValueStr(0) != "?" {
		t.Fatalf("a=%s q=%s", r.Column(0).ValueStr(0), r.Column(2).ValueStr(0))
	}
	d := r.Column(1).(*array.Decimal128)
	if got := d.Value(0).ToString(1); got != "1.5" {
		t.Fatalf("b=%s", got)
	}
}

func TestBadParameter(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT :x", 10)
	req.Parameters = []*tcli.TSparkParameter{param("x", 0, "BIGINT", ptr("nope"))}
	resp, err := c.ExecuteStatement(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status.StatusCode != tcli.TStatusCode_ERROR_STATUS {
		t.Fatalf("status %v", resp.Status)
	}
}

func TestRewriteMarkers(t *testing.T) {
	dec := binding{value: "1.5", cast: "DECIMAL(3,1)"}
	for _, tc := range []struct {
		in, want string
		named    map[string]binding
		pos      []binding
		args     int
	}{
		{"SELECT :a, :b::INT, :A", "SELECT $1, $2::INT, $1", map[string]binding{"a": {value: 1}, "b": {value: 2}}, nil, 2},
		{`SELECT ':a', ":a", /* :a */ :a -- :a`, `SELECT ':a', ":a", /* :a */ $1 -- :a`, map[string]binding{"a": {value: 1}}, nil, 1},
		{"SELECT x::a, ?, ?", "SELECT x::a, CAST($1 AS DECIMAL(3,1)), $2", nil, []binding{dec, {value: 1}}, 2},
		{"SELECT 'it''s :a' || :a", "SELECT 'it''s :a' || $1", map[string]binding{"a": {value: 1}}, nil, 1},
		// An ARRAY parameter is an expression: the next value is still $1.
		{"SELECT ?, ?", "SELECT [1, 2], $1", nil, []binding{{expr: "[1, 2]"}, {value: 3}}, 1},
		// Without named parameters :x is not a marker (a slice bound, say).
		{"SELECT l[a:b], ?", "SELECT l[a:b], $1", nil, []binding{{value: 3}}, 1},
	} {
		got, args, err := rewriteMarkers(tc.in, tc.named, tc.pos)
		if err != nil || got != tc.want || len(args) != tc.args {
			t.Errorf("%s → %s with %d args (%v), want %s with %d", tc.in, got, len(args), err, tc.want, tc.args)
		}
	}
	for _, tc := range []struct {
		in    string
		named map[string]binding
		pos   []binding
	}{
		{"SELECT :a, :b", map[string]binding{"a": {value: 1}}, nil},
		{"SELECT ?, ?", nil, []binding{{value: 1}}},
	} {
		_, _, err := rewriteMarkers(tc.in, tc.named, tc.pos)
		if err == nil || !strings.HasPrefix(err.Error(), "[UNBOUND_SQL_PARAMETER] Found the unbound parameter: ") ||
			!strings.HasSuffix(err.Error(), "SQLSTATE: 42P02") {
			t.Errorf("%s: %v", tc.in, err)
		}
	}
}

func TestBadDecimalType(t *testing.T) {
	p := param("x", 0, "DECIMAL(1,1)) FROM x; --", ptr("1"))
	if _, _, err := paramValue(p); err == nil {
		t.Fatal("malformed DECIMAL type accepted")
	}
	p = param("x", 0, "decimal(12)", ptr("1"))
	if _, cast, err := paramValue(p); err != nil || cast != "DECIMAL(12,0)" {
		t.Fatalf("cast %q err %v", cast, err)
	}
}
