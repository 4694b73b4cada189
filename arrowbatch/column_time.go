package arrowbatch

import (
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// date32Column converts days since the epoch to midnight UTC. Dates of a
// batch often span fewer days than the batch has rows; the batch then gets
// a table of one time.Time per day of its span instead of one per row, and
// a value points at its day's entry.
type date32Column struct {
	validity
	vals []int32
	slab slab[time.Time]
	// days, when not nil, is the table of days from first on; the slab is
	// then unused (but full).
	days  []time.Time
	first int32
}

// Reset implements Column.
func (c *date32Column) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.vals = fixedValues[int32](arr)
	c.slab.reset()
	c.days = nil
}

// Value implements Column.
func (c *date32Column) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	if c.days != nil {
		return c.slab.boxAt(&c.days[int(c.vals[i])-int(c.first)])
	}
	return c.slab.box(i)
}

// fill converts the batch: into a table of its span of days when that is
// shorter than the batch, else into one time.Time per row.
func (c *date32Column) fill() {
	lo, hi, some := int32(math.MaxInt32), int32(math.MinInt32), false
	for j, v := range c.vals {
		if !c.null(j) {
			lo, hi, some = min(lo, v), max(hi, v), true
		}
	}
	if some && int64(hi)-int64(lo) < int64(len(c.vals)) {
		days := make([]time.Time, int(int64(hi)-int64(lo))+1)
		for k := range days {
			days[k] = time.Unix((int64(lo)+int64(k))*secondsPerDay, 0).UTC()
		}
		c.days, c.first = days, lo
		c.slab.full = true
		return
	}
	dst := c.slab.alloc(len(c.vals))
	for j, v := range c.vals {
		if !c.null(j) {
			dst[j] = time.Unix(int64(v)*secondsPerDay, 0).UTC()
		}
	}
}

// rowPlan implements rowSource.
func (c *date32Column) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	if c.days != nil {
		return rowColumn{kind: rowDays, typ: c.slab.typ, valid: c.validity, dayVals: c.vals, days: c.days, first: c.first}
	}
	return c.slab.plan(c.validity)
}

type date64Column struct {
	validity
	vals []int64
	slab slab[time.Time]
}

// Reset implements Column.
func (c *date64Column) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.vals = fixedValues[int64](arr)
	c.slab.reset()
}

// Value implements Column.
func (c *date64Column) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	return c.slab.box(i)
}

// fill converts milliseconds since the epoch to midnight UTC of their day.
func (c *date64Column) fill() {
	const msPerDay = secondsPerDay * 1000
	dst := c.slab.alloc(len(c.vals))
	for j, ms := range c.vals {
		if !c.null(j) {
			days := ms / msPerDay
			if ms%msPerDay < 0 {
				days--
			}
			dst[j] = time.Unix(days*secondsPerDay, 0).UTC()
		}
	}
}

// rowPlan implements rowSource.
func (c *date64Column) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	return c.slab.plan(c.validity)
}

// timestampColumn converts instants of any unit to time.Time in loc.
type timestampColumn struct {
	validity
	vals []int64
	unit arrow.TimeUnit
	loc  *time.Location
	slab slab[time.Time]
}

func newTimestampColumn(unit arrow.TimeUnit, loc *time.Location) *timestampColumn {
	return &timestampColumn{unit: unit, loc: loc}
}

// instant returns the time v units after the Unix epoch (in time.Local;
// callers set the location).
func instant(unit arrow.TimeUnit, v int64) time.Time {
	switch unit {
	case arrow.Second:
		return time.Unix(v, 0)
	case arrow.Millisecond:
		return time.UnixMilli(v)
	case arrow.Nanosecond:
		return time.Unix(0, v)
	}
	return time.UnixMicro(v)
}

// Reset implements Column.
func (c *timestampColumn) Reset(arr arrow.Array) {
	c.validity.reset(arr)
	c.vals = fixedValues[int64](arr)
	c.slab.reset()
}

// Value implements Column.
func (c *timestampColumn) Value(i int) any {
	if c.null(i) {
		return nil
	}
	if !c.slab.full {
		c.fill()
	}
	return c.slab.box(i)
}

// fill converts the batch's instants, one loop per unit so that the
// conversion inlines.
func (c *timestampColumn) fill() {
	dst := c.slab.alloc(len(c.vals))
	loc := c.loc
	switch c.unit {
	case arrow.Second:
		for j, v := range c.vals {
			if !c.null(j) {
				dst[j] = time.Unix(v, 0).In(loc)
			}
		}
	case arrow.Millisecond:
		for j, v := range c.vals {
			if !c.null(j) {
				dst[j] = time.UnixMilli(v).In(loc)
			}
		}
	case arrow.Nanosecond:
		for j, v := range c.vals {
			if !c.null(j) {
				dst[j] = time.Unix(0, v).In(loc)
			}
		}
	default:
		for j, v := range c.vals {
			if !c.null(j) {
				dst[j] = time.UnixMicro(v).In(loc)
			}
		}
	}
}

// rowPlan implements rowSource.
func (c *timestampColumn) rowPlan() rowColumn {
	if !c.slab.full {
		c.fill()
	}
	return c.slab.plan(c.validity)
}
