package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestParseStaging(t *testing.T) {
	for _, tt := range []struct {
		q    string
		want *stagingCommand
	}{
		{`PUT '/tmp/a.csv' INTO '/Volumes/c/s/v/d/a.csv'`, &stagingCommand{op: "PUT", local: "/tmp/a.csv", volume: "c/s/v/d/a.csv"}},
		{" put \"x y\" into 'dbfs:/Volumes/c/s/v/f' overwrite ;", &stagingCommand{op: "PUT", local: "x y", volume: "c/s/v/f", overwrite: true}},
		{`GET '/Volumes/c/s/v/it\'s' TO 'out'`, &stagingCommand{op: "GET", local: "out", volume: "c/s/v/it's"}},
		{`REMOVE '/Volumes/c/s/v/f'`, &stagingCommand{op: "REMOVE", volume: "c/s/v/f"}},
	} {
		got, ok, err := parseStaging(tt.q)
		if !ok || err != nil || *got != *tt.want {
			t.Errorf("%s: got %+v, %v, %v; want %+v", tt.q, got, ok, err, tt.want)
		}
	}
	for _, q := range []string{"SELECT 1", "'PUT'", "putx 'a' INTO 'b'", ""} {
		if _, ok, _ := parseStaging(q); ok {
			t.Errorf("%q: parsed as a staging statement", q)
		}
	}
	for _, q := range []string{
		`PUT 'a' INTO '/Volumes/c/s/v/f' OVERWRITE x`,
		`PUT 'a' '/Volumes/c/s/v/f'`,
		`GET '/Volumes/c/s/v/f' TO 'a' OVERWRITE`,
		`GET '/Volumes/c/s/v/f' TO ''`,
		`REMOVE '/tmp/f'`,
		`REMOVE '/Volumes/c/s/v'`,
		`REMOVE '/Volumes/c/s/v/../../x/f'`,
		`REMOVE '/Volumes/c/s//v/f'`,
		`REMOVE '/Volumes/c/s/v/f`,
	} {
		if _, ok, err := parseStaging(q); !ok || err == nil {
			t.Errorf("%q: ok %v, err %v; want a syntax error", q, ok, err)
		}
	}
}

// stagingRow runs a staging statement (column-based, direct results) and
// returns its row by column name.
func stagingRow(t *testing.T, c *tcli.TCLIServiceClient, sess *tcli.TSessionHandle, q string) map[string]string {
	t.Helper()
	resp := exec(t, c, &tcli.TExecuteStatementReq{SessionHandle: sess, Statement: q, GetDirectResults: &tcli.TSparkGetDirectResults{MaxRows: 10}})
	d := resp.DirectResults
	if d == nil || d.OperationStatus.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("%s: not finished: %v", q, d)
	}
	if !d.ResultSetMetadata.GetIsStagingOperation() {
		t.Fatalf("%s: metadata not marked isStagingOperation", q)
	}
	row := map[string]string{}
	for i, col := range d.ResultSet.Results.Columns {
		name := d.ResultSetMetadata.Schema.Columns[i].ColumnName
		if v := col.StringVal.Values; len(v) != 1 {
			t.Fatalf("%s: column %s has %d values, want 1", q, name, len(v))
		} else {
			row[name] = v[0]
		}
	}
	return row
}

func TestStagingTransfers(t *testing.T) {
	dir := t.TempDir()
	s := Start(t, WithVolumes(dir))
	c := client(t, s)
	sess := open(t, c)

	row := stagingRow(t, c, sess, `PUT '/local/a.csv' INTO '/Volumes/main/default/vol/x/a.csv'`)
	if row["operation"] != "PUT" || row["localFile"] != "/local/a.csv" || !strings.HasPrefix(row["presignedUrl"], "http://") {
		t.Fatalf("PUT row %v", row)
	}
	var headers map[string]string
	if err := json.Unmarshal([]byte(row["headers"]), &headers); err != nil || headers[stagingKeyHeader] == "" {
		t.Fatalf("headers %q: %v, want %s", row["headers"], err, stagingKeyHeader)
	}
	do := func(method, u string, h map[string]string, body string) (int, string) {
		t.Helper()
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, u, r)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	u := row["presignedUrl"]
	tampered := strings.Replace(u, "/x/a.csv", "/x/b.csv", 1)
	withAuth := map[string]string{stagingKeyHeader: headers[stagingKeyHeader], "Authorization": "Bearer " + s.Token()}
	for _, tt := range []struct {
		name   string
		method string
		url    string
		h      map[string]string
		want   int
	}{
		{"tampered path", http.MethodPut, tampered, headers, http.StatusForbidden},
		{"no header", http.MethodPut, u, nil, http.StatusForbidden},
		{"Authorization", http.MethodPut, u, withAuth, http.StatusBadRequest},
		{"wrong method", http.MethodGet, u, headers, http.StatusMethodNotAllowed},
	} {
		if got, _ := do(tt.method, tt.url, tt.h, "data"); got != tt.want {
			t.Errorf("%s: HTTP %d, want %d", tt.name, got, tt.want)
		}
	}
	if got, _ := do(http.MethodPut, u, headers, "hello"); got != http.StatusCreated {
		t.Fatalf("PUT: HTTP %d, want 201", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "main", "default", "vol", "x", "a.csv")); err != nil || string(b) != "hello" {
		t.Fatalf("volume file holds %q, %v", b, err)
	}
	// Without OVERWRITE a second PUT fails at the statement; with it, it
	// replaces the file.
	resp, err := c.ExecuteStatement(ctx, &tcli.TExecuteStatementReq{SessionHandle: sess, Statement: `PUT 'l' INTO '/Volumes/main/default/vol/x/a.csv'`,
		GetDirectResults: &tcli.TSparkGetDirectResults{MaxRows: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if st := resp.DirectResults.GetOperationStatus(); st.GetOperationState() != tcli.TOperationState_ERROR_STATE || st.GetSqlState() != "42K04" {
		t.Errorf("PUT over a file without OVERWRITE: state %v %q, want ERROR_STATE 42K04", st.GetOperationState(), st.GetSqlState())
	}
	row = stagingRow(t, c, sess, `PUT 'l' INTO '/Volumes/main/default/vol/x/a.csv' OVERWRITE`)
	var h2 map[string]string
	json.Unmarshal([]byte(row["headers"]), &h2)
	if got, _ := do(http.MethodPut, row["presignedUrl"], h2, "bye"); got != http.StatusCreated {
		t.Fatalf("PUT OVERWRITE: HTTP %d", got)
	}

	row = stagingRow(t, c, sess, `GET '/Volumes/main/default/vol/x/a.csv' TO 'out'`)
	json.Unmarshal([]byte(row["headers"]), &h2)
	if got, body := do(http.MethodGet, row["presignedUrl"], h2, ""); got != http.StatusOK || body != "bye" {
		t.Errorf("GET: HTTP %d %q, want 200 bye", got, body)
	}
	row = stagingRow(t, c, sess, `REMOVE '/Volumes/main/default/vol/x/a.csv'`)
	if _, ok := row["localFile"]; ok || row["operation"] != "REMOVE" {
		t.Errorf("REMOVE row %v, want three columns", row)
	}
	json.Unmarshal([]byte(row["headers"]), &h2)
	if got, _ := do(http.MethodDelete, row["presignedUrl"], h2, ""); got != http.StatusNoContent {
		t.Errorf("DELETE: HTTP %d, want 204", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "main", "default", "vol", "x", "a.csv")); !os.IsNotExist(err) {
		t.Errorf("file still there after REMOVE: %v", err)
	}
	if n := s.Requests().Count(Staging); n != 8 {
		t.Errorf("%d Staging requests logged, want 8", n)
	}
	q, _ := url.Parse(u)
	if q.Query().Get("stmt") == "" {
		t.Errorf("URL names no statement")
	}
}
