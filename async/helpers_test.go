package async

import (
	"bytes"
	"context"
	"sync"
	"time"

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

func testRef() driver.OperationRef {
	return driver.OperationRef{
		Operation:      driver.HandleID{GUID: append([]byte(nil), testOpGUID...), Secret: append([]byte(nil), testOpSecret...)},
		Session:        driver.HandleID{GUID: append([]byte(nil), testSessGUID...), Secret: append([]byte(nil), testSessSec...)},
		HasResultSet:   true,
		ServerProtocol: 42248,
	}
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

func (f *fakeBackend) OperationStatus(ctx context.Context, ref driver.OperationRef) (driver.OperationStatus, error) {
	f.mu.Lock()
	f.calls = append(f.calls, time.Now())
	step := f.steps[0]
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
