package rpc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/asyncsql/databricks/internal/secret"
)

// oauthScope is the scope asked for by OAuth machine-to-machine.
const oauthScope = "all-apis"

// tokenEarlyExpiry is how long before its expiry an OAuth token is refreshed.
const tokenEarlyExpiry = time.Minute

// tokenFetchTimeout bounds one request to the OAuth token endpoint.
const tokenFetchTimeout = 30 * time.Second

// maxTokenReply bounds the reply of the token endpoint that is read.
const maxTokenReply = 64 << 10

// maxTokenErrorText bounds the server's error code and description quoted
// in an error.
const maxTokenErrorText = 200

// maxExpiresIn bounds expires_in (ten years), so that the expiry cannot
// overflow.
const maxExpiresIn = 10 * 365 * 24 * 3600

var _ Authenticator = (*m2mAuth)(nil)

// m2mAuth authenticates with the OAuth client-credentials grant (RFC 6749,
// section 4.4) of a service principal: it fetches an access token from the
// workspace's token endpoint, caches it and fetches a new one a minute
// before it expires. The client secret and the cached token are Secrets.
type m2mAuth struct {
	tokenURL     string
	clientID     string
	clientSecret secret.String
	hc           *http.Client

	// mu is held while a token is fetched, so that concurrent requests
	// wait for one grant instead of asking for one each.
	mu        sync.Mutex
	token     secret.String
	tokenType string
	expiry    time.Time // zero: the token does not expire
}

// ClientCredentials returns the authenticator of a service principal's
// OAuth client credentials (RFC 6749, section 4.4): it fetches access tokens
// from tokenURL, caches each and fetches a new one a minute before it
// expires. Token requests go through transport (nil: http.DefaultTransport)
// and never follow redirects. Its errors quote the endpoint's error code and
// description, never a token or the client secret.
func ClientCredentials(tokenURL, clientID string, clientSecret secret.String, transport http.RoundTripper) Authenticator {
	client := &http.Client{Timeout: tokenFetchTimeout, Transport: transport, CheckRedirect: noRedirect}
	return &m2mAuth{tokenURL: tokenURL, clientID: clientID, clientSecret: clientSecret, hc: client}
}

// Authenticate sets the Authorization header from the cached token, fetching
// one first when there is none or it expires within a minute.
func (a *m2mAuth) Authenticate(r *http.Request) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token.IsZero() || !a.expiry.IsZero() && !time.Now().Add(tokenEarlyExpiry).Before(a.expiry) {
		if err := a.fetch(r.Context()); err != nil {
			return err
		}
	}
	r.Header.Set("Authorization", a.tokenType+" "+a.token.Reveal())
	return nil
}

// tokenReply is the token endpoint's answer (RFC 6749, sections 5.1 and
// 5.2).
type tokenReply struct {
	AccessToken string          `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
	Error       string          `json:"error"`
	Description string          `json:"error_description"`
}

// fetch asks the token endpoint for a token and caches it. Its errors quote
// neither the client secret nor a token.
func (a *m2mAuth) fetch(ctx context.Context) error {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {oauthScope}}
	g, err := requestToken(ctx, a.hc, a.tokenURL, form, "OAuth token request", func(req *http.Request) {
		// RFC 6749, section 2.3.1: the credentials are form-encoded first.
		req.SetBasicAuth(a.basicCredentials())
	}, a.withoutSecret)
	if err != nil {
		return err
	}
	a.token, a.tokenType, a.expiry = g.token, g.tokenType, g.expiry
	return nil
}

// grant is a token the token endpoint issued.
type grant struct {
	token     secret.String
	tokenType string
	expiry    time.Time // zero: the token does not expire
}

// due reports whether g is missing or expires within tokenEarlyExpiry.
func (g *grant) due() bool {
	return g.token.IsZero() || !g.expiry.IsZero() && !time.Now().Add(tokenEarlyExpiry).Before(g.expiry)
}

// requestToken posts form to the token endpoint tokenURL and reads the token
// of its reply. authorize adds client authentication to the request (nil:
// none); redact removes what the request carried from a server's message
// before it is quoted in an error. what names the request in errors.
func requestToken(ctx context.Context, hc *http.Client, tokenURL string, form url.Values, what string, authorize func(*http.Request), redact func(string) string) (grant, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return grant{}, fmt.Errorf("databricks: %s: %w", what, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if authorize != nil {
		authorize(req)
	}
	sent := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return grant{}, fmt.Errorf("databricks: %s: %w", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenReply+1))
	if err != nil {
		return grant{}, fmt.Errorf("databricks: %s: reading the reply: %w", what, err)
	}
	if len(body) > maxTokenReply {
		return grant{}, fmt.Errorf("databricks: %s: the reply exceeds %d bytes", what, maxTokenReply)
	}
	var t tokenReply
	if typ, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); typ == "application/x-www-form-urlencoded" || typ == "text/plain" {
		v, _ := url.ParseQuery(string(body))
		t = tokenReply{AccessToken: v.Get("access_token"), TokenType: v.Get("token_type"), Error: v.Get("error"), Description: v.Get("error_description")}
		if e := v.Get("expires_in"); e != "" {
			t.ExpiresIn = json.RawMessage(e)
		}
	} else if jerr := json.Unmarshal(body, &t); jerr != nil && resp.StatusCode == http.StatusOK {
		return grant{}, fmt.Errorf("databricks: %s: the reply is not a JSON token", what)
	}
	if resp.StatusCode != http.StatusOK {
		msg := "HTTP " + resp.Status
		if t.Error != "" {
			msg += ": " + printable(t.Error)
			if t.Description != "" {
				msg += " (" + printable(t.Description) + ")"
			}
		}
		return grant{}, fmt.Errorf("databricks: %s: %s", what, redact(msg))
	}
	if t.AccessToken == "" {
		return grant{}, fmt.Errorf("databricks: %s: the reply holds no access token", what)
	}
	expiresIn, err := parseExpiresIn(t.ExpiresIn)
	if err != nil {
		return grant{}, fmt.Errorf("databricks: %s: %w", what, err)
	}
	g := grant{token: secret.NewString(t.AccessToken), tokenType: "Bearer"}
	if t.TokenType != "" && !strings.EqualFold(t.TokenType, "bearer") {
		g.tokenType = printable(t.TokenType)
	}
	if expiresIn != 0 {
		g.expiry = sent.Add(time.Duration(expiresIn) * time.Second)
	}
	return g, nil
}

// parseExpiresIn reads expires_in, a number of seconds (some servers send it
// as a string); absent or zero means the token does not expire.
func parseExpiresIn(raw json.RawMessage) (int64, error) {
	s := string(bytes.Trim(bytes.TrimSpace(raw), `"`))
	if s == "" || s == "null" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, errors.New("expires_in is not a number")
		}
		n = int64(max(min(f, maxExpiresIn), -1))
	}
	return max(min(n, maxExpiresIn), -1), nil
}

// printable is s with every character that is not printable replaced by
// U+FFFD and cut to maxTokenErrorText bytes, for quoting a server's word.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return unicode.ReplacementChar
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) > maxTokenErrorText {
		cut := maxTokenErrorText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// basicCredentials are the user name and password of the token request's
// Basic authentication: RFC 6749, section 2.3.1, form-encodes them first.
func (a *m2mAuth) basicCredentials() (user, pass string) {
	return url.QueryEscape(a.clientID), url.QueryEscape(a.clientSecret.Reveal())
}

// withoutSecret removes the client secret from a server's message in every
// form the request carried it: as is, form-encoded, and inside the Basic
// credentials (base64 of "id:secret", padded or not), so that a server that
// echoes the request does not put the secret into an error.
func (a *m2mAuth) withoutSecret(msg string) string {
	cs := a.clientSecret.Reveal()
	if len(cs) < secret.MinRedactedPart {
		return msg
	}
	user, pass := a.basicCredentials()
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	for _, form := range []string{basic, strings.TrimRight(basic, "="), pass, cs} {
		msg = strings.ReplaceAll(msg, form, secret.Redacted)
	}
	return msg
}
