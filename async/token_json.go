package async

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// jsonExecution is the JSON form. Only Token is read back; the other fields
// are there for people and tools reading the JSON.
type jsonExecution struct {
	Token        string     `json:"token"`
	StatementID  string     `json:"statement_id,omitempty"`
	Status       string     `json:"status,omitempty"`
	Started      *time.Time `json:"started,omitempty"`
	Completed    *time.Time `json:"completed,omitempty"`
	RowsAffected int64      `json:"rows_affected,omitempty"`
	SQLState     string     `json:"sqlstate,omitempty"`
	Error        string     `json:"error,omitempty"`
}

// MarshalJSON encodes e as a JSON object whose "token" member is the text
// token (MarshalText) and whose other members (statement_id, status, started,
// completed, rows_affected, sqlstate, error) are informational.
func (e Execution) MarshalJSON() ([]byte, error) {
	tok, err := e.MarshalText()
	if err != nil {
		return nil, err
	}
	j := jsonExecution{
		Token:        string(tok),
		StatementID:  e.StatementID(),
		Status:       e.Status.String(),
		RowsAffected: e.RowsAffected,
	}
	if !e.Started.IsZero() {
		t := normTime(e.Started)
		j.Started = &t
	}
	if !e.Completed.IsZero() {
		t := normTime(e.Completed)
		j.Completed = &t
	}
	if e.Err != nil {
		state, _, msg := failureParts(e.Err)
		j.SQLState, j.Error = state, truncateUTF8(msg, maxMessageLen)
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the object made by MarshalJSON, or a JSON string
// holding a text token. The execution is rebuilt from the token alone; a
// statement_id member that disagrees with it is an error (ErrInvalidToken).
func (e *Execution) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		return nil // like encoding/json: null leaves the value alone
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidToken, err)
		}
		return e.UnmarshalText([]byte(s))
	}
	var j jsonExecution
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if j.Token == "" {
		return fmt.Errorf("%w: no token in JSON", ErrInvalidToken)
	}
	var d Execution
	if err := d.UnmarshalText([]byte(j.Token)); err != nil {
		return err
	}
	if j.StatementID != "" && j.StatementID != d.StatementID() {
		return fmt.Errorf("%w: statement_id does not match the token", ErrInvalidToken)
	}
	*e = d
	return nil
}
