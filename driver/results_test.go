package driver

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/pierrec/lz4/v4"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// colDesc describes one column of a test schema.
type colDesc struct {
	name      string
	typ       tcli.TTypeId
	precision int32
	scale     int32
	length    int32
}

func tableSchema(cols ...colDesc) *tcli.TTableSchema {
	s := &tcli.TTableSchema{}
	for i, c := range cols {
		prim := &tcli.TPrimitiveTypeEntry{Type: c.typ}
		q := map[string]*tcli.TTypeQualifierValue{}
		if c.typ == tcli.TTypeId_DECIMAL_TYPE {
			q["precision"] = &tcli.TTypeQualifierValue{I32Value: ptr(c.precision)}
			q["scale"] = &tcli.TTypeQualifierValue{I32Value: ptr(c.scale)}
		}
		if c.length > 0 {
			q["characterMaximumLength"] = &tcli.TTypeQualifierValue{I32Value: ptr(c.length)}
		}
		if len(q) > 0 {
			prim.TypeQualifiers = &tcli.TTypeQualifiers{Qualifiers: q}
		}
		s.Columns = append(s.Columns, &tcli.TColumnDesc{
			ColumnName: c.name,
			TypeDesc:   &tcli.TTypeDesc{Types: []*tcli.TTypeEntry{{PrimitiveEntry: prim}}},
			Position:   int32(i + 1),
		})
	}
	return s
}

// ipcParts returns the IPC schema message of schema (no end-of-stream marker)
// and one IPC record-batch message per record.
func ipcParts(t testing.TB, schema *arrow.Schema, recs ...arrow.RecordBatch) ([]byte, [][]byte) {
	t.Helper()
	var sb bytes.Buffer
	w := ipc.NewWriter(&sb, ipc.WithSchema(schema))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	schemaMsg := sb.Bytes()[:sb.Len()-8] // drop the end-of-stream marker
	var batches [][]byte
	for _, rec := range recs {
		var b bytes.Buffer
		w := ipc.NewWriter(&b, ipc.WithSchema(schema))
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		all := b.Bytes()
		batches = append(batches, append([]byte(nil), all[len(schemaMsg):len(all)-8]...))
	}
	return append([]byte(nil), schemaMsg...), batches
}

func lz4Frame(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := lz4.NewWriter(&out)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// arrowScript makes a script whose result is Arrow: pages[i] lists the
// records of page i.
func arrowScript(t testing.TB, ts *tcli.TTableSchema, schema *arrow.Schema, compress bool, pages ...[]arrow.RecordBatch) *tclitest.Script {
	t.Helper()
	var all []arrow.RecordBatch
	for _, p := range pages {
		all = append(all, p...)
	}
	schemaMsg, batches := ipcParts(t, schema, all...)
	s := &tclitest.Script{Meta: &tcli.TGetResultSetMetadataResp{
		Status: tclitest.OK(), Schema: ts, ResultFormat: ptr(tcli.TSparkRowSetType_ARROW_BASED_SET),
		Lz4Compressed: ptr(compress), ArrowSchema: schemaMsg,
	}}
	k := 0
	for _, p := range pages {
		rs := &tcli.TRowSet{Rows: []*tcli.TRow{}}
		for _, rec := range p {
			b := batches[k]
			if compress {
				b = lz4Frame(t, b)
			}
			rs.ArrowBatches = append(rs.ArrowBatches, &tcli.TSparkArrowBatch{Batch: b, RowCount: rec.NumRows()})
			k++
		}
		s.Pages = append(s.Pages, rs)
	}
	for _, r := range all {
		r.Release()
	}
	return s
}

// int64Records builds records of one BIGINT column "n" holding the values of
// each slice.
func int64Records(vals ...[]int64) (*arrow.Schema, []arrow.RecordBatch) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	var recs []arrow.RecordBatch
	for _, v := range vals {
		b := array.NewInt64Builder(alloc)
		b.AppendValues(v, nil)
		arr := b.NewArray()
		recs = append(recs, array.NewRecordBatch(schema, []arrow.Array{arr}, int64(len(v))))
		arr.Release()
		b.Release()
	}
	return schema, recs
}

var alloc = memory.NewGoAllocator()

// colPage builds a column-based page.
func colPage(cols ...*tcli.TColumn) *tcli.TRowSet {
	return &tcli.TRowSet{Rows: []*tcli.TRow{}, Columns: cols}
}

func i32Col(nulls []byte, v ...int32) *tcli.TColumn {
	return &tcli.TColumn{I32Val: &tcli.TI32Column{Values: v, Nulls: nulls}}
}

func strCol(nulls []byte, v ...string) *tcli.TColumn {
	return &tcli.TColumn{StringVal: &tcli.TStringColumn{Values: v, Nulls: nulls}}
}

// intScript is a column-based result with one INT column "n" = v.
func intScript(v int32) *tclitest.Script { return tclitest.OneInt(v) }
