package arrowbatch

import (
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// maxDepth bounds the nesting of validated arrays.
const maxDepth = 64

// maxValues bounds the offset and length of an array, far above what a batch
// can hold, so that size arithmetic cannot overflow.
const maxValues = 1 << 40

// validateRecord checks that every buffer of rec is large enough for the
// values its arrays claim, so that reading any row cannot go out of bounds.
func validateRecord(rec arrow.RecordBatch) error {
	rows := rec.NumRows()
	if rows < 0 {
		return fmt.Errorf("negative row count %d", rows)
	}
	for i, col := range rec.Columns() {
		if int64(col.Len()) != rows {
			return fmt.Errorf("column %d has %d rows, batch has %d", i, col.Len(), rows)
		}
		if err := validateArray(col, 0); err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	return nil
}

type fullValidator interface{ ValidateFull() error }

func validateArray(arr arrow.Array, depth int) error {
	if depth > maxDepth {
		return errors.New("nesting too deep")
	}
	d := arr.Data()
	off, n := d.Offset(), d.Len()
	if off < 0 || n < 0 || off > maxValues || n > maxValues {
		return fmt.Errorf("invalid offset %d or length %d", off, n)
	}
	end := off + n
	bufs := d.Buffers()
	if len(bufs) > 0 && bufs[0] != nil && bufs[0].Len() > 0 && bufs[0].Len() < bitmapBytes(end) {
		return fmt.Errorf("validity bitmap of %d bytes for %d values", bufs[0].Len(), end)
	}
	if _, ok := arr.DataType().(*arrow.NullType); ok {
		return nil
	}
	nulls, err := nullCount(arr)
	if err != nil {
		return err
	}
	if nulls > n {
		return fmt.Errorf("%d NULLs in %d values", nulls, n)
	}
	if nulls > 0 && hasValidity(arr.DataType().ID()) && (len(bufs) == 0 || bufs[0] == nil || bufs[0].Len() == 0) {
		return fmt.Errorf("%d NULLs without a validity bitmap", nulls)
	}
	switch dt := arr.DataType().(type) {
	case *arrow.StringType, *arrow.BinaryType:
		if n == 0 {
			return nil
		}
		return validateOffsets(arrow.GetData[int32](bufferBytes(bufs, 1)), off, n, len(bufferBytes(bufs, 2)))
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		if n == 0 {
			return nil
		}
		return validateOffsets(arrow.GetData[int64](bufferBytes(bufs, 1)), off, n, len(bufferBytes(bufs, 2)))
	case arrow.FixedWidthDataType:
		if n == 0 {
			return nil
		}
		width := dt.BitWidth()
		if width <= 0 || end > (math.MaxInt-7)/width {
			return fmt.Errorf("invalid value width %d bits for %d values", width, end)
		}
		need := bitmapBytes(end * width)
		if got := len(bufferBytes(bufs, 1)); got < need {
			return fmt.Errorf("data buffer of %d bytes, need %d", got, need)
		}
		if _, ok := dt.(*arrow.DictionaryType); !ok {
			return nil
		}
	}
	if v, ok := arr.(fullValidator); ok {
		if err := v.ValidateFull(); err != nil {
			return err
		}
	}
	switch a := arr.(type) {
	case array.ListLike:
		return validateArray(a.ListValues(), depth+1)
	case *array.Dictionary:
		dict := a.Dictionary()
		if err := validateArray(dict, depth+1); err != nil {
			return err
		}
		for i := range n {
			if a.IsValid(i) {
				if idx := a.GetValueIndex(i); idx < 0 || idx >= dict.Len() {
					return fmt.Errorf("dictionary index %d out of range [0,%d)", idx, dict.Len())
				}
			}
		}
	case *array.Struct:
		for i := range a.NumField() {
			if a.Field(i).Len() < n {
				return fmt.Errorf("struct field %d has %d values, need %d", i, a.Field(i).Len(), n)
			}
			if err := validateArray(a.Field(i), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateOffsets[T int32 | int64](offsets []T, off, n, dataLen int) error {
	if len(offsets) < off+n+1 {
		return fmt.Errorf("offsets buffer holds %d offsets, need %d", len(offsets), off+n+1)
	}
	prev := offsets[off]
	if prev < 0 {
		return fmt.Errorf("negative offset %d", prev)
	}
	for _, o := range offsets[off+1 : off+n+1] {
		if o < prev {
			return fmt.Errorf("decreasing offsets %d after %d", o, prev)
		}
		prev = o
	}
	if int64(prev) > int64(dataLen) {
		return fmt.Errorf("offset %d beyond data buffer of %d bytes", prev, dataLen)
	}
	return nil
}

func bufferBytes(bufs []*memory.Buffer, i int) []byte {
	if i >= len(bufs) || bufs[i] == nil {
		return nil
	}
	return bufs[i].Bytes()
}

func bitmapBytes(bits int) int { return (bits + 7) / 8 }

// nullCount returns the NULL count of arr, which arrow-go computes from the
// validity bitmap when the message did not give it.
func nullCount(arr arrow.Array) (n int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("invalid NULL count: %v", p)
		}
	}()
	return arr.NullN(), nil
}

// hasValidity reports whether arrays of type id carry a validity bitmap.
func hasValidity(id arrow.Type) bool {
	switch id {
	case arrow.NULL, arrow.SPARSE_UNION, arrow.DENSE_UNION, arrow.RUN_END_ENCODED:
		return false
	}
	return true
}
