package async

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"time"

	sqldriver "database/sql/driver"

	"github.com/asyncsql/databricks/driver"
)

const (
	testWarehouse  = "example.cloud.databricks.com:443/sql/1.0/warehouses/abc123"
	otherWarehouse = "example.cloud.databricks.com:443/sql/1.0/warehouses/zzz999"
)

var (
	testOpGUID   = []byte{0x01, 0xef, 0x12, 0x34, 0x56, 0x78, 0x4a, 0xbc, 0x8d, 0xef, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	testOpSecret = []byte("OPSECRET-0123456")
	testSessGUID = bytes.Repeat([]byte{0xab}, 16)
	testSessSec  = []byte("SESSSECRET-98765")
)

// makeRef builds a reference through its documented binary form.
func makeRef(opGUID, opSecret, sessGUID, sessSecret []byte, hasResultSet bool, proto int64) driver.OperationRef {
	var flags byte
	if hasResultSet {
		flags = 1
	}
	b := []byte{1, flags}
	for _, p := range [][]byte{opGUID, opSecret, sessGUID, sessSecret} {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	b = binary.AppendVarint(b, proto)
	var r driver.OperationRef
	if err := r.UnmarshalBinary(b); err != nil {
		panic(err)
	}
	return r
}

func testRef() driver.OperationRef {
	return makeRef(testOpGUID, testOpSecret, testSessGUID, testSessSec, true, 42248)
}

// testExecution returns a running execution bound to testWarehouse.
func testExecution() *Execution {
	return &Execution{
		Status:    StatusRunning,
		Started:   time.UnixMilli(1764066000123).UTC(),
		Ref:       testRef(),
		warehouse: warehouseHash(testWarehouse),
	}
}

// fakeBackend is a scripted backend: each OperationStatus call pops the next
// step (the last one repeats).
type fakeBackend struct {
	warehouse string

	mu        sync.Mutex
	steps     []statusStep
	calls     []time.Time
	submitRef driver.OperationRef
	submitErr error
	lastArgs  []any
	rows      []int64
	rowsErr   error
	rowsCalls int
	cancelErr error
	closeErr  error
	canceled  int
	closed    int
}

type statusStep struct {
	st    driver.OperationStatus
	err   error
	delay time.Duration // time the server holds the request (long polling)
}

func (f *fakeBackend) Warehouse() string { return f.warehouse }

func (f *fakeBackend) SubmitDetached(ctx context.Context, query string, args ...any) (driver.OperationRef, driver.OperationStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastArgs = args
	return f.submitRef, driver.OperationStatus{State: driver.StateInitialized}, f.submitErr
}

func (f *fakeBackend) OperationStatus(ctx context.Context, ref driver.OperationRef) (driver.OperationStatus, error) {
	f.mu.Lock()
	f.calls = append(f.calls, time.Now())
	step := statusStep{st: driver.OperationStatus{State: driver.StateRunning}}
	if len(f.steps) > 0 {
		step = f.steps[0]
	}
	if len(f.steps) > 1 {
		f.steps = f.steps[1:]
	}
	f.mu.Unlock()
	if step.delay > 0 {
		select {
		case <-time.After(step.delay):
		case <-ctx.Done():
			return driver.OperationStatus{}, ctx.Err()
		}
	}
	return step.st, step.err
}

func (f *fakeBackend) OperationRows(ctx context.Context, ref driver.OperationRef) (sqldriver.Rows, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rowsCalls++
	if f.rowsErr != nil {
		return nil, f.rowsErr
	}
	return &intRows{vals: append([]int64(nil), f.rows...)}, nil
}

func (f *fakeBackend) CancelOperation(ctx context.Context, ref driver.OperationRef) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canceled++
	return f.cancelErr
}

func (f *fakeBackend) CloseOperation(ctx context.Context, ref driver.OperationRef) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed++
	return f.closeErr
}

func (f *fakeBackend) statusCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// intRows is a driver result of one BIGINT column.
type intRows struct{ vals []int64 }

func (r *intRows) Columns() []string { return []string{"n"} }
func (r *intRows) Close() error      { return nil }
func (r *intRows) Next(dest []sqldriver.Value) error {
	if len(r.vals) == 0 {
		return io.EOF
	}
	dest[0], r.vals = r.vals[0], r.vals[1:]
	return nil
}

// newTestDB opens a DB on a fake backend, without a *sql.DB of the driver.
func newTestDB(be *fakeBackend, opts ...Option) *DB {
	if be.submitRef.IsZero() && be.submitErr == nil {
		be.submitRef = testRef()
	}
	return newDB(nil, be, opts, func() error { return nil })
}

var errBoom = errors.New("boom")
