package rest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSessionCalls(t *testing.T) {
	f := newFake(t, ok(`{"session_id":"s-1"}`), ok(`{}`))
	c := newClient(f.URL, Options{})
	id, err := c.CreateSession(context.Background(), &CreateSessionRequest{WarehouseID: "w", Schema: "sc",
		Confs: map[string]string{"ansi_mode": "false"}})
	require.NoError(t, err)
	require.Equal(t, "s-1", id)
	require.NoError(t, c.DeleteSession(context.Background(), "w", "s-1"))
	reqs := f.requests()
	require.Len(t, reqs, 2)
	require.Equal(t, "POST", reqs[0].Method)
	require.Equal(t, sessionsPath, reqs[0].Path)
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(reqs[0].Body), &body))
	require.Equal(t, map[string]any{"warehouse_id": "w", "schema": "sc", "session_confs": map[string]any{"ansi_mode": "false"}}, body)
	require.Equal(t, "DELETE", reqs[1].Method)
	require.Equal(t, sessionsPath+"/s-1", reqs[1].Path)
	require.JSONEq(t, `{"warehouse_id":"w","session_id":"s-1"}`, reqs[1].Body)
}

func TestSessionIDInSubmit(t *testing.T) {
	f := newFake(t, ok(`{"statement_id":"x","status":{"state":"SUCCEEDED"}}`))
	c := newClient(f.URL, Options{})
	_, err := c.Submit(context.Background(), &ExecuteRequest{Statement: "SELECT 1", WarehouseID: "w", SessionID: "s-1"})
	require.NoError(t, err)
	require.Contains(t, f.requests()[0].Body, `"session_id":"s-1"`)
	_, err = c.Submit(context.Background(), &ExecuteRequest{Statement: "SELECT 1", WarehouseID: "w"})
	require.NoError(t, err)
	require.NotContains(t, f.requests()[1].Body, "session_id")
}

func TestSessionErrors(t *testing.T) {
	ctx := context.Background()
	c := newClient("http://127.0.0.1:1", Options{})
	_, err := c.CreateSession(ctx, &CreateSessionRequest{})
	require.ErrorIs(t, err, ErrInvalidRequest)
	require.ErrorIs(t, c.DeleteSession(ctx, "w", ""), ErrInvalidRequest)

	f := newFake(t, ok(`{}`))
	_, err = newClient(f.URL, Options{}).CreateSession(ctx, &CreateSessionRequest{WarehouseID: "w"})
	require.ErrorIs(t, err, errMalformedReply)

	// A refused creation is not sent again; a 404 on delete says the
	// session is gone.
	f = newFake(t, status(500, `{"error_code":"INTERNAL_ERROR","message":"boom"}`),
		status(404, `{"error_code":"NOT_FOUND","message":"[INVALID_HANDLE.SESSION_NOT_FOUND] gone"}`))
	c = newClient(f.URL, Options{})
	_, err = c.CreateSession(ctx, &CreateSessionRequest{WarehouseID: "w"})
	var ae *Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusInternalServerError, ae.StatusCode)
	require.Len(t, f.requests(), 1)
	err = c.DeleteSession(ctx, "w", "s-1")
	require.True(t, errors.As(err, &ae) && ae.NotFound(), "%v", err)
	require.Equal(t, "delete session", ae.Op)
}
