package tclitest_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// get downloads a link as a client of presigned URLs does: with the
// link's headers.
func get(t *testing.T, st *tclitest.Storage, lk *tcli.TSparkArrowResultLink, withHeaders bool) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, lk.FileLink, nil)
	if err != nil {
		t.Fatal(err)
	}
	if withHeaders {
		for k, v := range lk.HttpHeaders {
			req.Header.Set(k, v)
		}
	}
	resp, err := st.Client().Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, b
}

// values decodes the BIGINT column of an IPC stream.
func values(t *testing.T, data []byte) []int64 {
	t.Helper()
	r, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var out []int64
	for r.Next() {
		out = append(out, r.RecordBatch().Column(0).(*array.Int64).Int64Values()...)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStorageFiles(t *testing.T) {
	st := tclitest.NewStorage(t)
	vals := []int64{1, 2, 3, 4, 5, 6, 7}
	plain := st.File("p", 10, 7, vals, tclitest.Plain)
	if plain.StartRowOffset != 10 || plain.RowCount != 7 || plain.BytesNum != int64(len(st.Data("p"))) {
		t.Errorf("link: got %+v, want rows [10, 17) of %d bytes", plain, len(st.Data("p")))
	}
	code, b := get(t, st, plain, true)
	if code != http.StatusOK || !slices.Equal(values(t, b), vals) {
		t.Errorf("plain file: got %d, %v; want 200, %v", code, values(t, b), vals)
	}
	compressed := st.File("z", 0, 7, vals, tclitest.LZ4)
	code, b = get(t, st, compressed, true)
	raw, err := io.ReadAll(lz4.NewReader(bytes.NewReader(b)))
	if code != http.StatusOK || err != nil || !slices.Equal(values(t, raw), vals) {
		t.Errorf("LZ4 file: got %d, %v; want 200 and the values", code, err)
	}
	if code, _ := get(t, st, plain, false); code != http.StatusForbidden {
		t.Errorf("without the signature header: got %d, want 403", code)
	}
	if st.SawAuthorization() {
		t.Error("got an Authorization header, sent none")
	}
	if st.Gets() != 3 || st.Served() != 2 {
		t.Errorf("counters: got %d gets and %d served, want 3 and 2", st.Gets(), st.Served())
	}
}

func TestStorageFaults(t *testing.T) {
	st := tclitest.NewStorage(t)
	lk := st.File("f", 0, 4, []int64{1, 2, 3, 4}, tclitest.Plain)
	whole := st.Data("f")
	st.Expire("f")
	st.Fail("f", 2)
	var codes []int
	for range 4 {
		code, _ := get(t, st, lk, true)
		codes = append(codes, code)
	}
	if want := []int{403, 503, 503, 200}; !slices.Equal(codes, want) {
		t.Errorf("statuses: got %v, want %v", codes, want)
	}
	st.Truncate("f", 1)
	if _, b := get(t, st, lk, true); len(b) == len(whole) {
		t.Errorf("truncated: got the whole file of %d bytes", len(b))
	}
	st.Delete("f")
	if code, _ := get(t, st, lk, true); code != http.StatusNotFound {
		t.Errorf("deleted: got %d, want 404", code)
	}
}

func TestStorageHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		lk := st.File("h", 0, 1, []int64{9}, tclitest.Plain)
		release := make(chan struct{})
		st.HoldHead("h", release)
		done := make(chan int, 1)
		go func() {
			code, _ := get(t, st, lk, true)
			done <- code
		}()
		synctest.Wait()
		select {
		case code := <-done:
			t.Fatalf("answered %d before the release, want the answer held", code)
		default:
		}
		if n := st.Concurrent(); n != 1 {
			t.Fatalf("got %d answers running, want the held one", n)
		}
		close(release)
		if code := <-done; code != http.StatusOK || st.MaxConcurrent() != 1 {
			t.Errorf("after the release: got %d with %d at once, want 200 with 1", code, st.MaxConcurrent())
		}
	})
}

// In process, the storage's answers stream in a synctest bubble: latency
// on the bubble's clock, a held body released by the test, a truncated
// body cut short, a stall ended by closing the body.
func TestStorageTransportInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		c := st.Client()
		vals := []int64{1, 2, 3, 4, 5, 6}
		lk := st.File("f", 0, 6, vals, tclitest.Plain)
		do := func() (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodGet, lk.FileLink, nil)
			for k, v := range lk.HttpHeaders {
				req.Header.Set(k, v)
			}
			return c.Do(req)
		}
		st.SetLatency(time.Minute)
		start := time.Now()
		resp, err := do()
		if err != nil || resp.StatusCode != http.StatusOK || time.Since(start) != time.Minute {
			t.Fatalf("got %v, %v after %v; want 200 after the minute of latency", resp, err, time.Since(start))
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !slices.Equal(values(t, b), vals) {
			t.Fatalf("body: got %v, want the file", err)
		}
		st.SetLatency(0)

		release := make(chan struct{})
		st.HoldBody("f", release)
		resp, err = do()
		if err != nil || resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(st.Data("f"))) {
			t.Fatalf("held body: got %v, %v; want the header at once", resp, err)
		}
		read := make(chan []byte)
		go func() {
			b, _ := io.ReadAll(resp.Body)
			read <- b
		}()
		synctest.Wait()
		if st.Served() != 1 {
			t.Fatalf("served %d before the release, want 1 (the first answer)", st.Served())
		}
		close(release)
		if b := <-read; len(b) != len(st.Data("f")) {
			t.Fatalf("released body: got %d bytes, want %d", len(b), len(st.Data("f")))
		}
		resp.Body.Close()
		st.HoldBody("f", nil)

		st.Truncate("f", 1)
		resp, err = do()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("truncated body: got %v, want io.ErrUnexpectedEOF", err)
		}
		resp.Body.Close()

		st.Stall("f", 1)
		resp, err = do()
		if err != nil {
			t.Fatal(err)
		}
		half := make([]byte, len(st.Data("f"))/2)
		if _, err := io.ReadFull(resp.Body, half); err != nil {
			t.Fatalf("stalled body: got %v reading its first half, want it", err)
		}
		resp.Body.Close() // ends the stall
		synctest.Wait()
		if n := st.Concurrent(); n != 0 {
			t.Errorf("got %d answers still running after the body was closed, want 0", n)
		}
	})
}
