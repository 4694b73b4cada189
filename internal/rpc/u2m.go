package rpc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/asyncsql/databricks/internal/secret"
)

// U2MConfig configures OAuth user-to-machine login.
type U2MConfig struct {
	// Host keys the token cache, with ClientID.
	Host string
	// AuthURL and TokenURL are the workspace's OIDC endpoints
	// (https://HOST/oidc/v1/authorize and https://HOST/oidc/v1/token).
	AuthURL, TokenURL string
	// ClientID is the public OAuth client the user logs in to.
	ClientID string
	// Scopes are asked for at login.
	Scopes []string
	// RedirectPort is the port of the loopback listener on 127.0.0.1 that
	// receives the redirect; 0 picks a free one. The redirect URI is
	// http://localhost:PORT, as the OAuth client registers it.
	RedirectPort int
	// OpenBrowser shows the user the authorization URL.
	OpenBrowser func(authURL string) error
	// LoginTimeout bounds the wait for the user to log in.
	LoginTimeout time.Duration
	// CacheDir holds the token cache, one file of mode 0600 per host and
	// client ID; empty means no cache.
	CacheDir string
	// Transport carries the token requests (nil: http.DefaultTransport).
	Transport http.RoundTripper
}

// ErrLoginTimeout is the error of a login the user did not finish in time.
var ErrLoginTimeout = errors.New("databricks: OAuth login timed out")

var _ Authenticator = (*u2mAuth)(nil)

// u2mAuth authenticates with the authorization code grant with PKCE (RFC
// 7636, S256): it logs the user in through the browser once, then refreshes
// the access token with the refresh token a minute before it expires, and
// keeps both in the token cache.
type u2mAuth struct {
	cfg   U2MConfig
	oauth oauth2.Config
	hc    *http.Client

	// mu is held while a token is obtained, so that concurrent requests
	// wait for one login or refresh.
	mu      sync.Mutex
	access  secret.String
	refresh secret.String
	expiry  time.Time
	loaded  bool
}

// UserToMachine returns the authenticator of OAuth user-to-machine login.
// Errors quote the endpoint's status and OAuth error code, never a code, a
// verifier or a token.
func UserToMachine(cfg U2MConfig) Authenticator {
	a := &u2mAuth{cfg: cfg,
		oauth: oauth2.Config{
			ClientID: cfg.ClientID,
			Endpoint: oauth2.Endpoint{AuthURL: cfg.AuthURL, TokenURL: cfg.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
			Scopes:   cfg.Scopes,
		},
		hc: &http.Client{Timeout: tokenFetchTimeout, Transport: cfg.Transport, CheckRedirect: noRedirect},
	}
	return a
}

// Authenticate sets the Authorization header, logging in or refreshing
// first when there is no access token valid for another minute.
func (a *u2mAuth) Authenticate(r *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded {
		a.loaded = true
		a.loadCache()
	}
	if a.access.IsZero() || !a.expiry.IsZero() && !time.Now().Add(tokenEarlyExpiry).Before(a.expiry) {
		if err := a.obtain(r.Context()); err != nil {
			return err
		}
	}
	r.Header.Set("Authorization", "Bearer "+a.access.Reveal())
	return nil
}

// obtain refreshes the token when there is a refresh token, and logs in when
// there is none or the refresh is refused.
func (a *u2mAuth) obtain(ctx context.Context) error {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, a.hc)
	if !a.refresh.IsZero() {
		tok, err := a.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: a.refresh.Reveal(), Expiry: time.Unix(1, 0)}).Token()
		if err == nil {
			return a.keep(tok)
		}
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) {
			return a.tokenError("OAuth token refresh", err)
		}
		// A refused refresh token (expired, revoked): log in again.
		a.refresh = secret.String{}
	}
	tok, err := a.login(ctx)
	if err != nil {
		return err
	}
	return a.keep(tok)
}

// keep caches tok in memory and on disk.
func (a *u2mAuth) keep(tok *oauth2.Token) error {
	if tok.AccessToken == "" {
		return errors.New("databricks: OAuth login: the reply holds no access token")
	}
	a.access, a.expiry = secret.NewString(tok.AccessToken), tok.Expiry
	if tok.RefreshToken != "" {
		a.refresh = secret.NewString(tok.RefreshToken)
	}
	return a.saveCache()
}

// login runs the authorization code grant with PKCE through the browser and
// the loopback listener.
func (a *u2mAuth) login(ctx context.Context) (*oauth2.Token, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(a.cfg.RedirectPort)))
	if err != nil {
		return nil, fmt.Errorf("databricks: OAuth login: the redirect listener: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	oc := a.oauth
	oc.RedirectURL = "http://localhost:" + strconv.Itoa(port)
	state := randomText()
	verifier := oauth2.GenerateVerifier()

	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code") == "" && q.Get("error") == "" {
			http.NotFound(w, r)
			return
		}
		var res result
		switch {
		case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1:
			res.err = errors.New("databricks: OAuth login: the redirect's state does not match the request's")
		case q.Get("error") != "":
			msg := printable(q.Get("error"))
			if d := q.Get("error_description"); d != "" {
				msg += " (" + printable(d) + ")"
			}
			res.err = fmt.Errorf("databricks: OAuth login refused: %s", msg)
		default:
			res.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if res.err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintln(w, "Login failed; see the application for the error.")
		} else {
			fmt.Fprintln(w, "Login complete; you may close this window.")
		}
		select {
		case done <- res:
		default:
		}
	})}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close(); <-served }()

	authURL := oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))
	if a.cfg.OpenBrowser == nil {
		return nil, errors.New("databricks: OAuth login: no function to open the browser")
	}
	if err := a.cfg.OpenBrowser(authURL); err != nil {
		return nil, fmt.Errorf("databricks: OAuth login: opening the browser: %w", err)
	}
	timeout := a.cfg.LoginTimeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("databricks: OAuth login cancelled: %w", ctx.Err())
	case <-timer.C:
		return nil, fmt.Errorf("%w after %v", ErrLoginTimeout, timeout)
	}
	if res.err != nil {
		return nil, res.err
	}
	tok, err := oc.Exchange(ctx, res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, a.tokenError("OAuth login", err, res.code, verifier)
	}
	return tok, nil
}

// tokenError turns an error of golang.org/x/oauth2 into one that quotes the
// status and the OAuth error code and description only: the error text of
// oauth2.RetrieveError holds the endpoint's whole reply, which may echo what
// the request carried. Those secrets are removed from the description too.
func (a *u2mAuth) tokenError(what string, err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		// A transport error names the endpoint, not the request's body;
		// other errors of the library are not quoted.
		var ue *url.Error
		if errors.As(err, &ue) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("databricks: %s: %w", what, err)
		}
		return fmt.Errorf("databricks: %s: the token endpoint's reply is not a token", what)
	}
	msg := "HTTP"
	if re.Response != nil {
		msg += " " + re.Response.Status
	}
	if re.ErrorCode != "" {
		msg += ": " + printable(re.ErrorCode)
		if re.ErrorDescription != "" {
			msg += " (" + printable(re.ErrorDescription) + ")"
		}
	}
	for _, s := range append(secrets, a.refresh.Reveal()) {
		msg = redactToken(msg, s)
	}
	return fmt.Errorf("databricks: %s: %s", what, msg)
}

// randomText is 32 random bytes, base64url-encoded.
func randomText() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cachedToken is a token cache file.
type cachedToken struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

// cachePath is the cache file of the host and client ID: the hash of both,
// so that the name says nothing and no character of theirs reaches a path.
func (a *u2mAuth) cachePath() string {
	if a.cfg.CacheDir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(strings.ToLower(a.cfg.Host) + "\x00" + a.cfg.ClientID))
	return filepath.Join(a.cfg.CacheDir, "u2m-"+hex.EncodeToString(sum[:16])+".json")
}

// loadCache reads the cached tokens; a missing, unreadable or corrupt file,
// or one others may read, is ignored (the user logs in again).
func (a *u2mAuth) loadCache() {
	p := a.cachePath()
	if p == "" {
		return
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm()&0o077 != 0 || fi.Size() > maxTokenReply {
		return
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return
	}
	var c cachedToken
	if json.Unmarshal(b, &c) != nil {
		return
	}
	a.access, a.refresh, a.expiry = secret.NewString(c.AccessToken), secret.NewString(c.RefreshToken), c.Expiry
}

// saveCache writes the tokens to the cache file, mode 0600, through a
// temporary file renamed over it.
func (a *u2mAuth) saveCache() error {
	p := a.cachePath()
	if p == "" {
		return nil
	}
	b, err := json.Marshal(cachedToken{AccessToken: a.access.Reveal(), RefreshToken: a.refresh.Reveal(), Expiry: a.expiry})
	if err != nil {
		return fmt.Errorf("databricks: OAuth token cache: %w", err)
	}
	if err := os.MkdirAll(a.cfg.CacheDir, 0o700); err != nil {
		return fmt.Errorf("databricks: OAuth token cache: %w", err)
	}
	f, err := os.CreateTemp(a.cfg.CacheDir, ".u2m-*")
	if err != nil {
		return fmt.Errorf("databricks: OAuth token cache: %w", err)
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("databricks: OAuth token cache: %w", err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("databricks: OAuth token cache: %w", err)
	}
	return nil
}
