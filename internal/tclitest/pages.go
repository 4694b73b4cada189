package tclitest

import (
	"context"
	"time"

	"github.com/asyncsql/databricks/colset"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// OneInt is a column-based result with one INT column "n" holding v. It
// answers every statement without a script.
func OneInt(v int32) *Script {
	name, typ, format := "n", tcli.TTypeId_INT_TYPE, tcli.TSparkRowSetType_COLUMN_BASED_SET
	col := &tcli.TColumnDesc{ColumnName: name, Position: 1, TypeDesc: &tcli.TTypeDesc{Types: []*tcli.TTypeEntry{
		{PrimitiveEntry: &tcli.TPrimitiveTypeEntry{Type: typ}},
	}}}
	return &Script{
		Meta: &tcli.TGetResultSetMetadataResp{Status: OK(), Schema: &tcli.TTableSchema{Columns: []*tcli.TColumnDesc{col}}, ResultFormat: &format},
		Pages: []*tcli.TRowSet{{Rows: []*tcli.TRow{}, Columns: []*tcli.TColumn{
			{I32Val: &tcli.TI32Column{Values: []int32{v}, Nulls: []byte{0}}},
		}}},
	}
}

// LinkPage is a page of result links.
func LinkPage(links ...*tcli.TSparkArrowResultLink) *tcli.TRowSet {
	return &tcli.TRowSet{Rows: []*tcli.TRow{}, ResultLinks: links}
}

// GetResultSetMetadata answers the script's Meta (an empty schema without
// one).
func (f *Server) GetResultSetMetadata(ctx context.Context, req *tcli.TGetResultSetMetadataReq) (*tcli.TGetResultSetMetadataResp, error) {
	st, err := f.begin(ctx, GetResultSetMetadata, req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TGetResultSetMetadataResp{Status: st}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	op, bad := f.lookup(req.OperationHandle)
	if bad != nil {
		return &tcli.TGetResultSetMetadataResp{Status: bad}, nil
	}
	if op.s.Meta == nil {
		return &tcli.TGetResultSetMetadataResp{Status: OK(), Schema: &tcli.TTableSchema{}}, nil
	}
	return op.s.Meta, nil
}

// pageStart returns the row page i of op starts at: the rows of the pages
// before it, unless the script gives the page an offset of its own.
func (op *operation) pageStart(i int) int64 {
	var n int64
	for _, p := range op.s.Pages[:i] {
		n += int64(colset.RowCount(p))
		for _, lk := range p.ResultLinks {
			n += lk.RowCount
		}
	}
	return n
}

// fetch returns the next page of op (lock held). A page is answered with
// the offset of its first row, as servers do.
func (f *Server) fetch(op *operation) *tcli.TFetchResultsResp {
	resp := &tcli.TFetchResultsResp{Status: OK(), HasMoreRows: ptr(false)}
	if op.fetchIdx < len(op.s.Pages) {
		rs := *op.s.Pages[op.fetchIdx]
		if !op.s.KeepOffsets {
			rs.StartRowOffset = op.pageStart(op.fetchIdx)
		}
		if len(rs.ResultLinks) > 0 {
			rs.ResultLinks = op.links(op.fetchIdx)
			if op.skipLinks > 0 && !op.s.KeepOffsets {
				rs.StartRowOffset = rs.ResultLinks[0].StartRowOffset
			}
		}
		op.skipLinks = 0
		resp.Results = &rs
		op.fetchIdx++
	} else {
		resp.Results = &tcli.TRowSet{StartRowOffset: op.pageStart(len(op.s.Pages)), Rows: []*tcli.TRow{}}
	}
	if !op.s.SparkPaging {
		resp.HasMoreRows = ptr(op.fetchIdx < len(op.s.Pages))
	}
	return resp
}

// links returns the result links page i is answered with (lock held):
// copies, without the first skipLinks, re-signed with an expiry an hour
// ahead when the page was answered before, as a server issues fresh
// presigned URLs.
func (op *operation) links(i int) []*tcli.TSparkArrowResultLink {
	if op.served == nil {
		op.served = map[int]bool{}
	}
	var out []*tcli.TSparkArrowResultLink
	for _, lk := range op.s.Pages[i].ResultLinks[min(op.skipLinks, len(op.s.Pages[i].ResultLinks)):] {
		c := *lk
		if op.served[i] {
			c.ExpiryTime = time.Now().Add(time.Hour).Unix()
		}
		out = append(out, &c)
	}
	op.served[i] = true
	return out
}

// seek moves the cursor of op to row off (lock held): to the page that
// starts there, or to the result link holding it. It reports whether one
// does.
func (op *operation) seek(off int64) bool {
	for i := 0; i <= len(op.s.Pages); i++ {
		if op.pageStart(i) == off {
			op.fetchIdx, op.skipLinks = i, 0
			return true
		}
	}
	for i, p := range op.s.Pages {
		for k, lk := range p.ResultLinks {
			if lk.StartRowOffset <= off && off < lk.StartRowOffset+lk.RowCount {
				op.fetchIdx, op.skipLinks = i, k
				return true
			}
		}
	}
	return false
}

// FetchResults answers the next page, or the page a startRowOffset names
// (from the result link holding that row, in a page of links); an offset
// at no page nor link is an error status.
func (f *Server) FetchResults(ctx context.Context, req *tcli.TFetchResultsReq) (*tcli.TFetchResultsResp, error) {
	st, err := f.begin(ctx, FetchResults, req)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return &tcli.TFetchResultsResp{Status: st}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	op, bad := f.lookup(req.OperationHandle)
	if bad != nil {
		return &tcli.TFetchResultsResp{Status: bad}, nil
	}
	if req.Orientation == tcli.TFetchOrientation_FETCH_FIRST {
		op.fetchIdx, op.skipLinks = 0, 0
	}
	if off := req.StartRowOffset; off != nil && f.proto >= tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1 && !op.s.IgnoreOffset {
		// Position the cursor at the page that starts there (the current
		// one if it does: an empty page starts where the next one does).
		if op.fetchIdx > len(op.s.Pages) || op.pageStart(min(op.fetchIdx, len(op.s.Pages))) != *off {
			if !op.seek(*off) {
				return &tcli.TFetchResultsResp{Status: &tcli.TStatus{StatusCode: tcli.TStatusCode_ERROR_STATUS, ErrorMessage: ptr("startRowOffset is not at a page")}}, nil
			}
		}
	}
	resp := f.fetch(op)
	if req.GetIncludeResultSetMetadata() {
		resp.ResultSetMetadata = op.s.Meta
	}
	return resp, nil
}
