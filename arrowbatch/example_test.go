package arrowbatch_test

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/asyncsql/databricks/arrowbatch"
)

// serverMessages plays the server: it returns the IPC schema message and
// one record-batch message, as TGetResultSetMetadataResp.arrowSchema and
// TSparkArrowBatch.batch carry them.
func serverMessages() (schemaMsg, batchMsg []byte) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 5, Scale: 2}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
	b.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(-1250))
	b.Field(1).AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()

	var only, full bytes.Buffer
	w := ipc.NewWriter(&only, ipc.WithSchema(schema))
	w.Close()
	w = ipc.NewWriter(&full, ipc.WithSchema(schema))
	w.Write(rec)
	w.Close()
	n := only.Len() - 8 // without the end-of-stream marker
	return only.Bytes()[:n], full.Bytes()[n : full.Len()-8]
}

func Example() {
	schemaMsg, batchMsg := serverMessages()

	r, err := arrowbatch.NewReader(schemaMsg, arrowbatch.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	rec, err := r.Decode(batchMsg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rec.Release()
	if err := r.Bind(rec); err != nil {
		fmt.Println(err)
		return
	}
	cols := r.Columns()
	for i := range int(rec.NumRows()) {
		fmt.Printf("%#v %#v\n", cols[0].Value(i), cols[1].Value(i))
	}
	// Output:
	// 1 "-12.50"
	// 2 <nil>
}
