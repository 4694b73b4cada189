package emulator

import (
	"strings"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// openAt opens a session asking for protocol v and checks the answer.
func openAt(t *testing.T, c *tcli.TCLIServiceClient, v, want tcli.TProtocolVersion) *tcli.TSessionHandle {
	t.Helper()
	i64 := int64(v)
	resp, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{ClientProtocolI64: &i64})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, resp.Status)
	if resp.ServerProtocolVersion != want {
		t.Fatalf("asked %v, server answered %v, want %v", v, resp.ServerProtocolVersion, want)
	}
	return resp.SessionHandle
}

// row0 runs req and returns the text of every column of its first row
// (nested values are JSON text).
func row0(t *testing.T, c *tcli.TCLIServiceClient, req *tcli.TExecuteStatementReq) []string {
	t.Helper()
	dr := exec(t, c, req).DirectResults
	if st := dr.OperationStatus; st.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("%v: %s", st.GetOperationState(), st.GetErrorMessage())
	}
	r := decode(t, dr.ResultSetMetadata.ArrowSchema, dr.ResultSet.Results.ArrowBatches, false)[0]
	out := make([]string, r.NumCols())
	for i := range out {
		out[i] = r.Column(i).ValueStr(0)
	}
	return out
}

// positional is a parameter as the Python connector sends a positional one:
// ordinal 1 (its ordinal field is a flag), no name.
func positional(typ, value string) *tcli.TSparkParameter {
	return param("", 1, typ, &value)
}

// TestParametersAtV7 checks what a warehouse does for a client that asks for
// SPARK V7 and sends native parameters anyway: the session is at V7 and the
// parameters are bound.
func TestParametersAtV7(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := openAt(t, c, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V7, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V7)
	req := arrowReq(sess, "SELECT :a + 1, :b", 10)
	req.Parameters = []*tcli.TSparkParameter{param("a", 0, "INT", ptr("41")), param("b", 0, "STRING", ptr("x"))}
	if got := row0(t, c, req); got[0] != "42" || got[1] != "x" {
		t.Fatalf("row %q", got)
	}
	// A server emulating a runtime before SPARK V8 refuses them.
	old := Start(t, WithMaxProtocol(SparkV7))
	oc := client(t, old)
	req.SessionHandle = openAt(t, oc, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V7)
	resp, err := oc.ExecuteStatement(ctx, req)
	if err != nil || resp.Status.StatusCode != tcli.TStatusCode_ERROR_STATUS || resp.Status.GetSqlState() != "0A000" ||
		!strings.HasPrefix(resp.Status.GetErrorMessage(), "[UNSUPPORTED_FEATURE.PARAMETERIZED_QUERIES]") {
		t.Fatalf("parameters on a V7 server: %v %v", resp, err)
	}
}

// TestPositionalInListOrder checks that positional parameters are bound in
// the order of the list whatever their ordinal says.
func TestPositionalInListOrder(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT ?, ?, ? + 1, '?' AS q -- ?", 10)
	req.Parameters = []*tcli.TSparkParameter{positional("INT", "7"), positional("STRING", "x"), positional("INT", "41")}
	if got := row0(t, c, req); strings.Join(got, "|") != "7|x|42|?" {
		t.Fatalf("row %q, want 7|x|42|?", got)
	}
	// Ordinals out of order (or missing) change nothing either.
	req.Parameters = []*tcli.TSparkParameter{param("", 2, "INT", ptr("7")), param("", 0, "STRING", ptr("x")), param("", 1, "INT", ptr("41"))}
	if got := row0(t, c, req); strings.Join(got, "|") != "7|x|42|?" {
		t.Fatalf("row %q, want 7|x|42|?", got)
	}
	// Too few parameters: the warehouse's unbound-parameter error.
	req.Parameters = req.Parameters[:2]
	resp, err := c.ExecuteStatement(ctx, req)
	if err != nil || resp.Status.GetSqlState() != "42P02" || !strings.HasPrefix(resp.Status.GetErrorMessage(), "[UNBOUND_SQL_PARAMETER]") {
		t.Fatalf("two parameters for three markers: %v %v", resp, err)
	}
}

func arg(typ, value string) *tcli.TSparkParameterValueArg {
	return &tcli.TSparkParameterValueArg{Type: &typ, Value: &value}
}

func nested(typ string, args ...*tcli.TSparkParameterValueArg) *tcli.TSparkParameterValueArg {
	if args == nil {
		args = []*tcli.TSparkParameterValueArg{}
	}
	return &tcli.TSparkParameterValueArg{Type: &typ, Arguments: args}
}

// collection is an ARRAY or MAP parameter as the Python connector sends it:
// the type, no value, the elements as arguments.
func collection(name, typ string, args ...*tcli.TSparkParameterValueArg) *tcli.TSparkParameter {
	p := param(name, 1, typ, nil)
	p.Arguments = args
	if args == nil {
		p.Arguments = []*tcli.TSparkParameterValueArg{}
	}
	return p
}

// TestCollectionParameters checks ARRAY and MAP parameters, whose values
// are their arguments, nested too, named and positional.
func TestCollectionParameters(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT :ints, :strs, :m, :nest, :nulls, :dates, :empty, :dec, :i", 10)
	req.Parameters = []*tcli.TSparkParameter{
		collection("ints", "ARRAY", arg("INT", "1"), arg("INT", "2"), arg("INT", "3")),
		collection("strs", "ARRAY", arg("STRING", "it's"), arg("STRING", `a "b", c`)),
		collection("m", "MAP", arg("STRING", "k1"), arg("BIGINT", "10"), arg("STRING", "k2"), arg("BIGINT", "20")),
		collection("nest", "ARRAY", nested("ARRAY", arg("INT", "1")), nested("ARRAY", arg("INT", "2"), arg("INT", "3")),
			nested("ARRAY")),
		collection("nulls", "ARRAY", arg("BOOLEAN", "True"), arg("VOID", "None")),
		collection("dates", "MAP", arg("DATE", "2024-02-29"), arg("TIMESTAMP", "2024-01-02 03:04:05+01:00")),
		collection("empty", "MAP"),
		collection("dec", "ARRAY", arg("DECIMAL(4,2)", "12.50"), arg("DOUBLE", "1.5")),
		param("i", 0, "INT", ptr("9")),
	}
	for i := range req.Parameters {
		req.Parameters[i].Ordinal = ptr(int32(0))
	}
	want := []string{`[1,2,3]`, `["it's","a \"b\", c"]`, `{"k1":10,"k2":20}`, `[[1],[2,3],[]]`, `[true,null]`,
		`{"2024-02-29":"2024-01-02 02:04:05"}`, `{}`, `[12.5,1.5]`, "9"}
	got := row0(t, c, req)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d: %s, want %s", i, got[i], want[i])
		}
	}
	// Positional, as the Python connector sends them (ordinal 1 each).
	req = arrowReq(sess, "SELECT ?, ? + 1, ?", 10)
	req.Parameters = []*tcli.TSparkParameter{collection("", "ARRAY", arg("INT", "5")), positional("INT", "1"),
		collection("", "MAP", arg("INT", "1"), arg("STRING", "one"))}
	if got := row0(t, c, req); strings.Join(got, "|") != `[5]|2|{"1":"one"}` {
		t.Fatalf("row %q", got)
	}
}

func TestBadCollectionParameters(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	deep := nested("ARRAY", arg("INT", "1"))
	for range maxNesting + 1 {
		deep = nested("ARRAY", deep)
	}
	for name, p := range map[string]*tcli.TSparkParameter{
		"odd map":     collection("x", "MAP", arg("STRING", "k")),
		"struct":      collection("x", "STRUCT", arg("INT", "1")),
		"bad element": collection("x", "ARRAY", arg("INT", "one")),
		"bad type":    collection("x", "ARRAY", arg("INT); DROP TABLE t; --", "1")),
		"too deep":    collection("x", "ARRAY", deep),
	} {
		req := arrowReq(sess, "SELECT :x", 10)
		req.Parameters = []*tcli.TSparkParameter{p}
		resp, err := c.ExecuteStatement(ctx, req)
		if err != nil || resp.Status.StatusCode != tcli.TStatusCode_ERROR_STATUS || resp.Status.GetSqlState() != "22023" {
			t.Errorf("%s: %v %v", name, resp, err)
		}
	}
}
