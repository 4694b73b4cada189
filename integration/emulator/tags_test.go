package emulator

import (
	"maps"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestParseTags(t *testing.T) {
	cases := []struct {
		in   string
		want map[string]string
	}{
		{"", map[string]string{}},
		{"team:eng", map[string]string{"team": "eng"}},
		{"a:1,b,c:", map[string]string{"a": "1", "b": "", "c": ""}},
		{`path:C\:\\x\,y,k\\ey:v`, map[string]string{"path": `C:\x,y`, `k\ey`: "v"}},
		{"url:http://h:1/p", map[string]string{"url": "http://h:1/p"}},
	}
	for _, tc := range cases {
		got, err := parseTags(tc.in)
		if err != nil || !maps.Equal(got, tc.want) {
			t.Errorf("parseTags(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{",", "a,", ":v", "a:1,a:2", `a:b\`} {
		if got, err := parseTags(bad); err == nil {
			t.Errorf("parseTags(%q) = %q, want an error", bad, got)
		}
	}
}

// TestQueryTagsHistory: the session's QUERY_TAGS and a statement's
// confOverlay query_tags, merged with the statement's winning, are the
// tags of the statement's log entries; malformed tags fail with 22023.
func TestQueryTagsHistory(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	v := int64(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	resp, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{
		ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10, ClientProtocolI64: &v,
		Configuration: map[string]string{"QUERY_TAGS": `team:eng,app:etl\,v2`},
	})
	if err != nil {
		t.Fatal(err)
	}
	mustOK(t, resp.Status)
	sess := resp.SessionHandle
	plain := exec(t, c, arrowReq(sess, "SELECT 1", 10))
	req := arrowReq(sess, "SELECT 2", 10)
	req.ConfOverlay = map[string]string{"query_tags": "team:ops,job"}
	tagged := exec(t, c, req)
	if _, err := c.GetOperationStatus(ctx, &tcli.TGetOperationStatusReq{OperationHandle: tagged.OperationHandle}); err != nil {
		t.Fatal(err)
	}

	log := s.Requests()
	want := map[string]map[string]string{
		formatUUID(plain.OperationHandle.OperationId.GUID):  {"team": "eng", "app": "etl,v2"},
		formatUUID(tagged.OperationHandle.OperationId.GUID): {"team": "ops", "app": "etl,v2", "job": ""},
	}
	for id, tags := range want {
		entries := log.ForStatement(id)
		if len(entries) == 0 {
			t.Fatalf("no log entry for %s in %v", id, log)
		}
		for _, r := range entries {
			if !maps.Equal(r.Tags, tags) {
				t.Errorf("%s %s: tags %q, want %q", r.Method, r.Statement, r.Tags, tags)
			}
		}
	}

	req = arrowReq(sess, "SELECT 3", 10)
	req.ConfOverlay = map[string]string{"query_tags": `a:1\`}
	bad, err := c.ExecuteStatement(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if bad.Status.GetSqlState() != "22023" || bad.OperationHandle != nil {
		t.Errorf("malformed statement tags: status %v, handle %v; want 22023 and none", bad.Status, bad.OperationHandle)
	}
	badSess, err := c.OpenSession(ctx, &tcli.TOpenSessionReq{
		ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10, ClientProtocolI64: &v,
		Configuration: map[string]string{"query_tags": "a:1,a:2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if badSess.Status.GetSqlState() != "22023" || badSess.SessionHandle != nil {
		t.Errorf("malformed session tags: status %v; want 22023 and no session", badSess.Status)
	}
}
