package emulator

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzParseSubmit feeds arbitrary bodies to the REST submission decoder: it
// must accept or refuse with a *badRequest, never panic, and what it
// accepts must be servable (a wait the API allows, a known format).
func FuzzParseSubmit(f *testing.F) {
	f.Add([]byte(`{"statement":"SELECT 1","warehouse_id":"w"}`))
	f.Add([]byte(`{"statement":"SELECT :a","warehouse_id":"w","parameters":[{"name":"a","value":"1","type":"INT"}],` +
		`"wait_timeout":"5s","on_wait_timeout":"CANCEL","disposition":"EXTERNAL_LINKS","format":"ARROW_STREAM",` +
		`"result_compression":"LZ4_FRAME","row_limit":10,"byte_limit":100,"query_tags":[{"key":"k","value":"v"}]}`))
	f.Add([]byte(`{"statement":"x","warehouse_id":"w","wait_timeout":"050s"}`))
	f.Add([]byte(`{"statement":"x","warehouse_id":"w","format":"CSV"}`))
	f.Add([]byte(`{"statement": `))
	f.Add([]byte(`[]`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseSubmit(body)
		if err != nil {
			var bad *badRequest
			if !errors.As(err, &bad) || bad.msg == "" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if req.wait != 0 && (req.wait < 5e9 || req.wait > 50e9) {
			t.Fatalf("wait %v accepted", req.wait)
		}
		switch req.format {
		case "JSON_ARRAY", "ARROW_STREAM":
		case "CSV":
			if !req.links {
				t.Fatal("CSV inline accepted")
			}
		default:
			t.Fatalf("format %q accepted", req.format)
		}
		if req.Statement == "" || req.WarehouseID == "" || req.rowLimit < 0 || req.byteLimit < 0 || len(req.tags) > maxQueryTags {
			t.Fatalf("accepted %+v", req)
		}
		for _, p := range req.Parameters {
			if p.Name == "" && (p.Ordinal < 1 || p.Ordinal > len(req.Parameters)) {
				t.Fatalf("parameter without name or ordinal accepted: %+v", p)
			}
		}
	})
}

// FuzzRouteREST feeds arbitrary methods and paths to the REST router and
// statement-ID parser: they must route or refuse, never panic, and an ID
// they accept must print back as itself (in lower case).
func FuzzRouteREST(f *testing.F) {
	f.Add("POST", restPrefix)
	f.Add("GET", restPrefix+"/01234567-89ab-cdef-0123-456789abcdef")
	f.Add("GET", restPrefix+"/01234567-89ab-cdef-0123-456789abcdef/result/chunks/3")
	f.Add("POST", restPrefix+"/01234567-89AB-CDEF-0123-456789ABCDEF/cancel")
	f.Add("DELETE", restPrefix+"//")
	f.Add("POST", "/../sessions")
	f.Add("DELETE", "/../sessions/01234567-89ab-cdef-0123-456789abcdef")
	f.Fuzz(func(t *testing.T, method, path string) {
		p := restPrefix + path
		if rest, ok := strings.CutPrefix(path, "/../sessions"); ok {
			p = restSessionsPrefix + rest
		}
		c, bad := routeREST(method, p)
		if bad != nil {
			if bad.status < 400 {
				t.Fatalf("refusal with HTTP %d", bad.status)
			}
			return
		}
		if k, ok := parseStatementID(c.id); ok && describeKey(k) != strings.ToLower(c.id) {
			t.Fatalf("ID %q reads as %s", c.id, describeKey(k))
		}
	})
}

// FuzzParseCreateSession feeds arbitrary bodies to the session creation
// decoder: it must accept or refuse with a *badRequest or a *classError,
// never panic, and what it accepts holds only the configuration parameters
// the API takes, under lower-case keys.
func FuzzParseCreateSession(f *testing.F) {
	f.Add([]byte(`{"warehouse_id":"w"}`))
	f.Add([]byte(`{"warehouse_id":"w","catalog":"c","schema":"s","session_confs":{"ANSI_MODE":"false","timezone":"UTC",` +
		`"statement_timeout":"30","query_tags":"a:b,c"}}`))
	f.Add([]byte(`{"warehouse_id":"w","session_confs":{"spark.foo":"1"}}`))
	f.Add([]byte(`{"warehouse_id":"w","session_confs":{"STATEMENT_TIMEOUT":"172801"}}`))
	f.Add([]byte(`{"warehouse_id":"w","session_confs":[]}`))
	f.Add([]byte(`{"warehouse_id": `))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseCreateSession(body)
		if err != nil {
			var bad *badRequest
			var ce *classError
			if !(errors.As(err, &bad) && bad.msg != "") && !(errors.As(err, &ce) && ce.class != "" && ce.msg != "") {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if req.WarehouseID == "" || req.timeout < 0 || req.timeout > maxStatementTimeout*time.Second {
			t.Fatalf("accepted %+v", req)
		}
		for k := range req.confs {
			if k != strings.ToLower(k) || !slices.Contains(restSessionConfs, strings.ToUpper(k)) {
				t.Fatalf("configuration %q accepted", k)
			}
		}
	})
}
