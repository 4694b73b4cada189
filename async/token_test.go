package async

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/driver"
)

func tokenCases() map[string]*Execution {
	running := testExecution()

	finished := testExecution()
	finished.Status = StatusFinished
	finished.Completed = time.UnixMilli(1764066042999).UTC()
	finished.RowsAffected = 12345

	failedState := driver.StateError
	failed := testExecution()
	failed.Status = StatusFailed
	failed.Err = &driver.ServerError{SQLState: "42P01", ErrorCode: -7, Message: "Table or view not found: nope",
		StatementID: failed.StatementID(), State: &failedState}

	bare := &Execution{Status: StatusInitialized, warehouse: warehouseHash(testWarehouse),
		Ref: makeRef([]byte{1, 2, 3}, nil, nil, nil, false, 0)}

	gone := testExecution()
	gone.Status = StatusGone
	gone.Ref = makeRef(testOpGUID, testOpSecret, testSessGUID, testSessSec, false, 42248)
	gone.RowsAffected = -1

	return map[string]*Execution{"running": running, "finished": finished, "failed": failed, "bare": bare, "gone": gone}
}

func sameExecution(t *testing.T, got, want *Execution) {
	t.Helper()
	if got.Status != want.Status || !got.Started.Equal(want.Started) || !got.Completed.Equal(want.Completed) ||
		got.RowsAffected != want.RowsAffected || got.warehouse != want.warehouse {
		t.Fatalf("decoded %v %v %v %d %x, want %v %v %v %d %x", got.Status, got.Started, got.Completed, got.RowsAffected,
			got.warehouse, want.Status, want.Started, want.Completed, want.RowsAffected, want.warehouse)
	}
	g, _ := got.Ref.MarshalBinary()
	w, _ := want.Ref.MarshalBinary()
	if !bytes.Equal(g, w) {
		t.Fatalf("decoded ref differs")
	}
	if (got.Err == nil) != (want.Err == nil) {
		t.Fatalf("decoded Err %v, want %v", got.Err, want.Err)
	}
	if want.Err != nil {
		var gs, ws *driver.ServerError
		if !errors.As(got.Err, &gs) || !errors.As(want.Err, &ws) {
			t.Fatalf("decoded Err %T, want *driver.ServerError", got.Err)
		}
		if gs.SQLState != ws.SQLState || gs.ErrorCode != ws.ErrorCode || gs.Message != ws.Message ||
			gs.StatementID != ws.StatementID || (gs.State == nil) != (ws.State == nil) || (gs.State != nil && *gs.State != *ws.State) {
			t.Fatalf("decoded failure %+v, want %+v", gs, ws)
		}
	}
}

func TestTokenRoundTrip(t *testing.T) {
	for name, want := range tokenCases() {
		t.Run(name, func(t *testing.T) {
			tok, err := want.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(tok), "dbx2.") {
				t.Fatalf("token %q lacks the version prefix", tok)
			}
			var got Execution
			if err := got.UnmarshalText(tok); err != nil {
				t.Fatal(err)
			}
			sameExecution(t, &got, want)
			again, err := got.MarshalText()
			if err != nil || !bytes.Equal(again, tok) {
				t.Fatalf("re-marshal gives %q, %v; want %q", again, err, tok)
			}

			js, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			var fromJSON Execution
			if err := json.Unmarshal(js, &fromJSON); err != nil {
				t.Fatalf("%s: %v", js, err)
			}
			sameExecution(t, &fromJSON, want)

			// A JSON string holding the text token is accepted too, and
			// encoding/json uses MarshalJSON for values and pointers alike.
			var fromString Execution
			if err := json.Unmarshal([]byte(`"`+string(tok)+`"`), &fromString); err != nil {
				t.Fatal(err)
			}
			sameExecution(t, &fromString, want)
			byValue, _ := json.Marshal(*want)
			if !bytes.Equal(byValue, js) {
				t.Fatalf("value and pointer JSON differ:\n%s\n%s", byValue, js)
			}
		})
	}
}

func TestTokenIsCompact(t *testing.T) {
	tok, err := testExecution().MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) > 140 {
		t.Fatalf("running execution token is %d bytes: %s", len(tok), tok)
	}
}

func TestJSONFields(t *testing.T) {
	e := tokenCases()["failed"]
	js, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	if m["statement_id"] != "01ef1234-5678-4abc-8def-001122334455" || m["status"] != "FAILED" || m["sqlstate"] != "42P01" {
		t.Fatalf("JSON %s", js)
	}
	// The informational fields are not trusted: a statement_id that
	// disagrees with the token is an error, the others are ignored.
	m["status"] = "FINISHED"
	edited, _ := json.Marshal(m)
	var back Execution
	if err := json.Unmarshal(edited, &back); err != nil || back.Status != StatusFailed {
		t.Fatalf("edited status: %v %v", back.Status, err)
	}
	m["statement_id"] = "00000000-0000-0000-0000-000000000000"
	edited, _ = json.Marshal(m)
	if err := json.Unmarshal(edited, &back); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("mismatched statement_id: %v", err)
	}
}

func TestTokenErrors(t *testing.T) {
	tok, err := tokenCases()["failed"].MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(string(tok[len(tokenPrefix):]))
	if err != nil {
		t.Fatal(err)
	}
	// reencode builds a token with a valid checksum around any payload, to
	// reach the checks behind the checksum.
	reencode := tokenFor
	bad := map[string]string{
		"empty":           "",
		"prefix only":     tokenPrefix,
		"no prefix":       string(tok[len(tokenPrefix):]),
		"future version":  "dbx3." + string(tok[len(tokenPrefix):]),
		"v1 checksum":     "dbx1." + string(tok[len(tokenPrefix):]),
		"padding":         string(tok) + "=",
		"bad alphabet":    string(tok[:20]) + "+" + string(tok[21:]),
		"whitespace":      string(tok) + "\n",
		"too long":        tokenPrefix + strings.Repeat("A", maxTokenLen),
		"trailing bytes":  reencode(append(payload[:len(payload)-4:len(payload)-4], 0)),
		"unknown flags":   reencode(append([]byte{0x80}, payload[1:len(payload)-4]...)),
		"invalid status":  reencode(append(append(append([]byte(nil), payload[:9]...), 200), payload[10:len(payload)-4]...)),
		"zero warehouse":  reencode(append(append([]byte{payload[0]}, make([]byte, 8)...), payload[9:len(payload)-4]...)),
		"empty payload":   reencode(nil),
		"short payload":   reencode(payload[:12]),
		"no op guid":      reencode(append(append(append([]byte(nil), payload[:10]...), 0), payload[11+16:len(payload)-4]...)),
		"checksum only":   tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte{1, 2, 3, 4}),
		"truncated crc":   string(tok[:len(tok)-2]),
		"swapped halves":  tokenPrefix + string(tok[len(tok)/2:]) + string(tok[len(tokenPrefix):len(tok)/2]),
		"JSON no token":   `{"statement_id":"x"}`,
		"JSON bad token":  `{"token":"dbx1.AAAA"}`,
		"JSON wrong type": `{"token":5}`,
	}
	for name, s := range bad {
		t.Run(name, func(t *testing.T) {
			var e Execution
			var err error
			if strings.HasPrefix(name, "JSON") {
				err = e.UnmarshalJSON([]byte(s))
			} else {
				err = e.UnmarshalText([]byte(s))
			}
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("error %v, want ErrInvalidToken", err)
			}
			if strings.Contains(err.Error(), string(testOpSecret)) {
				t.Fatalf("error shows the secret: %v", err)
			}
		})
	}
}

// tokenFor wraps a raw payload in a valid prefix and checksum.
func tokenFor(p []byte) string {
	b := append([]byte(nil), p...)
	crc := crc32Token(b)
	b = append(b, byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc))
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func TestTokenTamperAndTruncate(t *testing.T) {
	tok, err := tokenCases()["finished"].MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="
	for i := range tok {
		for _, c := range []byte(alphabet) {
			if c == tok[i] {
				continue
			}
			mod := append([]byte(nil), tok...)
			mod[i] = c
			var e Execution
			if err := e.UnmarshalText(mod); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("changing byte %d to %q: error %v, want ErrInvalidToken", i, c, err)
			}
		}
	}
	for n := range len(tok) {
		var e Execution
		if err := e.UnmarshalText(tok[:n]); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("truncated to %d bytes: error %v, want ErrInvalidToken", n, err)
		}
	}
}

func TestMarshalUnbound(t *testing.T) {
	for name, e := range map[string]*Execution{
		"zero":       {},
		"no binding": {Ref: testRef()},
		"no handle":  {warehouse: 7},
		"bad status": {Ref: testRef(), warehouse: 7, Status: 99},
	} {
		if _, err := e.MarshalText(); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: MarshalText error %v, want ErrInvalidToken", name, err)
		}
		if _, err := json.Marshal(e); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: json.Marshal error %v, want ErrInvalidToken", name, err)
		}
	}
}

func TestTokenTruncatesLongMessages(t *testing.T) {
	e := testExecution()
	e.Status = StatusFailed
	long := strings.Repeat("é", maxMessageLen) // 2 bytes each
	e.Err = &driver.ServerError{SQLState: strings.Repeat("S", 40), Message: long + "\xff"}
	tok, err := e.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var got Execution
	if err := got.UnmarshalText(tok); err != nil {
		t.Fatal(err)
	}
	se := got.Err.(*driver.ServerError)
	if len(se.Message) != maxMessageLen || se.Message != long[:maxMessageLen] || len(se.SQLState) != maxSQLState {
		t.Fatalf("message %d bytes, sqlstate %q", len(se.Message), se.SQLState)
	}
}

func TestNullJSONLeavesValue(t *testing.T) {
	e := *testExecution()
	if err := json.Unmarshal([]byte("null"), &e); err != nil || e.Status != StatusRunning {
		t.Fatalf("null: %v %v", e.Status, err)
	}
}

func TestNonServerErrorFailure(t *testing.T) {
	e := testExecution()
	e.Status = StatusFailed
	e.Err = errors.New("boom")
	tok, err := e.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var got Execution
	if err := got.UnmarshalText(tok); err != nil {
		t.Fatal(err)
	}
	if se, ok := got.Err.(*driver.ServerError); !ok || se.Message != "boom" {
		t.Fatalf("failure %#v", got.Err)
	}
}

func TestTokenTimesOutOfRange(t *testing.T) {
	e := testExecution()
	e.Started = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	e.Completed = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
	tok, err := e.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var got Execution
	if err := got.UnmarshalText(tok); err != nil {
		t.Fatal(err)
	}
	if !got.Started.IsZero() || !got.Completed.IsZero() {
		t.Fatalf("times %v %v, want unknown", got.Started, got.Completed)
	}
}

func TestWarehouseHash(t *testing.T) {
	base := warehouseHash("example.com:443/sql/1.0/warehouses/abc")
	for _, same := range []string{"EXAMPLE.com:443/sql/1.0/warehouses/abc", "example.com:443/sql/1.0/warehouses/abc/"} {
		if warehouseHash(same) != base {
			t.Errorf("%s binds to another warehouse", same)
		}
	}
	for _, other := range []string{"example.com:444/sql/1.0/warehouses/abc", "example.com:443/sql/1.0/warehouses/ABC",
		"example.org:443/sql/1.0/warehouses/abc", "example.com:443/sql/1.0/warehouses/abcd", ""} {
		if warehouseHash(other) == base {
			t.Errorf("%s binds to the same warehouse", other)
		}
	}
}
