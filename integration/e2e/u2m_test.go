package e2e_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	dbdriver "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// u2mToken is the access token the fake OIDC server issues at login; the
// emulator accepts only it.
const u2mToken = "dapiU2M0e2e0access0token0456"

// fakeOIDC is a workspace's OIDC server for one user: the authorize
// endpoint logs the user in at once and redirects with a code, the token
// endpoint redeems it against the PKCE verifier.
func fakeOIDC(t *testing.T, logins *int) *httptest.Server {
	var mu sync.Mutex
	challenges := map[string]string{}
	mux := http.NewServeMux()
	mux.HandleFunc("/oidc/v1/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		back, err := url.Parse(q.Get("redirect_uri"))
		if err != nil || q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "databricks-sql-connector" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		challenges["e2e-code"] = q.Get("code_challenge")
		mu.Unlock()
		back.RawQuery = url.Values{"code": {"e2e-code"}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("/oidc/v1/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		mu.Lock()
		ch, ok := challenges[r.PostForm.Get("code")]
		delete(challenges, r.PostForm.Get("code"))
		if ok {
			*logins++
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("grant_type") != "authorization_code" || !ok || ch != base64.RawURLEncoding.EncodeToString(sum[:]) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": u2mToken, "token_type": "Bearer", "expires_in": 3600, "refresh_token": "e2e-refresh"})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// freePort returns a port of 127.0.0.1 free a moment ago.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestOAuthU2M logs in through the browser function (an HTTP client that
// follows the authorize redirect, sent to the fake OIDC server) and runs
// queries on an emulator that accepts only the token of the login; a second
// connector starts from the token cache, without a login.
func TestOAuthU2M(t *testing.T) {
	var logins int
	oidc := fakeOIDC(t, &logins)
	ou, err := url.Parse(oidc.URL)
	if err != nil {
		t.Fatal(err)
	}
	s := emulator.Start(t, emulator.WithToken(u2mToken))
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	bc := &http.Client{Transport: base, Timeout: 30 * time.Second}
	browser := func(authURL string) error {
		u, err := url.Parse(authURL)
		if err != nil {
			return err
		}
		u.Scheme, u.Host = ou.Scheme, ou.Host // the workspace's host is the emulator's
		resp, err := bc.Get(u.String())
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
	cache := filepath.Join(t.TempDir(), "tokens")
	connect := func() *sql.DB {
		cfg, err := dbdriver.ParseDSN(testDSN(s))
		if err != nil {
			t.Fatal(err)
		}
		c, err := dbdriver.NewConnector(cfg, dbdriver.WithTransport(tokenRoute{endpoint: ou, base: base}),
			dbdriver.WithOAuthU2M("", dbdriver.U2MOptions{OpenBrowser: browser, CacheDir: cache, RedirectPort: freePort(t)}))
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(c)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	ctx := testCtx(t)
	for _, db := range []*sql.DB{connect(), connect()} {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM range(7)").Scan(&n); err != nil || n != 7 {
			t.Fatalf("got %d, %v", n, err)
		}
	}
	if logins != 1 {
		t.Errorf("got %d logins, want 1 (the second connector reads the cache)", logins)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file: %v, %v; want mode 0600", fi.Mode(), err)
	}
}
