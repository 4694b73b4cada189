package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// sessionsPath is the collection of the API's sessions: a session holds a
// catalog, a schema and configuration parameters for the statements
// submitted with its ID (ExecuteRequest.SessionID).
const sessionsPath = "/api/2.0/sql/sessions"

// CreateSessionRequest is the body of POST /api/2.0/sql/sessions.
type CreateSessionRequest struct {
	// WarehouseID names the SQL warehouse of the session's statements.
	WarehouseID string `json:"warehouse_id"`
	// Catalog and Schema are the session's initial namespace (empty: the
	// warehouse's).
	Catalog string `json:"catalog,omitempty"`
	Schema  string `json:"schema,omitempty"`
	// Confs are configuration parameters of the session (ANSI_MODE,
	// TIMEZONE, STATEMENT_TIMEOUT, ...).
	Confs map[string]string `json:"session_confs,omitempty"`
}

// createSessionResponse is the reply to a session creation.
type createSessionResponse struct {
	SessionID string `json:"session_id"`
}

// CreateSession creates a session and returns its ID. Like Submit, it is
// sent again only when the failure shows that the server did not take it,
// so that a retry never leaves a second session behind.
func (c *Client) CreateSession(ctx context.Context, req *CreateSessionRequest) (string, error) {
	if req.WarehouseID == "" {
		return "", fmt.Errorf("%w: warehouse_id is required", ErrInvalidRequest)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	var resp createSessionResponse
	if err := c.do(ctx, call{op: "create session", method: http.MethodPost, path: sessionsPath, body: body}, &resp); err != nil {
		return "", err
	}
	if resp.SessionID == "" {
		return "", fmt.Errorf("rest: create session: %w: no session_id", errMalformedReply)
	}
	return resp.SessionID, nil
}

// DeleteSession ends a session (DELETE /api/2.0/sql/sessions/{id}). A
// session the server does not know (HTTP 404, Error.NotFound) is gone
// already: a caller that only wants it gone can count that as done.
func (c *Client) DeleteSession(ctx context.Context, warehouseID, id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty session ID", ErrInvalidRequest)
	}
	body, err := json.Marshal(struct {
		WarehouseID string `json:"warehouse_id"`
		SessionID   string `json:"session_id"`
	}{warehouseID, id})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	return c.do(ctx, call{op: "delete session", method: http.MethodDelete, path: sessionsPath + "/" + url.PathEscape(id),
		body: body, safe: true}, nil)
}
