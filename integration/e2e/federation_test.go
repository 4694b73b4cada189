package e2e_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	dbdriver "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// The external identity provider's JWT the fake token endpoint accepts,
// and the workspace token it issues for it, which the emulator accepts.
const (
	federationJWT   = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIn0.RkVERVJBVElPTnNpZw"
	federatedToken  = "dapiFEDERATED0e2e0token0123"
	federationWrong = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL290aGVyIn0.V1JPTkdzaWduYXR1cmU"
)

// exchangeEndpoint is a fake workspace token endpoint doing RFC 8693 token
// exchange: federationJWT gets federatedToken, any other subject a 401
// invalid_grant that echoes the subject back.
func exchangeEndpoint(t *testing.T, exchanges *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.URL.Path != "/oidc/v1/token" ||
			r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange" ||
			r.PostForm.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:jwt" ||
			r.PostForm.Get("scope") != "sql" {
			http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("subject_token") != federationJWT {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": "no policy matches " + r.PostForm.Get("subject_token")})
			return
		}
		exchanges.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": federatedToken, "token_type": "Bearer", "expires_in": 3600})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// tokenRoute sends the token endpoint's requests of the warehouse's host to
// the fake endpoint, everything else to the emulator.
type tokenRoute struct {
	endpoint *url.URL
	base     *http.Transport
}

func (rt tokenRoute) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/oidc/v1/token" {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = rt.endpoint.Scheme, rt.endpoint.Host, ""
	}
	return rt.base.RoundTrip(r)
}

// federationDB opens the driver on s with token federation, the JWT read
// from a file, through a transport that routes the token endpoint to ep.
func federationDB(t *testing.T, s *emulator.Server, ep *httptest.Server, jwt string) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "idp.jwt")
	if err := os.WriteFile(path, []byte(jwt+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The emulator's DSN carries its token; the federation option replaces it.
	cfg, err := dbdriver.ParseDSN(testDSN(s))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(ep.URL)
	if err != nil {
		t.Fatal(err)
	}
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	c, err := dbdriver.NewConnector(cfg, dbdriver.WithTransport(tokenRoute{endpoint: u, base: base}),
		dbdriver.WithTokenFederation(dbdriver.JWTFromFile(path), ""))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestTokenFederation runs statements on an emulator that accepts only the
// token the fake endpoint issues for the external JWT: one exchange serves
// every request while the token is valid.
func TestTokenFederation(t *testing.T) {
	var exchanges atomic.Int32
	ep := exchangeEndpoint(t, &exchanges)
	s := emulator.Start(t, emulator.WithToken(federatedToken))
	db := federationDB(t, s, ep, federationJWT)
	ctx := testCtx(t)
	for i := range 3 {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM range(10)").Scan(&n); err != nil || n != 10 {
			t.Fatalf("query %d: got %d, %v", i, n, err)
		}
	}
	if got := exchanges.Load(); got != 1 {
		t.Errorf("got %d token exchanges, want 1", got)
	}
}

// TestTokenFederationRefused checks that a JWT the endpoint refuses fails
// the connection with its status and OAuth error code, quoting no token.
func TestTokenFederationRefused(t *testing.T) {
	var exchanges atomic.Int32
	ep := exchangeEndpoint(t, &exchanges)
	s := emulator.Start(t, emulator.WithToken(federatedToken))
	db := federationDB(t, s, ep, federationWrong)
	err := db.PingContext(context.Background())
	if err == nil {
		t.Fatal("connected with a refused JWT")
	}
	for _, want := range []string{"token federation", "401", "invalid_grant"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	for _, out := range printedForms(err) {
		for _, sec := range []string{federationWrong, federationJWT, federatedToken} {
			if strings.Contains(out, sec) {
				t.Fatalf("output shows a token: %s", out)
			}
		}
	}
}
