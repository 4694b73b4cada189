package main

import (
	"bytes"
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/asyncsql/databricks/integration/peer/cmd/bench/client"
)

// batchRows is the rows of one Arrow batch, as the emulator (and Databricks)
// send them.
const batchRows = 10000

// arrowStream is one IPC stream (schema + one batch of batchRows rows) of
// the benchmark's eight column types, uncompressed, with the values the
// dataset has.
func arrowStream() ([]byte, error) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "d", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "bo", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "ni", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range batchRows {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Float64Builder).Append(float64(i) * 0.25)
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("value-%014d", i))
		b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i)))
		b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(1704067200000000 + int64(i)*1000))
		b.Field(5).(*array.Date32Builder).Append(arrow.Date32(18262 + i%3650))
		b.Field(6).(*array.BooleanBuilder).Append(i%2 == 0)
		if i%10 == 0 {
			b.Field(7).AppendNull()
		} else {
			b.Field(7).(*array.Int32Builder).Append(int32(i))
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Write(rec); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Ways the arrow-go ceilings treat each value.
const (
	// touchValues reads every value without boxing: ceiling (a).
	touchValues = "touch"
	// requiredWork is (a) plus what every driver must compute from the
	// values, done as cheaply as Go allows and without boxing: a copy of
	// every string (so that a value does not pin its batch) into reused
	// memory, the exact text of every DECIMAL with strconv into a reused
	// buffer, and the time.Time of every TIMESTAMP and DATE.
	requiredWork = "work"
	// driverValues turns every value into the driver.Value a
	// database/sql driver returns (int64, float64, string copy, DECIMAL as
	// exact text, time.Time, bool, int32), boxed one by one as Go does.
	driverValues = "values"
)

// arrowCeiling decodes n rows of Arrow batches with arrow-go alone and reads
// every value as mode says: ceiling (a) and two variants that add what a
// driver must do with the values, done at least cost and done naively.
func arrowCeiling(n int, mode string) (client.Result, error) {
	stream, err := arrowStream()
	if err != nil {
		return client.Result{}, err
	}
	dest := make([]sqldriver.Value, 8)
	var strCopy, text []byte
	return client.Measure(func() (int64, float64, error) {
		var rows, sum int64
		for rows < int64(n) {
			rd, err := ipc.NewReader(bytes.NewReader(stream))
			if err != nil {
				return rows, 0, err
			}
			for rd.Next() {
				rec := rd.RecordBatch()
				nr := int(rec.NumRows())
				c0 := rec.Column(0).(*array.Int64)
				c1 := rec.Column(1).(*array.Float64)
				c2 := rec.Column(2).(*array.String)
				c3 := rec.Column(3).(*array.Decimal128)
				c4 := rec.Column(4).(*array.Timestamp)
				c5 := rec.Column(5).(*array.Date32)
				c6 := rec.Column(6).(*array.Boolean)
				c7 := rec.Column(7).(*array.Int32)
				for i := 0; i < nr && rows < int64(n); i++ {
					switch mode {
					case driverValues:
						dest[0] = c0.Value(i)
						dest[1] = c1.Value(i)
						dest[2] = strings.Clone(c2.Value(i))
						dest[3] = c3.Value(i).ToString(2)
						dest[4] = c4.Value(i).ToTime(arrow.Microsecond)
						dest[5] = c5.Value(i).ToTime()
						dest[6] = c6.Value(i)
						dest[7] = nil
						if c7.IsValid(i) {
							dest[7] = c7.Value(i)
						}
						sum += int64(len(dest[2].(string)))
					case requiredWork:
						strCopy = append(strCopy[:0], c2.Value(i)...)
						text = appendCents(text[:0], int64(c3.Value(i).LowBits()))
						sum += c0.Value(i)
						sum += int64(c1.Value(i))
						sum += int64(len(strCopy) + len(text))
						sum += c4.Value(i).ToTime(arrow.Microsecond).Unix()
						sum += c5.Value(i).ToTime().Unix()
						if c6.Value(i) {
							sum++
						}
						if c7.IsValid(i) {
							sum += int64(c7.Value(i))
						}
					default:
						sum += c0.Value(i)
						sum += int64(c1.Value(i))
						sum += int64(len(c2.Value(i)))
						sum += int64(c3.Value(i).LowBits())
						sum += int64(c4.Value(i))
						sum += int64(c5.Value(i))
						if c6.Value(i) {
							sum++
						}
						if c7.IsValid(i) {
							sum += int64(c7.Value(i))
						}
					}
					rows++
				}
			}
			if err := rd.Err(); err != nil {
				return rows, 0, err
			}
			rd.Release()
		}
		if sum == 42 {
			fmt.Print("")
		}
		return rows, 0, nil
	})
}

// appendCents appends the text of a DECIMAL(18,2) value, unscaled v.
func appendCents(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/100, 10)
	c := v % 100
	return append(b, '.', byte('0'+c/10), byte('0'+c%10))
}

// floorDriver is a trivial database/sql driver whose rows copy pre-built
// values: database/sql's own cost, ceiling (b).
type floorDriver struct{}

func (floorDriver) Open(string) (sqldriver.Conn, error) { return floorConn{}, nil }

type floorConn struct{}

func (floorConn) Prepare(string) (sqldriver.Stmt, error) { return nil, sqldriver.ErrSkip }
func (floorConn) Close() error                           { return nil }
func (floorConn) Begin() (sqldriver.Tx, error)           { return nil, sqldriver.ErrSkip }

// QueryContext returns n rows, n being the query text.
func (floorConn) QueryContext(_ context.Context, q string, _ []sqldriver.NamedValue) (sqldriver.Rows, error) {
	var n int
	if _, err := fmt.Sscan(q, &n); err != nil {
		return nil, err
	}
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	vals := make([][]sqldriver.Value, batchRows)
	for i := range vals {
		var ni sqldriver.Value
		if i%10 != 0 {
			ni = int32(i)
		}
		vals[i] = []sqldriver.Value{int64(i), float64(i) * 0.25, fmt.Sprintf("value-%014d", i),
			fmt.Sprintf("%d.%02d", i/100, i%100), ts.Add(time.Duration(i) * time.Millisecond),
			ts.AddDate(0, 0, i%3650), i%2 == 0, ni}
	}
	return &floorRows{vals: vals, left: n}, nil
}

type floorRows struct {
	vals [][]sqldriver.Value
	i    int
	left int
}

func (r *floorRows) Columns() []string {
	return []string{"b", "d", "s", "dec", "ts", "dt", "bo", "ni"}
}
func (r *floorRows) Close() error { return nil }
func (r *floorRows) Next(dest []sqldriver.Value) error {
	if r.left == 0 {
		return io.EOF
	}
	r.left--
	copy(dest, r.vals[r.i])
	r.i++
	if r.i == len(r.vals) {
		r.i = 0
	}
	return nil
}

func init() { sql.Register("asyncsql-bench-floor", floorDriver{}) }

// floorCeiling scans n rows of the trivial driver into the benchmark's
// variables.
func floorCeiling(n int) (client.Result, error) {
	db, err := sql.Open("asyncsql-bench-floor", "")
	if err != nil {
		return client.Result{}, err
	}
	defer db.Close()
	return client.Measure(func() (int64, float64, error) {
		rows, err := db.Query(fmt.Sprint(n))
		if err != nil {
			return 0, 0, err
		}
		defer rows.Close()
		var v client.Vars
		dest := v.Dest()
		var c int64
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return c, 0, err
			}
			c++
		}
		return c, 0, rows.Err()
	})
}
