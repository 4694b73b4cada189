package e2e_test

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"

	dbx "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// wireCall is one RPC seen by the recorder, decoded.
type wireCall struct {
	method    string
	userAgent string
	req       thrift.TStruct
	resp      thrift.TStruct
}

// recorder is an http.RoundTripper keeping a decoded copy of every call.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	log  []wireCall
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	c := wireCall{userAgent: req.Header.Get("User-Agent")}
	ctx := context.Background()
	in := wireProtocol(body)
	if name, _, _, err := in.ReadMessageBegin(ctx); err == nil {
		c.method = name
		if a := wireArgs(name); a != nil && a.Read(ctx, in) == nil {
			c.req = a
		}
	}
	resp, err := r.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusOK {
		rb, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(rb))
		if rerr == nil {
			out := wireProtocol(rb)
			if _, _, _, err := out.ReadMessageBegin(ctx); err == nil {
				if res := wireResult(c.method); res != nil && res.Read(ctx, out) == nil {
					c.resp = res
				}
			}
		}
	}
	r.mu.Lock()
	r.log = append(r.log, c)
	r.mu.Unlock()
	return resp, err
}

func (r *recorder) calls() []wireCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wireCall(nil), r.log...)
}

func wireProtocol(b []byte) thrift.TProtocol {
	return thrift.NewTBinaryProtocolConf(thrift.NewStreamTransportR(bytes.NewReader(b)), &thrift.TConfiguration{})
}

func wireArgs(method string) thrift.TStruct {
	switch method {
	case "ExecuteStatement":
		return &tcli.TCLIServiceExecuteStatementArgs{}
	case "FetchResults":
		return &tcli.TCLIServiceFetchResultsArgs{}
	}
	return nil
}

func wireResult(method string) thrift.TStruct {
	switch method {
	case "ExecuteStatement":
		return &tcli.TCLIServiceExecuteStatementResult{}
	case "FetchResults":
		return &tcli.TCLIServiceFetchResultsResult{}
	case "GetResultSetMetadata":
		return &tcli.TCLIServiceGetResultSetMetadataResult{}
	}
	return nil
}

// openRecorded opens the driver on the shared emulator through
// driver.NewConnector with the DSN parameters given and a recording
// transport.
func openRecorded(t *testing.T, p url.Values) (*sql.DB, *recorder) {
	t.Helper()
	cfg, err := dbx.ParseDSN(dsn(t, srv, p))
	if err != nil {
		t.Fatalf("ParseDSN: %v", err)
	}
	rec := &recorder{base: http.DefaultTransport.(*http.Transport).Clone()}
	c, err := dbx.NewConnector(cfg, dbx.WithTransport(rec), dbx.WithUserAgentEntry("e2e-test"))
	if err != nil {
		t.Fatalf("NewConnector: %v", err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() {
		_ = db.Close()
		rec.base.(*http.Transport).CloseIdleConnections()
	})
	return db, rec
}

// TestFormatsOnTheWire checks that each DSN variant really asks for and
// reads its result format: Arrow with LZ4, Arrow without, column sets; and
// that pages respect maxRows.
func TestFormatsOnTheWire(t *testing.T) {
	thriftOnly(t, "it decodes Thrift replies")
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			p := url.Values{}
			for k, v := range f.params {
				p[k] = v
			}
			p.Set("maxRows", "7000")
			db, rec := openRecorded(t, p)
			readBig(t, db, 30000)

			wantArrow := f.name != "columns"
			wantLZ4 := f.name == "arrow_lz4"
			var (
				execs, pages int
				metas        []*tcli.TGetResultSetMetadataResp
			)
			for _, c := range rec.calls() {
				if c.userAgent == "" {
					t.Errorf("%s sent without User-Agent", c.method)
				}
				switch x := c.req.(type) {
				case *tcli.TCLIServiceExecuteStatementArgs:
					execs++
					r := x.Req
					if r.GetCanReadArrowResult_() != wantArrow {
						t.Errorf("canReadArrowResult = %v", r.GetCanReadArrowResult_())
					}
					if r.GetCanDecompressLZ4Result_() != wantLZ4 {
						t.Errorf("canDecompressLZ4Result = %v", r.GetCanDecompressLZ4Result_())
					}
					if !r.RunAsync {
						t.Errorf("runAsync is false")
					}
				}
				switch x := c.resp.(type) {
				case *tcli.TCLIServiceExecuteStatementResult:
					if d := x.GetSuccess().GetDirectResults(); d != nil && d.ResultSetMetadata != nil {
						metas = append(metas, d.ResultSetMetadata)
					}
					if d := x.GetSuccess().GetDirectResults(); d != nil && d.ResultSet != nil {
						pages++
						checkPage(t, d.ResultSet.Results, wantArrow, 7000)
					}
				case *tcli.TCLIServiceGetResultSetMetadataResult:
					metas = append(metas, x.GetSuccess())
				case *tcli.TCLIServiceFetchResultsResult:
					pages++
					checkPage(t, x.GetSuccess().GetResults(), wantArrow, 7000)
				}
			}
			if execs != 1 {
				t.Errorf("%d ExecuteStatement calls", execs)
			}
			if pages < 30000/7000 {
				t.Errorf("%d pages for 30,000 rows with maxRows 7000", pages)
			}
			if len(metas) == 0 {
				t.Fatal("no result set metadata seen")
			}
			for _, m := range metas {
				format := tcli.TSparkRowSetType_COLUMN_BASED_SET
				if wantArrow {
					format = tcli.TSparkRowSetType_ARROW_BASED_SET
				}
				if m.GetResultFormat() != format {
					t.Errorf("resultFormat %v", m.GetResultFormat())
				}
				if m.GetLz4Compressed() != wantLZ4 {
					t.Errorf("lz4Compressed %v", m.GetLz4Compressed())
				}
			}
		})
	}
}

// checkPage checks the encoding and size of one page.
func checkPage(t *testing.T, rs *tcli.TRowSet, arrow bool, maxRows int64) {
	t.Helper()
	if rs == nil {
		return
	}
	var n int64
	if arrow {
		if len(rs.Columns) > 0 {
			t.Errorf("column set in an Arrow result")
		}
		for _, b := range rs.ArrowBatches {
			n += b.RowCount
		}
	} else {
		if len(rs.ArrowBatches) > 0 {
			t.Errorf("Arrow batches in a column-based result")
		}
		if len(rs.Columns) > 0 && rs.Columns[0].I64Val != nil {
			n = int64(len(rs.Columns[0].I64Val.Values))
		}
	}
	if n > maxRows {
		t.Errorf("page of %d rows, maxRows %d", n, maxRows)
	}
}
