package rpc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/asyncsql/databricks/internal/secret"
)

// tokenServer is an OAuth token endpoint counting its grants.
type tokenServer struct {
	*httptest.Server
	mu        sync.Mutex
	grants    int
	expiresIn int
	fail      bool
	lastForm  url.Values
	lastAuth  string
	lastPath  string
}

func newTokenServer(t *testing.T, expiresIn int) *tokenServer {
	ts := &tokenServer{expiresIn: expiresIn}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		ts.mu.Lock()
		defer ts.mu.Unlock()
		ts.lastForm, ts.lastAuth, ts.lastPath = r.PostForm, r.Header.Get("Authorization"), r.URL.Path
		if ts.fail {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		ts.grants++
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": "m2m-token-" + string(rune('0'+ts.grants)),
			"token_type":   "Bearer",
			"expires_in":   ts.expiresIn,
		})
	}))
	t.Cleanup(ts.Close)
	return ts
}

// authenticator returns the client-credentials authenticator of the
// endpoint at /oidc/v1/token.
func (ts *tokenServer) authenticator(t *testing.T) Authenticator {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return ClientCredentials(ts.URL+"/oidc/v1/token", "client-id", secret.NewString("client-SECRET-value"), tr)
}

func TestClientCredentials(t *testing.T) {
	ts := newTokenServer(t, 3600)
	a := ts.authenticator(t)
	for range 3 {
		r := httptest.NewRequest(http.MethodPost, "http://h/p", nil)
		if err := a.Authenticate(r); err != nil {
			t.Fatal(err)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer m2m-token-1" {
			t.Errorf("Authorization = %q", got)
		}
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.grants != 1 {
		t.Errorf("%d grants for a cached token", ts.grants)
	}
	if ts.lastPath != "/oidc/v1/token" || ts.lastForm.Get("grant_type") != "client_credentials" || ts.lastForm.Get("scope") != "all-apis" {
		t.Errorf("request %s %v", ts.lastPath, ts.lastForm)
	}
	if id, secret, ok := (&http.Request{Header: http.Header{"Authorization": {ts.lastAuth}}}).BasicAuth(); !ok || id != "client-id" || secret != "client-SECRET-value" {
		t.Errorf("client authentication %q", ts.lastAuth)
	}
}

func TestClientCredentialsRefreshesBeforeExpiry(t *testing.T) {
	// A token valid for 30s is inside the one-minute early expiry window:
	// every use fetches a new one.
	ts := newTokenServer(t, 30)
	a := ts.authenticator(t)
	var got []string
	for range 2 {
		r := httptest.NewRequest(http.MethodPost, "http://h/p", nil)
		if err := a.Authenticate(r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Header.Get("Authorization"))
	}
	if got[0] != "Bearer m2m-token-1" || got[1] != "Bearer m2m-token-2" {
		t.Errorf("tokens %q", got)
	}
}

func TestClientCredentialsFailureHidesSecret(t *testing.T) {
	ts := newTokenServer(t, 3600)
	ts.fail = true
	a := ts.authenticator(t)
	r := httptest.NewRequest(http.MethodPost, "http://h/p", nil)
	err := a.Authenticate(r)
	if err == nil {
		t.Fatal("got no error, want the endpoint's refusal")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error shows the secret: %v", err)
	}
}

// m2mAgainst returns the client-credentials authenticator of a token
// endpoint served by h.
func m2mAgainst(t *testing.T, h http.HandlerFunc) Authenticator {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ts := &tokenServer{Server: srv}
	a := ts.authenticator(t)
	return a
}

func authenticate(a Authenticator) (string, error) {
	r := httptest.NewRequest(http.MethodPost, "http://h/p", nil)
	err := a.Authenticate(r)
	return r.Header.Get("Authorization"), err
}

func TestClientCredentialsConcurrentRequestsShareOneGrant(t *testing.T) {
	ts := newTokenServer(t, 3600)
	a := ts.authenticator(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got, err := authenticate(a); err != nil || got != "Bearer m2m-token-1" {
				t.Errorf("Authorization = %q, %v", got, err)
			}
		})
	}
	wg.Wait()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.grants != 1 {
		t.Errorf("%d grants for 8 concurrent requests, want 1", ts.grants)
	}
}

func TestClientCredentialsReplies(t *testing.T) {
	for _, tt := range []struct {
		name        string
		contentType string
		status      int
		body        string
		want        string // the Authorization header, or a part of the error
		fails       bool
	}{
		{"expires_in as a string", "application/json", 200, `{"access_token":"t1","token_type":"bearer","expires_in":"3600"}`, "Bearer t1", false},
		{"no expiry", "application/json", 200, `{"access_token":"t2"}`, "Bearer t2", false},
		{"form-encoded", "application/x-www-form-urlencoded", 200, "access_token=t3&token_type=Bearer&expires_in=60", "Bearer t3", false},
		{"no token", "application/json", 200, `{"token_type":"Bearer"}`, "no access token", true},
		{"not JSON", "application/json", 200, `<html>`, "not a JSON token", true},
		{"bad expires_in", "application/json", 200, `{"access_token":"t","expires_in":"soon"}`, "expires_in", true},
		{"refused", "application/json", 401, `{"error":"invalid_client","error_description":"Client authentication failed\n"}`, "HTTP 401 Unauthorized: invalid_client (Client authentication failed\uFFFD)", true},
		{"refused without a body", "text/html", 500, `oops`, "HTTP 500 Internal Server Error", true},
		{"redirected", "text/html", 302, ``, "HTTP 302 Found", true},
		{"echoed secret", "application/json", 401, `{"error":"invalid_client","error_description":"bad secret client-SECRET-value"}`, "HTTP 401 Unauthorized: invalid_client (bad secret xxxxx)", true},
		{"too long", "application/json", 200, `{"access_token":"` + strings.Repeat("a", 70<<10) + `"}`, "exceeds", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := m2mAgainst(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				if tt.status == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			got, err := authenticate(a)
			if tt.fails {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want one saying %q", err, tt.want)
				}
				if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("error shows the client secret: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Authorization = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestClientCredentialsHoldsSecrets(t *testing.T) {
	ts := newTokenServer(t, 3600)
	a := ts.authenticator(t)
	if _, err := authenticate(a); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		if out := fmt.Sprintf(verb, a); strings.Contains(out, "SECRET") || strings.Contains(out, "m2m-token") {
			t.Errorf("%s of the authenticator shows a secret: %s", verb, out)
		}
	}
}

// TestOAuthM2MEchoedCredentials checks that a token endpoint that echoes the
// request's credentials, form-encoded or as the Basic header, does not put
// the client secret into the error in any of these forms.
func TestClientCredentialsEchoedCredentials(t *testing.T) {
	const id, secret = "client-id", "client-SECRET-value"
	escaped := url.QueryEscape(id) + ":" + url.QueryEscape(secret)
	basic := base64.StdEncoding.EncodeToString([]byte(escaped))
	for _, echo := range []string{secret, url.QueryEscape(secret), "Basic " + basic, strings.TrimRight(basic, "=")} {
		t.Run(echo, func(t *testing.T) {
			a := m2mAgainst(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				body, _ := json.Marshal(map[string]string{"error": "invalid_client", "error_description": "got " + echo})
				_, _ = w.Write(body)
			})
			_, err := authenticate(a)
			if err == nil {
				t.Fatal("got no error, want the endpoint's refusal")
			}
			for _, form := range []string{secret, url.QueryEscape(secret), strings.TrimRight(basic, "=")} {
				if strings.Contains(err.Error(), form) {
					t.Errorf("got error %q, want it without %q", err, form)
				}
			}
			if !strings.Contains(err.Error(), "invalid_client (got ") {
				t.Errorf("got error %q, want it to quote the endpoint's error", err)
			}
		})
	}
}
