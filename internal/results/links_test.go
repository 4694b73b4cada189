package results

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/arrowbatch"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// linkService is a statement of the repository's fake server whose pages
// are the pages of result links a test scripts; linkEnv starts it.
type linkService struct {
	pages [][]*tcli.TSparkArrowResultLink
	// faults are injected into the FetchResults calls in order; a zero
	// Fault lets its call through.
	faults []tclitest.Fault
	// srv is the server of the last linkEnv.
	srv *tclitest.Server
}

// start scripts the pages on a new fake server and starts the statement.
func (svc *linkService) start(t testing.TB) *tcli.TOperationHandle {
	t.Helper()
	svc.srv = tclitest.New(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	s := &tclitest.Script{}
	for _, p := range svc.pages {
		s.Pages = append(s.Pages, tclitest.LinkPage(p...))
	}
	svc.srv.Script("links", s)
	_, op := svc.srv.Start(t, "links")
	svc.srv.Inject(tclitest.FetchResults, svc.faults...)
	return op
}

// offsets returns the startRowOffset of every FetchResults received.
func (svc *linkService) offsets() []int64 {
	var out []int64
	for _, r := range tclitest.Received[*tcli.TFetchResultsReq](svc.srv) {
		if r.StartRowOffset != nil {
			out = append(out, *r.StartRowOffset)
		}
	}
	return out
}

// linkEnv builds a link reader over svc and st.
func linkEnv(t *testing.T, svc *linkService, st *tclitest.Storage, maxDownloads int, compress bool) *linkReader {
	t.Helper()
	return linkEnvWith(t, svc, st, maxDownloads, compress, defaultLinkLimits)
}

// linkEnvWith is linkEnv with other download limits, and the changes of mod
// made to the reader's Config.
func linkEnvWith(t *testing.T, svc *linkService, st *tclitest.Storage, maxDownloads int, compress bool, limits linkLimits, mod ...func(*Config)) *linkReader {
	t.Helper()
	l := newLinkReader(context.Background(), linkConfig(t, svc, st, maxDownloads, compress, mod...), limits)
	t.Cleanup(func() { l.Close(CancelFetch) })
	return l
}

// linkConfig is the Config of a link reader over svc and st, with the
// changes of mod.
func linkConfig(t *testing.T, svc *linkService, st *tclitest.Storage, maxDownloads int, compress bool, mod ...func(*Config)) *Config {
	t.Helper()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(int64Schema))
	w.Close()
	msg := bytes.TrimSuffix(buf.Bytes(), []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	ar, err := arrowbatch.NewReader(msg, arrowbatch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ar.Close() })
	op := svc.start(t)
	cfg := &Config{
		Fetch: serviceFetch(svc.srv), Handle: op, StatementID: "01ef-test",
		Format: Links, LZ4: compress, Reader: ar,
		MaxRows: 100000, MaxDownloads: maxDownloads, HTTPClient: st.Client(), Log: slog.New(slog.DiscardHandler),
	}
	for _, m := range mod {
		m(cfg)
	}
	return cfg
}

// int64Schema is the schema of the storage's files: one nullable BIGINT.
var int64Schema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)

// serviceFetch is the FetchFunc of svc: a reply of ERROR status is an
// error, as the driver's FetchFunc makes it.
func serviceFetch(svc tcli.TCLIService) FetchFunc {
	return func(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
		resp, err := svc.FetchResults(ctx, req)
		if err != nil {
			return nil, err
		}
		if st := resp.GetStatus(); st != nil && st.StatusCode == tcli.TStatusCode_ERROR_STATUS {
			return nil, fmt.Errorf("FetchResults: %s", st.GetErrorMessage())
		}
		return resp, nil
	}
}

// readAll returns every value of l, or the error that stopped it.
func readAll(l *linkReader) ([]int64, error) {
	var out []int64
	for {
		rec, err := l.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		col := rec.Column(0).(*array.Int64)
		for i := 0; i < col.Len(); i++ {
			out = append(out, col.Value(i))
		}
		rec.Release()
	}
}

// appendNext appends the values of l's next record to got, reporting false
// after the last record; an error fails the test.
func appendNext(t *testing.T, l *linkReader, got []int64) ([]int64, bool) {
	t.Helper()
	rec, err := l.next()
	if err == io.EOF {
		return got, false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	return append(got, rec.Column(0).(*array.Int64).Int64Values()...), true
}

// readRows reads l until got holds n values; an error or the end of the
// result before that fails the test.
func readRows(t *testing.T, l *linkReader, got []int64, n int) []int64 {
	t.Helper()
	for len(got) < n {
		var ok bool
		if got, ok = appendNext(t, l, got); !ok {
			t.Fatalf("the result ended after %d rows, want %d", len(got), n)
		}
	}
	return got
}

// seqPages makes nPages pages of perPage files of fileRows rows each (plus
// pad padding rows holding -1).
func seqPages(st *tclitest.Storage, nPages, perPage, fileRows, pad int, compress bool) [][]*tcli.TSparkArrowResultLink {
	var pages [][]*tcli.TSparkArrowResultLink
	var row int64
	for p := 0; p < nPages; p++ {
		var page []*tcli.TSparkArrowResultLink
		for f := 0; f < perPage; f++ {
			vals := make([]int64, fileRows+pad)
			for i := range vals {
				vals[i] = row + int64(i)
				if i >= fileRows {
					vals[i] = -1
				}
			}
			page = append(page, st.File(fmt.Sprintf("f%d", row), row, int64(fileRows), vals, tclitest.Compression(compress)))
			row += int64(fileRows)
		}
		pages = append(pages, page)
	}
	return pages
}

func checkSeq(t *testing.T, got []int64, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("got %d rows, want %d", len(got), n)
	}
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("row %d: got %d, want %d", i, v, i)
		}
	}
}

func TestLinksInOrderWithPadding(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprint("lz4=", compress), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := tclitest.NewLocalStorage(t)
				st.SetLatency(5 * time.Millisecond)
				svc := &linkService{}
				svc.pages = seqPages(st, 4, 5, 7, 4, compress)
				l := linkEnv(t, svc, st, 3, compress)
				var got []int64
				for {
					var ok bool
					if got, ok = appendNext(t, l, got); !ok {
						break
					}
					// Files downloaded but not wholly read, the current one
					// included, never exceed maxDownloads: not even once every
					// download that can run has.
					synctest.Wait()
					if held := st.Served() - int64(len(got)/7); held > 3 {
						t.Fatalf("%d files held after %d rows, want at most 3", held, len(got))
					}
				}
				checkSeq(t, got, 4*5*7)
				if m := st.MaxConcurrent(); m > 3 {
					t.Errorf("%d downloads at once, limit 3", m)
				}
				if st.SawAuthorization() {
					t.Error("storage saw an Authorization header")
				}
			})
		})
	}
}

func TestLinksRetriesAndRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		svc := &linkService{}
		svc.pages = seqPages(st, 3, 2, 5, 0, false)
		st.Fail("f0", 2)
		st.Truncate("f5", 1)
		st.Expire("f10")
		// A link past its expiryTime is refreshed before any download.
		svc.pages[2][0].ExpiryTime = time.Now().Add(-time.Minute).Unix()
		l := linkEnv(t, svc, st, 2, false)
		got, err := readAll(l)
		if err != nil {
			t.Fatal(err)
		}
		checkSeq(t, got, 30)
		// Every page names its row (0, 10, 20, in order); the two refreshes
		// (the expired file of row 10, the link of row 20 past its expiryTime)
		// come among them.
		var pages, refreshes []int64
		offsets := svc.offsets()
		for _, o := range offsets {
			if len(pages) < 3 && o == int64(10*len(pages)) {
				pages = append(pages, o)
			} else {
				refreshes = append(refreshes, o)
			}
		}
		if fmt.Sprint(pages) != "[0 10 20]" || fmt.Sprint(refreshes) != "[10 20]" {
			t.Errorf("offsets %v: pages %v, want [0 10 20]; refreshes %v, want [10 20]", offsets, pages, refreshes)
		}
	})
}

func TestLinksStalledDownloadRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := defaultLinkLimits
		limits.stall = 100 * time.Millisecond
		st := tclitest.NewLocalStorage(t)
		svc := &linkService{}
		svc.pages = seqPages(st, 1, 2, 5, 0, false)
		st.Stall("f5", 1)
		got, err := readAll(linkEnvWith(t, svc, st, 2, false, limits))
		if err != nil {
			t.Fatal(err)
		}
		checkSeq(t, got, 10)
		if g := st.Gets(); g != 3 {
			t.Errorf("%d downloads, want 3", g)
		}
	})
}

func TestLinksErrorsSurface(t *testing.T) {
	// run reads nPages pages of perPage files of 5 rows, two downloads at
	// once, after fault has changed the storage or the pages.
	run := func(name string, nPages, perPage int, fault func(*tclitest.Storage, *linkService), check func(t *testing.T, l *linkReader, got []int64, err error)) {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := tclitest.NewLocalStorage(t)
				svc := &linkService{}
				svc.pages = seqPages(st, nPages, perPage, 5, 0, false)
				fault(st, svc)
				l := linkEnv(t, svc, st, 2, false)
				got, err := readAll(l)
				check(t, l, got, err)
			})
		})
	}
	run("missing file", 2, 2, func(st *tclitest.Storage, _ *linkService) { st.Delete("f10") }, func(t *testing.T, l *linkReader, got []int64, err error) {
		if err == nil || !strings.Contains(err.Error(), "HTTP 404") {
			t.Fatalf("got %v, want an HTTP 404 error", err)
		}
		if _, again := l.Next(); again != err {
			t.Errorf("Next after the error: got %v, want the same error", again)
		}
		if len(got) != 10 {
			t.Errorf("%d rows before the error, want 10", len(got))
		}
	})
	run("short file", 1, 2, func(_ *tclitest.Storage, svc *linkService) { svc.pages[0][1].RowCount = 6 }, func(t *testing.T, _ *linkReader, _ []int64, err error) {
		if err == nil || !strings.Contains(err.Error(), "fewer") {
			t.Fatalf("got %v, want an error about a file holding fewer rows", err)
		}
	})
	run("fetch error", 3, 1, func(_ *tclitest.Storage, svc *linkService) {
		svc.faults = []tclitest.Fault{{}, {Status: &tcli.TStatus{StatusCode: tcli.TStatusCode_ERROR_STATUS, ErrorMessage: ptr("boom")}}}
	}, func(t *testing.T, _ *linkReader, got []int64, err error) {
		if err == nil || len(got) != 5 {
			t.Fatalf("got %d rows and %v, want 5 rows and the fetch error", len(got), err)
		}
	})
	run("gap", 1, 3, func(_ *tclitest.Storage, svc *linkService) {
		svc.pages[0] = append(svc.pages[0][:1], svc.pages[0][2:]...)
	}, func(t *testing.T, _ *linkReader, _ []int64, err error) {
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "skip") {
			t.Fatalf("got %v, want ErrCorrupt: links that skip rows", err)
		}
	})
	run("retries exhausted", 1, 1, func(st *tclitest.Storage, _ *linkService) { st.Fail("f0", 100) }, func(t *testing.T, _ *linkReader, _ []int64, err error) {
		if err == nil || !strings.Contains(err.Error(), "giving up") {
			t.Fatalf("got %v, want an error giving up", err)
		}
	})
	// The error of the last attempt is wrapped: errors.Is reaches it.
	run("retries exhausted, wrapped", 1, 1, func(st *tclitest.Storage, _ *linkService) { st.Truncate("f0", 100) }, func(t *testing.T, _ *linkReader, _ []int64, err error) {
		if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "giving up") {
			t.Fatalf("got %v, want an error giving up that wraps io.ErrUnexpectedEOF", err)
		}
	})
}

// TestLinksReusedBuffersKeepRows reads LZ4 files of 64 KiB blocks (so that
// messages span blocks and go through the scratch buffer) while keeping
// every record until the end: the decoder's reused buffers must never show
// through in a record already returned.
func TestLinksReusedBuffersKeepRows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		st.SetLZ4(lz4.BlockSizeOption(lz4.Block64Kb))
		svc := &linkService{}
		svc.pages = seqPages(st, 2, 3, 20000, 5, true)
		l := linkEnv(t, svc, st, 2, true)
		var recs []arrow.RecordBatch
		for {
			rec, err := l.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec)
		}
		// The decoder has stopped (it closed its channel): its buffers can be
		// looked at.
		var got []int64
		for _, rec := range recs {
			for _, buf := range l.stream.Buffers() {
				if recordAliases(rec, buf) {
					t.Fatal("a record points into the decoder's buffers")
				}
			}
			got = append(got, rec.Column(0).(*array.Int64).Int64Values()...)
			rec.Release()
		}
		checkSeq(t, got, 2*3*20000)
	})
}

func TestRecordAliases(t *testing.T) {
	buf := make([]byte, 64)
	for i := range buf {
		buf[i] = byte(i)
	}
	// A record whose values are the bytes of buf itself.
	data := array.NewData(arrow.PrimitiveTypes.Int64, 8, []*memory.Buffer{nil, memory.NewBufferBytes(buf)}, nil, 0, 0)
	arr := array.NewInt64Data(data)
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{arr}, 8)
	if !recordAliases(rec, buf) || !recordAliases(rec, buf[60:]) {
		t.Error("aliasing not seen")
	}
	if recordAliases(rec, make([]byte, 64)) || recordAliases(rec, nil) {
		t.Error("aliasing seen in another buffer")
	}
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues([]int64{1, 2, 3}, nil)
	other := b.NewArray()
	defer other.Release()
	unrelated := array.NewRecordBatch(schema, []arrow.Array{other}, 3)
	defer unrelated.Release()
	if recordAliases(unrelated, buf) {
		t.Error("aliasing seen in an unrelated record")
	}
}

// TestDecoderReaderSchemas checks that the decoder goroutine's own reader,
// built from the consumer's schema re-encoded, decodes records that bind to
// the consumer's reader, for every kind of Arrow type a server sends.
func TestDecoderReaderSchemas(t *testing.T) {
	fields := []arrow.Field{
		{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
		{Name: "f", Type: arrow.PrimitiveTypes.Float32},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "tsntz", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
		{Name: "dt", Type: arrow.FixedWidthTypes.Date32},
		{Name: "bo", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "n", Type: arrow.Null, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64)},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int16}, arrow.Field{Name: "y", Type: arrow.BinaryTypes.String, Nullable: true})},
	}
	md := arrow.MetadataFrom(map[string]string{"k": "v"})
	schema := arrow.NewSchema(fields, &md)
	var sb bytes.Buffer
	w := ipc.NewWriter(&sb, ipc.WithSchema(schema))
	w.Close()
	ar, err := arrowbatch.NewReader(bytes.TrimSuffix(sb.Bytes(), []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}), arrowbatch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ar.Close()
	dec, err := decoderReader(ar)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	for i := range fields {
		rb.Field(i).AppendEmptyValue()
		rb.Field(i).AppendNull()
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	var mb bytes.Buffer
	w = ipc.NewWriter(&mb, ipc.WithSchema(schema))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var s arrowbatch.Stream
	s.Reset(mb.Bytes())
	msg, err := s.Next()
	if err != nil {
		t.Fatal(err)
	}
	got, err := dec.Decode(msg)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	if err := ar.Bind(got); err != nil {
		t.Fatal(err)
	}
	if v := ar.Columns()[3].Value(0); v != "" {
		t.Errorf("string column row 0 = %#v", v)
	}
}

// recordAliases reports whether any buffer of rec lies in the memory of b.
func recordAliases(rec arrow.RecordBatch, b []byte) bool {
	if len(b) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	hi := lo + uintptr(len(b))
	for _, col := range rec.Columns() {
		if dataAliases(col.Data(), lo, hi, 0) {
			return true
		}
	}
	return false
}

// dataAliases reports whether a buffer of d, its children or its dictionary
// overlaps [lo, hi).
func dataAliases(d arrow.ArrayData, lo, hi uintptr, depth int) bool {
	if d == nil || depth > 64 {
		return false
	}
	for _, buf := range d.Buffers() {
		if buf == nil || buf.Len() == 0 {
			continue
		}
		p := uintptr(unsafe.Pointer(unsafe.SliceData(buf.Bytes())))
		if p < hi && lo < p+uintptr(buf.Len()) {
			return true
		}
	}
	for _, c := range d.Children() {
		if dataAliases(c, lo, hi, depth+1) {
			return true
		}
	}
	dict := d.Dictionary()
	if x, ok := dict.(*array.Data); ok && x == nil {
		// A nil *array.Data in a non-nil interface: no dictionary.
		return false
	}
	return dataAliases(dict, lo, hi, depth+1)
}
