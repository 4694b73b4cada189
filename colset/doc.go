// Package colset decodes column-based result pages (TRowSet.columns, a list
// of tcli.TColumn) into values.
//
// # Input
//
// Every TColumn is a union holding exactly one typed column: boolVal,
// byteVal, i16Val, i32Val, i64Val, doubleVal, stringVal or binaryVal. Each
// carries its values and a NULL bitmap: bit i of byte i/8, least significant
// bit first, 1 meaning NULL. A bitmap shorter than the column (or absent)
// means the rows it does not cover are not NULL.
//
// [Decode] checks that there is one column per schema type, that all columns
// have the same length, that every union has exactly one member set and that
// the member matches the column's type (an INT column must arrive as i32Val,
// and so on). A page without any column is an empty page: the Apache Spark
// Thrift server omits columns on the last, empty page.
//
// # Hive text
//
// The Apache Spark Thrift server sends DECIMAL, DATE, TIMESTAMP, INTERVAL,
// ARRAY, MAP and STRUCT values as strings, with the real type in the table
// schema. [Decode] converts them when it decodes the page, so that text that
// does not parse is reported as an error rather than turned into NULL:
//
//	DECIMAL    "-12.5"                        "-12.50" (padded to the column's scale)
//	DATE       "2006-01-02"                   time.Time at midnight UTC
//	TIMESTAMP  "2006-01-02 15:04:05[.fffffffff]" time.Time in Options.Location
//	           (a 'T' separator and a zone suffix "Z", "+07:00" are accepted;
//	           text without a zone is read in UTC, the session time zone,
//	           and returned in Options.Location)
//	INTERVAL   any text                       the text
//	ARRAY, MAP, STRUCT  JSON-like text        the text
//
// # Values
//
// Values follow one convention shared with package arrowbatch: NULL is nil;
// BOOLEAN bool; TINYINT int8; SMALLINT int16; INT int32; BIGINT int64; FLOAT
// float32 (it arrives as doubleVal); DOUBLE float64; STRING, VARCHAR and
// CHAR string; BINARY []byte (a fresh copy on every call); DATE and TIMESTAMP
// time.Time; DECIMAL, INTERVAL, ARRAY, MAP and STRUCT string; the NULL type
// nil.
//
// The conversion of each column is chosen once per schema by [NewDecoder],
// not per row. [TypesFromSchema] derives the column types from a
// TTableSchema.
package colset
