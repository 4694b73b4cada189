package emulator

import (
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestTypeText(t *testing.T) {
	s := Start(t)
	c := client(t, s)
	sess := open(t, c)
	req := arrowReq(sess, `SELECT MAP {1: [1.5::DECIMAL(3,1)], 2: NULL} AS m,
		[{'a': DATE '2024-01-02', 'b': MAP {'k': TIMESTAMP '2024-01-02 03:04:05'}}] AS ls,
		{'q"uote': 'x<y', 'n': NULL::INTEGER} AS st,
		'{"a": [1, 2]}'::JSON AS j,
		'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID AS u,
		TIME '01:02:03.5' AS tm,
		'b'::ENUM('a', 'b') AS e,
		340282366920938463463374607431768211455::UHUGEINT AS uh,
		18446744073709551615::UBIGINT AS ub,
		INTERVAL '14 months 3 days 04:05:06.25' AS iv,
		-INTERVAL '1 second' AS neg,
		'NaN'::DOUBLE AS nan,
		[1.5::FLOAT, 'inf'::FLOAT] AS fl,
		255::UTINYINT AS ut, 65535::USMALLINT AS us, 4294967295::UINTEGER AS ui,
		DATE '1969-12-31' AS old,
		TIMESTAMPTZ '2024-01-02 03:04:05+02' AS tz,
		'\xAA'::BLOB AS b`, 10)
	req.CanReadArrowResult_ = nil
	dr := exec(t, c, req).DirectResults
	if st := dr.OperationStatus; st.GetOperationState() != tcli.TOperationState_FINISHED_STATE {
		t.Fatalf("%s", st.GetErrorMessage())
	}
	schema := dr.ResultSetMetadata.Schema.Columns
	want := []struct {
		typ  tcli.TTypeId
		text string
	}{
		{tcli.TTypeId_MAP_TYPE, `{"1":[1.5],"2":null}`},
		{tcli.TTypeId_ARRAY_TYPE, `[{"a":"2024-01-02","b":{"k":"2024-01-02 03:04:05"}}]`},
		{tcli.TTypeId_STRUCT_TYPE, `{"q\"uote":"x<y","n":null}`},
		{tcli.TTypeId_STRING_TYPE, `{"a":[1,2]}`},
		{tcli.TTypeId_STRING_TYPE, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{tcli.TTypeId_STRING_TYPE, "01:02:03.5"},
		{tcli.TTypeId_STRING_TYPE, "b"},
		{tcli.TTypeId_STRING_TYPE, "340282366920938463463374607431768211455"},
		{tcli.TTypeId_DECIMAL_TYPE, "18446744073709551615"},
		{tcli.TTypeId_INTERVAL_DAY_TIME_TYPE, "1 year 2 months 3 days 04:05:06.25"},
		{tcli.TTypeId_INTERVAL_DAY_TIME_TYPE, "-00:00:01"},
		{tcli.TTypeId_DOUBLE_TYPE, ""},
		{tcli.TTypeId_ARRAY_TYPE, `[1.5,"+Inf"]`},
		{tcli.TTypeId_SMALLINT_TYPE, ""},
		{tcli.TTypeId_INT_TYPE, ""},
		{tcli.TTypeId_BIGINT_TYPE, ""},
		{tcli.TTypeId_DATE_TYPE, "1969-12-31"},
		{tcli.TTypeId_TIMESTAMP_TYPE, "2024-01-02 01:04:05"},
		{tcli.TTypeId_BINARY_TYPE, ""},
	}
	cols := dr.ResultSet.Results.Columns
	for i, w := range want {
		if got := schema[i].TypeDesc.Types[0].PrimitiveEntry.Type; got != w.typ {
			t.Errorf("%s: type %v, want %v", schema[i].ColumnName, got, w.typ)
		}
		if w.text == "" {
			continue
		}
		if cols[i].StringVal == nil {
			t.Errorf("%s: not a string column", schema[i].ColumnName)
			continue
		}
		if got := cols[i].StringVal.Values[0]; got != w.text {
			t.Errorf("%s: %s, want %s", schema[i].ColumnName, got, w.text)
		}
	}
	if v := cols[13].I16Val.Values[0]; v != 255 {
		t.Errorf("utinyint %d", v)
	}
	if v := cols[15].I64Val.Values[0]; v != 4294967295 {
		t.Errorf("uinteger %d", v)
	}
	// The same row as Arrow decodes.
	req.CanReadArrowResult_ = ptr(true)
	dr = exec(t, c, req).DirectResults
	recs := decode(t, dr.ResultSetMetadata.ArrowSchema, dr.ResultSet.Results.ArrowBatches, false)
	if got := recs[0].Column(16).ValueStr(0); got != "1969-12-31" {
		t.Errorf("old date %s", got)
	}
}
