package rpc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

// externalJWT stands for an identity provider's JWT (its form does not
// matter to the exchange).
const externalJWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIn0.c2lnbmF0dXJl"

// exchangeServer is a token endpoint doing RFC 8693 token exchange: it
// issues a token for externalJWT and refuses any other subject.
type exchangeServer struct {
	*httptest.Server
	mu        sync.Mutex
	exchanges int
	expiresIn int
	lastForm  url.Values
}

func newExchangeServer(t *testing.T, expiresIn int) *exchangeServer {
	es := &exchangeServer{expiresIn: expiresIn}
	es.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		es.mu.Lock()
		defer es.mu.Unlock()
		es.lastForm = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("subject_token") != externalJWT {
			w.WriteHeader(http.StatusBadRequest)
			// A server that echoes the subject token.
			fmt.Fprintf(w, `{"error":"invalid_request","error_description":"token %s not accepted"}`, r.PostForm.Get("subject_token"))
			return
		}
		es.exchanges++
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": fmt.Sprintf("exchanged-token-%d", es.exchanges),
			"token_type":   "Bearer",
			"expires_in":   es.expiresIn,
		})
	}))
	t.Cleanup(es.Close)
	return es
}

func (es *exchangeServer) authenticator(t *testing.T, subject oauth2.TokenSource, clientID string) Authenticator {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return TokenExchange(es.URL+"/oidc/v1/token", subject, clientID, tr)
}

// TestTokenExchange checks the exchange request and that its token is
// cached while it is valid.
func TestTokenExchange(t *testing.T) {
	es := newExchangeServer(t, 3600)
	a := es.authenticator(t, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: externalJWT}), "")
	for range 3 {
		got, err := authenticate(a)
		if err != nil {
			t.Fatal(err)
		}
		if got != "Bearer exchanged-token-1" {
			t.Fatalf("got Authorization %q", got)
		}
	}
	if es.exchanges != 1 {
		t.Errorf("got %d exchanges, want 1", es.exchanges)
	}
	want := url.Values{
		"grant_type":                             {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token":                          {externalJWT},
		"subject_token_type":                     {"urn:ietf:params:oauth:token-type:jwt"},
		"scope":                                  {"sql"},
		"return_original_token_if_authenticated": {"true"},
	}
	if fmt.Sprint(es.lastForm) != fmt.Sprint(want) {
		t.Errorf("got form %v, want %v", es.lastForm, want)
	}
	b := es.authenticator(t, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: externalJWT}), "sp-client")
	if _, err := authenticate(b); err != nil {
		t.Fatal(err)
	}
	if got := es.lastForm.Get("client_id"); got != "sp-client" {
		t.Errorf("got client_id %q, want sp-client", got)
	}
}

// TestTokenExchangeRefreshesBeforeExpiry checks that a token expiring within
// a minute is exchanged again, with a new subject token.
func TestTokenExchangeRefreshesBeforeExpiry(t *testing.T) {
	es := newExchangeServer(t, 30)
	var calls int
	src := tokenSourceFunc(func() (*oauth2.Token, error) {
		calls++
		return &oauth2.Token{AccessToken: externalJWT}, nil
	})
	a := es.authenticator(t, src, "")
	for i := 1; i <= 2; i++ {
		got, err := authenticate(a)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("Bearer exchanged-token-%d", i); got != want {
			t.Errorf("request %d: got %q, want %q", i, got, want)
		}
	}
	if calls != 2 {
		t.Errorf("the subject source was asked %d times, want 2", calls)
	}
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

// TestTokenExchangeRefused checks that a refusal quotes the status and the
// OAuth error code, and not the subject token the server echoed.
func TestTokenExchangeRefused(t *testing.T) {
	es := newExchangeServer(t, 3600)
	wrong := "eyJ.wrong-external-jwt.signature"
	a := es.authenticator(t, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: wrong}), "")
	_, err := authenticate(a)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"token federation", "400", "invalid_request"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	if strings.Contains(msg, wrong) || strings.Contains(msg, url.QueryEscape(wrong)) {
		t.Errorf("error shows the subject token: %q", msg)
	}
	// The source's own failure and an empty token are errors too.
	for _, src := range []oauth2.TokenSource{
		tokenSourceFunc(func() (*oauth2.Token, error) { return nil, fmt.Errorf("idp down") }),
		tokenSourceFunc(func() (*oauth2.Token, error) { return nil, nil }),
	} {
		if _, err := authenticate(es.authenticator(t, src, "")); err == nil {
			t.Error("no error for a failing subject source")
		}
	}
}

// TestJWTSources checks the file and environment sources, read anew each
// time, and their errors, which never quote the token.
func TestJWTSources(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(externalJWT+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tok, err := JWTFile(path).Token()
	if err != nil || tok.AccessToken != externalJWT {
		t.Fatalf("file: got %v, %v", tok, err)
	}
	if err := os.WriteFile(path, []byte("rotated"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, err := JWTFile(path).Token(); err != nil || tok.AccessToken != "rotated" {
		t.Errorf("file after rotation: got %v, %v", tok, err)
	}
	if err := os.WriteFile(path, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := JWTFile(path).Token(); err == nil {
		t.Error("no error for an empty file")
	}
	if _, err := JWTFile(path + ".missing").Token(); err == nil {
		t.Error("no error for a missing file")
	}
	if err := os.WriteFile(path, []byte(strings.Repeat("x", maxSubjectToken+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := JWTFile(path).Token(); err == nil || strings.Contains(err.Error(), "xxxxxxxxxx") {
		t.Errorf("oversized file: got %v", err)
	}
	t.Setenv("FED_TEST_JWT", externalJWT)
	if tok, err := JWTEnv("FED_TEST_JWT").Token(); err != nil || tok.AccessToken != externalJWT {
		t.Errorf("env: got %v, %v", tok, err)
	}
	t.Setenv("FED_TEST_JWT", "")
	if _, err := JWTEnv("FED_TEST_JWT").Token(); err == nil {
		t.Error("no error for an empty variable")
	}
}
