package colset_test

import (
	"fmt"

	"github.com/asyncsql/databricks/colset"
	"github.com/asyncsql/databricks/thrift/tcli"
)

func ExampleDecode() {
	// Two rows as the Spark Thrift server sends them: an INT column and a
	// DECIMAL(5,2) column that arrives as text. Bit 1 of the INT column's
	// bitmap marks row 1 as NULL.
	cols := []*tcli.TColumn{
		{I32Val: &tcli.TI32Column{Values: []int32{42, 0}, Nulls: []byte{0b10}}},
		{StringVal: &tcli.TStringColumn{Values: []string{"-12.5", "3.14"}, Nulls: []byte{}}},
	}
	types := []colset.ColumnType{
		{Type: tcli.TTypeId_INT_TYPE},
		{Type: tcli.TTypeId_DECIMAL_TYPE, Scale: 2},
	}
	page, err := colset.Decode(cols, types, colset.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for row := range page.NumRows() {
		fmt.Printf("%#v %#v\n", page.Value(0, row), page.Value(1, row))
	}
	// Output:
	// 42 "-12.50"
	// <nil> "3.14"
}
