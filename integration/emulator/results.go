package emulator

import (
	"github.com/asyncsql/databricks/thrift/tcli"
)

// metadataResp is the TGetResultSetMetadataResp of a finished operation.
func (op *operation) metadataResp() *tcli.TGetResultSetMetadataResp {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.metadataLocked()
}

func (op *operation) metadataLocked() *tcli.TGetResultSetMetadataResp {
	staging := op.staging
	r := &tcli.TGetResultSetMetadataResp{Status: okStatus(), Schema: tableSchema(op.cols), IsStagingOperation: &staging}
	format := tcli.TSparkRowSetType_COLUMN_BASED_SET
	if op.arrow {
		format = tcli.TSparkRowSetType_ARROW_BASED_SET
		if op.useLinksLocked() {
			format = tcli.TSparkRowSetType_URL_BASED_SET
		}
		msg, err := op.schemaLocked()
		if err != nil {
			return &tcli.TGetResultSetMetadataResp{Status: errStatus("XX000", "arrow schema: "+err.Error())}
		}
		r.ArrowSchema = msg
		lz4 := op.lz4
		r.Lz4Compressed = &lz4
	}
	r.ResultFormat = &format
	return r
}

// schemaLocked returns the cached Arrow IPC schema message; op.mu held.
func (op *operation) schemaLocked() ([]byte, error) {
	if op.schemaMsg == nil {
		msg, err := schemaMessage(arrowSchema(op.cols, op.arrowOpt))
		if err != nil {
			return nil, err
		}
		op.schemaMsg = msg
	}
	return op.schemaMsg, nil
}

// fetch returns the next page of at most maxRows rows (and, for Arrow, about
// maxBytes bytes: batches are added while the page is below maxBytes) and
// whether rows remain. fromStart restarts at row 0 (FETCH_FIRST); offset,
// when not nil, positions the cursor at that row first.
func (op *operation) fetch(maxRows, maxBytes, pageCap int64, batchRows int, fromStart bool, offset *int64) (*tcli.TRowSet, bool, *tcli.TStatus) {
	op.mu.Lock()
	defer op.mu.Unlock()
	if fromStart {
		op.cursor = 0
	}
	if offset != nil {
		if *offset < 0 || *offset > int64(op.rows.Len()) {
			return nil, false, errStatus("22003", "startRowOffset out of range")
		}
		op.cursor = int(*offset)
	}
	if maxRows <= 0 || maxRows > pageCap {
		maxRows = pageCap
	}
	if op.useLinksLocked() {
		return op.fetchLinksLocked(maxRows)
	}
	start := op.cursor
	end := min(int64(start)+maxRows, int64(op.rows.Len()))
	rs := &tcli.TRowSet{StartRowOffset: int64(start), Rows: []*tcli.TRow{}}
	if !op.arrow {
		rs.Columns = buildColumns(op.cols, op.rows, start, int(end), op.loc)
		op.cursor = int(end)
		return rs, op.cursor < op.rows.Len(), nil
	}
	schemaMsg, err := op.schemaLocked()
	if err != nil {
		return nil, false, errStatus("XX000", "arrow schema: "+err.Error())
	}
	schema := arrowSchema(op.cols, op.arrowOpt)
	rs.ArrowBatches = []*tcli.TSparkArrowBatch{}
	var size int64
	pos := start
	for pos < int(end) && (maxBytes <= 0 || size < maxBytes || pos == start) {
		stop := min(pos+batchRows, int(end))
		rec, err := buildRecord(schema, op.cols, op.rows, pos, stop)
		if err != nil {
			return nil, false, errStatus("XX000", "arrow batch: "+err.Error())
		}
		msg, err := batchMessage(schemaMsg, rec, op.lz4)
		rec.Release()
		if err != nil {
			return nil, false, errStatus("XX000", "arrow batch: "+err.Error())
		}
		rs.ArrowBatches = append(rs.ArrowBatches, &tcli.TSparkArrowBatch{Batch: msg, RowCount: int64(stop - pos)})
		size += int64(len(msg))
		pos = stop
	}
	op.cursor = pos
	return rs, op.cursor < op.rows.Len(), nil
}
