package rpc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// oidcServer is a fake workspace OIDC server: /oidc/v1/authorize logs the
// user in at once and redirects with a code, /oidc/v1/token redeems the
// code against the PKCE verifier and refreshes tokens.
type oidcServer struct {
	*httptest.Server
	mu         sync.Mutex
	challenges map[string]string // code → code_challenge
	refreshes  map[string]bool
	logins     int
	refreshed  int
	expiresIn  int
	deny       string // an error the authorize endpoint redirects with
	badState   bool
	lastToken  string
}

func newOIDCServer(t *testing.T, expiresIn int) *oidcServer {
	o := &oidcServer{challenges: map[string]string{}, refreshes: map[string]bool{}, expiresIn: expiresIn}
	mux := http.NewServeMux()
	mux.HandleFunc("/oidc/v1/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		o.mu.Lock()
		defer o.mu.Unlock()
		redirect, err := url.Parse(q.Get("redirect_uri"))
		if err != nil || q.Get("client_id") != "test-client" || q.Get("response_type") != "code" ||
			q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("scope") != "sql offline_access" ||
			!strings.HasPrefix(q.Get("redirect_uri"), "http://localhost:") {
			http.Error(w, "bad authorize request", http.StatusBadRequest)
			return
		}
		back := url.Values{"state": {q.Get("state")}}
		if o.badState {
			back.Set("state", "forged")
		}
		if o.deny != "" {
			back.Set("error", o.deny)
		} else {
			code := fmt.Sprintf("CODE0login0%d0secret", len(o.challenges))
			o.challenges[code] = q.Get("code_challenge")
			back.Set("code", code)
		}
		redirect.RawQuery = back.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	})
	mux.HandleFunc("/oidc/v1/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := r.PostForm
		o.mu.Lock()
		defer o.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		refuse := func() {
			w.WriteHeader(http.StatusBadRequest)
			// A server that echoes the request.
			fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"refused %s %s %s"}`, f.Get("code"), f.Get("code_verifier"), f.Get("refresh_token"))
		}
		if f.Get("client_id") != "test-client" {
			refuse()
			return
		}
		switch f.Get("grant_type") {
		case "authorization_code":
			sum := sha256.Sum256([]byte(f.Get("code_verifier")))
			ch, ok := o.challenges[f.Get("code")]
			if !ok || ch != base64.RawURLEncoding.EncodeToString(sum[:]) {
				refuse()
				return
			}
			delete(o.challenges, f.Get("code"))
			o.logins++
		case "refresh_token":
			if !o.refreshes[f.Get("refresh_token")] {
				refuse()
				return
			}
			o.refreshed++
		default:
			refuse()
			return
		}
		n := o.logins*100 + o.refreshed
		rt := fmt.Sprintf("REFRESH0token0%d0secret", n)
		o.refreshes[rt] = true
		o.lastToken = fmt.Sprintf("u2m-access-%d", n)
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": o.lastToken, "token_type": "Bearer", "expires_in": o.expiresIn, "refresh_token": rt})
	})
	o.Server = httptest.NewServer(mux)
	t.Cleanup(o.Close)
	return o
}

// browser follows the authorize redirect to the loopback listener, as a
// user's browser would after the login.
func browser(t *testing.T) func(string) error {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return func(u string) error {
		resp, err := hc.Get(u)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
}

func (o *oidcServer) config(t *testing.T, dir string, open func(string) error) U2MConfig {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return U2MConfig{Host: "h.example", AuthURL: o.URL + "/oidc/v1/authorize", TokenURL: o.URL + "/oidc/v1/token",
		ClientID: "test-client", Scopes: []string{"sql", "offline_access"}, OpenBrowser: open,
		LoginTimeout: 30 * time.Second, CacheDir: dir, Transport: tr}
}

// TestU2MLoginRefreshCache logs in through the browser function, refreshes
// a token about to expire, and starts a second authenticator from the
// token cache (mode 0600) without a login.
func TestU2MLoginRefreshCache(t *testing.T) {
	o := newOIDCServer(t, 30) // within a minute of expiry: refreshed at once
	dir := filepath.Join(t.TempDir(), "cache")
	a := UserToMachine(o.config(t, dir, browser(t)))
	got, err := authenticate(a)
	if err != nil {
		t.Fatal(err)
	}
	if got != "Bearer u2m-access-100" || o.logins != 1 {
		t.Fatalf("got %q after %d logins", got, o.logins)
	}
	if got, err = authenticate(a); err != nil || got != "Bearer u2m-access-101" || o.refreshed != 1 || o.logins != 1 {
		t.Fatalf("refresh: got %q, %v (%d logins, %d refreshes)", got, err, o.logins, o.refreshed)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "u2m-*.json"))
	if len(files) != 1 {
		t.Fatalf("got cache files %v, want one", files)
	}
	fi, err := os.Stat(files[0])
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode %v, %v; want 0600", fi.Mode(), err)
	}
	// The authenticator printed every way shows neither token.
	for _, out := range []string{fmt.Sprintf("%v", a), fmt.Sprintf("%+v", a), fmt.Sprintf("%#v", a)} {
		if strings.Contains(out, "u2m-access") || strings.Contains(out, "REFRESH0token") {
			t.Fatalf("printed authenticator shows a token: %s", out)
		}
	}
	// A second authenticator of the same host and client: the cached
	// refresh token, no browser.
	noBrowser := func(string) error { return errors.New("the browser must not open") }
	b := UserToMachine(o.config(t, dir, noBrowser))
	if got, err := authenticate(b); err != nil || o.logins != 1 || got != "Bearer u2m-access-102" {
		t.Fatalf("from the cache: got %q, %v (%d logins)", got, err, o.logins)
	}
	// Another client ID has its own entry: it logs in.
	cfg := o.config(t, dir, noBrowser)
	cfg.ClientID = "other-client"
	if _, err := authenticate(UserToMachine(cfg)); err == nil {
		t.Fatal("another client ID used the cached tokens")
	}
}

// TestU2MLoginLong keeps a token valid for an hour: no refresh.
func TestU2MLoginLong(t *testing.T) {
	o := newOIDCServer(t, 3600)
	a := UserToMachine(o.config(t, "", browser(t)))
	for range 3 {
		if got, err := authenticate(a); err != nil || got != "Bearer u2m-access-100" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	if o.logins != 1 || o.refreshed != 0 {
		t.Errorf("%d logins and %d refreshes, want 1 and 0", o.logins, o.refreshed)
	}
}

// TestU2MLoginFailures: a denied login, a forged state, a refused refresh
// token (a new login follows), a timeout and a cancelled context, each a
// clear error that quotes no secret.
func TestU2MLoginFailures(t *testing.T) {
	secrets := func(t *testing.T, err error) {
		t.Helper()
		for _, s := range []string{"CODE0login", "REFRESH0token", "u2m-access", "code_verifier"} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q shows %q", err, s)
			}
		}
	}
	t.Run("denied", func(t *testing.T) {
		o := newOIDCServer(t, 3600)
		o.deny = "access_denied"
		_, err := authenticate(UserToMachine(o.config(t, "", browser(t))))
		if err == nil || !strings.Contains(err.Error(), "access_denied") {
			t.Fatalf("got %v, want access_denied", err)
		}
	})
	t.Run("state", func(t *testing.T) {
		o := newOIDCServer(t, 3600)
		o.badState = true
		_, err := authenticate(UserToMachine(o.config(t, "", browser(t))))
		if err == nil || !strings.Contains(err.Error(), "state") || o.logins != 0 {
			t.Fatalf("got %v after %d logins, want a state error", err, o.logins)
		}
	})
	t.Run("exchange refused", func(t *testing.T) {
		o := newOIDCServer(t, 3600)
		a := UserToMachine(o.config(t, "", browser(t))).(*u2mAuth)
		_, err := authenticate(&tamperedChallenge{a: a})
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "400") {
			t.Fatalf("got %v, want HTTP 400 invalid_grant", err)
		}
		secrets(t, err)
	})
	t.Run("timeout", func(t *testing.T) {
		o := newOIDCServer(t, 3600)
		cfg := o.config(t, "", func(string) error { return nil }) // the user never logs in
		cfg.LoginTimeout = 50 * time.Millisecond
		_, err := authenticate(UserToMachine(cfg))
		if !errors.Is(err, ErrLoginTimeout) {
			t.Fatalf("got %v, want ErrLoginTimeout", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		o := newOIDCServer(t, 3600)
		ctx, cancel := context.WithCancel(context.Background())
		cfg := o.config(t, "", func(string) error { cancel(); return nil })
		r := httptest.NewRequest(http.MethodPost, "https://h/p", nil).WithContext(ctx)
		err := UserToMachine(cfg).Authenticate(r)
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled") {
			t.Fatalf("got %v, want a cancelled login", err)
		}
	})
	t.Run("refresh refused", func(t *testing.T) {
		o := newOIDCServer(t, 30)
		a := UserToMachine(o.config(t, "", browser(t)))
		if _, err := authenticate(a); err != nil {
			t.Fatal(err)
		}
		o.mu.Lock()
		o.refreshes = map[string]bool{} // revoked
		o.mu.Unlock()
		if got, err := authenticate(a); err != nil || o.logins != 2 || got != "Bearer u2m-access-200" {
			t.Fatalf("got %q, %v after %d logins, want a second login", got, err, o.logins)
		}
	})
}

// tamperedChallenge makes the server hold a challenge the verifier does not
// match, so that the code exchange is refused.
type tamperedChallenge struct{ a *u2mAuth }

func (tc *tamperedChallenge) Authenticate(r *http.Request) error {
	open := tc.a.cfg.OpenBrowser
	tc.a.cfg.OpenBrowser = func(u string) error {
		pu, err := url.Parse(u)
		if err != nil {
			return err
		}
		q := pu.Query()
		q.Set("code_challenge", "tampered-challenge")
		pu.RawQuery = q.Encode()
		return open(pu.String())
	}
	return tc.a.Authenticate(r)
}
