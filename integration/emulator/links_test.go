package emulator

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// download fetches a link's file with the given headers.
func download(t *testing.T, lk *tcli.TSparkArrowResultLink, headers map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, lk.FileLink, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// fileValues decodes a result file holding one BIGINT column.
func fileValues(t *testing.T, data []byte, compressed bool) []int64 {
	t.Helper()
	if compressed {
		var out bytes.Buffer
		if _, err := out.ReadFrom(lz4.NewReader(bytes.NewReader(data))); err != nil {
			t.Fatal(err)
		}
		data = out.Bytes()
	}
	r, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var vals []int64
	for r.Next() {
		vals = append(vals, r.RecordBatch().Column(0).(*array.Int64).Int64Values()...)
	}
	return vals
}

func TestResultLinks(t *testing.T) {
	for _, compressed := range []bool{false, true} {
		s := Start(t, WithLinks(LinkOptions{ThresholdRows: 10, FileRows: 30, PadRows: 2}))
		c := client(t, s)
		sess := open(t, c)
		req := arrowReq(sess, "SELECT range AS n FROM range(100)", 50)
		req.CanDownloadResult_ = ptr(true)
		req.CanDecompressLZ4Result_ = ptr(compressed)
		er := exec(t, c, req)
		dr := er.DirectResults
		if dr.ResultSetMetadata.GetResultFormat() != tcli.TSparkRowSetType_URL_BASED_SET {
			t.Fatalf("format %v", dr.ResultSetMetadata.GetResultFormat())
		}
		links := dr.ResultSet.Results.ResultLinks
		// Files are aligned on multiples of FileRows: 0-30, 30-60 (page
		// of 50 rows rounded up to whole files).
		if len(links) != 2 || links[1].StartRowOffset != 30 || links[1].RowCount != 30 || !dr.ResultSet.GetHasMoreRows() {
			t.Fatalf("links %v", links)
		}
		lk := links[1]
		if code, _ := download(t, lk, nil); code != http.StatusForbidden {
			t.Fatalf("download without headers: %d", code)
		}
		if code, _ := download(t, lk, map[string]string{"Authorization": "Bearer x"}); code == http.StatusOK {
			t.Fatal("download with a token accepted")
		}
		code, body := download(t, lk, lk.HttpHeaders)
		if code != http.StatusOK || int64(len(body)) != lk.BytesNum {
			t.Fatalf("download: %d, %d bytes of %d", code, len(body), lk.BytesNum)
		}
		if got := fileValues(t, body, compressed); !slices.Equal(got, seq(30, 62)) {
			t.Fatalf("file values %v", got)
		}
		// A refresh from a link's offset returns the same file boundaries.
		off := int64(30)
		resp := fetch(t, c, er.OperationHandle, tcli.TFetchOrientation_FETCH_NEXT, 50, &off)
		if got := resp.Results.ResultLinks; len(got) != 2 || got[0].StartRowOffset != 30 || got[0].RowCount != 30 {
			t.Fatalf("refreshed links %v", got)
		}
		if st := s.LinkStats(); st.Links != 4 || st.Served != 1 || st.Forbidden != 1 {
			t.Errorf("stats %+v", st)
		}
	}
}

func TestResultLinkFaults(t *testing.T) {
	s := Start(t, WithLinks(LinkOptions{ThresholdRows: 10, FileRows: 10, Lifetime: time.Second, BytesNum: -1}),
		WithFaults(Fault{Method: Download, Status: http.StatusForbidden}, Fault{Method: Download, Skip: 1, Status: http.StatusServiceUnavailable},
			Fault{Method: Download, Skip: 3, Truncate: true}))
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, "SELECT range AS n FROM range(20)", 100)
	req.CanDownloadResult_ = ptr(true)
	links := exec(t, c, req).DirectResults.ResultSet.Results.ResultLinks
	if len(links) != 2 {
		t.Fatalf("links %v", links)
	}
	lk := links[0]
	if lk.BytesNum != 0 {
		t.Errorf("bytesNum %d, want 0 (BytesNum -1: unknown)", lk.BytesNum)
	}
	if code, _ := download(t, lk, lk.HttpHeaders); code != http.StatusForbidden {
		t.Fatalf("injected 403: %d", code)
	}
	if code, _ := download(t, lk, lk.HttpHeaders); code != http.StatusServiceUnavailable {
		t.Fatalf("injected 503: %d", code)
	}
	code, body := download(t, lk, lk.HttpHeaders)
	if code != http.StatusOK {
		t.Fatalf("download: %d", code)
	}
	if got := fileValues(t, body, false); !slices.Equal(got, seq(0, 10)) {
		t.Fatalf("file values %v, want 0..9", got)
	}
	get, _ := http.NewRequest(http.MethodGet, lk.FileLink, nil)
	for k, v := range lk.HttpHeaders {
		get.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	part, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(part) != len(body)/2 {
		t.Fatalf("truncated download: %d bytes, %v; want %d bytes and an error", len(part), err, len(body)/2)
	}
	st := s.LinkStats()
	if st.Forbidden != 1 || st.Failed != 2 || st.Served != 1 {
		t.Errorf("stats %+v; want 1 forbidden, 2 failed (503, truncated), 1 served", st)
	}
	// Each download is logged before its answer reaches the client.
	log := s.Requests().Of(Download)
	if len(log) != 4 || log[0].Fault == nil || log[0].HTTPStatus != 403 || log[2].Fault != nil || log[2].Outcome != OutcomeOK ||
		log[3].Outcome != OutcomeDropped || log[2].StatementID == "" || log[2].Statement != "SELECT range AS n FROM range(20)" {
		t.Errorf("downloads logged as %+v; want 403 (faulted), 503, ok (the statement named), dropped", log)
	}
	time.Sleep(time.Until(time.Unix(links[1].ExpiryTime+1, 0)))
	if code, _ := download(t, links[1], links[1].HttpHeaders); code != http.StatusForbidden {
		t.Fatalf("expired link: %d", code)
	}
}

func TestNoLinksWithoutCanDownload(t *testing.T) {
	s := Start(t, WithLinkThreshold(10))
	c := client(t, s)
	sess := open(t, c)
	dr := exec(t, c, arrowReq(sess, "SELECT range AS n FROM range(100)", 100)).DirectResults
	if f := dr.ResultSetMetadata.GetResultFormat(); f != tcli.TSparkRowSetType_ARROW_BASED_SET {
		t.Fatalf("format %v", f)
	}
}
