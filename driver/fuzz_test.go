package driver

import (
	"bytes"
	"context"
	"errors"
	"testing"

	sqldriver "database/sql/driver"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/internal/hs2"
	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func encodeDirect(t testing.TB, d *tcli.TSparkDirectResults) []byte {
	buf := thrift.NewTMemoryBuffer()
	if err := d.Write(context.Background(), thrift.NewTBinaryProtocolConf(buf, nil)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzDirectResults feeds arbitrary direct results (metadata plus first
// page, as the server sends them) through the type plan, the Arrow and column
// decoders and row iteration: errors are fine, panics are not.
func FuzzDirectResults(f *testing.F) {
	schema, recs := int64Records([]int64{1, 2}, []int64{3})
	_, recs2 := int64Records([]int64{1, 2}, []int64{3})
	for _, s := range []*tclitest.Script{
		intScript(1),
		arrowScript(f, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, false, recs),
		arrowScript(f, tableSchema(colDesc{name: "n", typ: tcli.TTypeId_BIGINT_TYPE}), schema, true, recs2),
	} {
		f.Add(encodeDirect(f, &tcli.TSparkDirectResults{
			ResultSetMetadata: s.Meta,
			ResultSet:         &tcli.TFetchResultsResp{Status: tclitest.OK(), Results: s.Pages[0]},
		}))
	}
	e := newDirectEnv(tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := &tcli.TSparkDirectResults{}
		buf := thrift.NewTMemoryBuffer()
		buf.Write(b)
		if err := d.Read(context.Background(), thrift.NewTBinaryProtocolConf(buf, &thrift.TConfiguration{MaxMessageSize: 1 << 20})); err != nil {
			return
		}
		if d.ResultSetMetadata == nil || d.ResultSet == nil {
			return
		}
		op := &hs2.Operation{
			Handle: &tcli.TOperationHandle{OperationId: &tcli.THandleIdentifier{GUID: make([]byte, 16)}},
			Direct: d, Lifetime: hs2.Closed,
		}
		r, err := e.c.openRows(context.Background(), &thriftOp{b: e.c.thrift(), op: op}, rowsOptions{})
		if err != nil {
			return
		}
		defer r.Close()
		cols := r.Columns()
		for i := range cols {
			r.ColumnTypeScanType(i)
			r.ColumnTypeDatabaseTypeName(i)
			r.ColumnTypeLength(i)
			r.ColumnTypePrecisionScale(i)
			r.ColumnTypeNullable(i)
		}
		dest := make([]sqldriver.Value, len(cols))
		for n := 0; n < 100000; n++ {
			if r.Next(dest) != nil {
				break
			}
		}
	})
}

// FuzzOperationRefBinary checks that no input makes UnmarshalBinary panic,
// that every failure matches ErrInvalidRef and leaves the reference
// unchanged, and that an accepted input re-encodes to itself.
func FuzzOperationRefBinary(f *testing.F) {
	good, err := testRef().MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	bare, _ := OperationRef{ref: hs2.Ref{Op: hs2.NewHandleID([]byte{7}, nil)}}.MarshalBinary()
	for _, seed := range [][]byte{good, bare, nil, {1}, {1, 0, 0}, {2, 0, 1, 1, 0, 0, 0, 0}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := testRef()
		err := r.UnmarshalBinary(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidRef) {
				t.Fatalf("error %v does not match ErrInvalidRef", err)
			}
			if r.StatementID() != testRef().StatementID() {
				t.Fatal("a failed decode changed the reference")
			}
			return
		}
		again, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted %x re-encodes to %x, %v", data, again, err)
		}
	})
}
