package driver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// The secrets of the sweep: each is long and unusual enough that finding it
// in output can only mean a leak.
const (
	sweepToken        = "dapiTOKEN0sweep0a1b2c3d4"
	sweepPassword     = "PASSWORD0sweep0e5f6g7h8"
	sweepClientSecret = "CLIENTSECRET0sweep0i9j0"
	sweepSessionToken = "SESSIONTOKEN0sweep0k1l2"
	sweepSignature    = "SIGNATURE0sweep0m3n4o5p6"
	sweepPathSecret   = "PATHSECRET0sweep0q7r8s9t"
	sweepFederatedJWT = "eyJFEDERATED0sweep0u1v2w3"
)

// credentialSecrets are the secrets the driver holds as Secrets; they stay
// hidden even when a Config is printed field by field (as fmt prints a value
// in an unexported field, or under %p). The value of a session parameter and
// a secret in an invalid HTTP path are ordinary strings, hidden by the
// printed forms of Config (String, Format, LogValue, MarshalJSON) only.
var (
	credentialSecrets = []string{sweepToken, sweepPassword, sweepClientSecret, sweepSignature, sweepFederatedJWT}
	sweepSecrets      = append([]string{sweepSessionToken, sweepPathSecret}, credentialSecrets...)
)

// leakedForms are the ways a printer could show s: as is, escaped, in hex,
// in base64, as a list of byte values.
func leakedForms(s string) []string {
	b := []byte(s)
	return []string{
		s, url.QueryEscape(s), strconv.Quote(s)[1 : len(s)+1],
		hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)), fmt.Sprintf("% x", b),
		base64.StdEncoding.EncodeToString(b)[:len(s)], fmt.Sprint(b)[:len(s)],
		// the middle of the secret, in case a printer cut it
		s[4 : len(s)-4],
	}
}

// checkNoSecret fails when out shows any sweep secret.
func checkNoSecret(t *testing.T, what, out string) {
	t.Helper()
	checkNone(t, sweepSecrets, what, out)
}

// checkNone fails when out shows any of secrets.
func checkNone(t *testing.T, secrets []string, what, out string) {
	t.Helper()
	for _, s := range secrets {
		for _, f := range leakedForms(s) {
			if strings.Contains(out, f) {
				t.Errorf("%s shows a secret (%q): %s", what, f, out)
				return
			}
		}
	}
}

// sweepVerbs is every fmt verb with the flags that change how values print.
var sweepVerbs = func() []string {
	var vs []string
	for _, v := range "vsqxXdobcUeEfFgGtpT" {
		for _, flag := range []string{"", "+", "#", "-", " ", "0", "30", "-30", ".4", "+#"} {
			vs = append(vs, "%"+flag+string(v))
		}
	}
	return vs
}()

// hidden holds a value in an unexported field, where fmt calls no method of
// it and prints it by reflection.
type hidden struct {
	name  string
	value any
	ptr   *hidden
}

// sweep prints v in every way a program could: every verb, directly and
// from an unexported field, Sprint and Sprintln, slog's JSON and text
// handlers, encoding/json; and for an error, its text.
func sweep(t *testing.T, what string, v any) {
	t.Helper()
	inner := &hidden{name: "inner", value: v}
	outer := hidden{name: "outer", value: v, ptr: inner}
	for _, verb := range sweepVerbs {
		if strings.HasSuffix(verb, "p") {
			// %p of a value that is no pointer prints its fields.
			checkNone(t, credentialSecrets, what+" "+verb, fmt.Sprintf(verb, v))
		} else {
			checkNoSecret(t, what+" "+verb, fmt.Sprintf(verb, v))
		}
		checkNone(t, credentialSecrets, what+" in an unexported field "+verb, fmt.Sprintf(verb, outer))
		checkNone(t, credentialSecrets, what+" in an unexported field "+verb, fmt.Sprintf(verb, &outer))
	}
	checkNoSecret(t, what+" Sprint", fmt.Sprint(v))
	checkNoSecret(t, what+" Sprintln", fmt.Sprintln(v))
	checkNone(t, credentialSecrets, what+" Sprint in an unexported field", fmt.Sprint(outer))
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"slog JSON", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
		{"slog text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
	} {
		var buf bytes.Buffer
		l := slog.New(h.new(&buf))
		l.Info("sweep", "v", v, slog.Group("g", slog.Any("v", v)))
		l.With("v", v).Error("sweep", "err", v)
		checkNoSecret(t, what+" "+h.name, buf.String())
		buf.Reset()
		l.Info("sweep", "outer", outer, "ptr", &outer)
		checkNone(t, credentialSecrets, what+" in an unexported field, "+h.name, buf.String())
	}
	if out, err := json.Marshal(v); err == nil {
		checkNoSecret(t, what+" json", string(out))
	}
	if e, ok := v.(error); ok {
		checkNoSecret(t, what+" Error()", e.Error())
		for u := errors.Unwrap(e); u != nil; u = errors.Unwrap(u) {
			checkNoSecret(t, what+" unwrapped", u.Error())
		}
	}
}

// sweepConfigs are configurations holding every kind of secret.
func sweepConfigs() map[string]*Config {
	base := func() *Config {
		c := NewConfig()
		c.Host, c.HTTPPath = "adb-1.azuredatabricks.net", "/sql/1.0/warehouses/abc"
		c.SessionParams = map[string]string{"ansi_mode": "true", "my.token": sweepSessionToken}
		return c
	}
	token, basic, m2m, fed, all := base(), base(), base(), base(), base()
	// A source that holds its JWT in a closure, as a user's would: fmt
	// prints a func as an address.
	fed.FederatedTokenSource = jwtFunc(func() (*oauth2.Token, error) { return &oauth2.Token{AccessToken: sweepFederatedJWT}, nil })
	token.AccessToken = NewSecret(sweepToken)
	basic.Username, basic.Password = "spark", NewSecret(sweepPassword)
	m2m.ClientID, m2m.ClientSecret = "client-id", NewSecret(sweepClientSecret)
	// Invalid, but printable: every credential at once, a path holding
	// parameters and an invalid host.
	all.AccessToken, all.Password, all.ClientSecret = NewSecret(sweepToken), NewSecret(sweepPassword), NewSecret(sweepClientSecret)
	all.HTTPPath = "/sql/1.0&clientSecret=" + sweepPathSecret
	bad := base()
	bad.Host = "h/" + sweepPathSecret
	return map[string]*Config{"token": token, "basic": basic, "m2m": m2m, "federation": fed, "everything": all, "bad host": bad}
}

func TestSecretsSweepConfig(t *testing.T) {
	for name, c := range sweepConfigs() {
		sweep(t, "Config "+name, *c)
		sweep(t, "*Config "+name, c)
		if !strings.Contains(c.String(), redacted) {
			t.Errorf("Config %s: String() = %q lacks %q", name, c.String(), redacted)
		}
	}
}

func TestSecretsSweepConnector(t *testing.T) {
	for _, name := range []string{"token", "basic", "m2m", "federation"} {
		c, err := NewConnector(sweepConfigs()[name])
		if err != nil {
			t.Fatal(err)
		}
		sweep(t, "*Connector "+name, c)
		if got, want := fmt.Sprintf("%d", c), c.String(); got != want {
			t.Errorf("%%d of a connector = %q, want %q", got, want)
		}
		c.Close()
	}
}

// TestSecretsSweepDSNErrors parses DSNs with typos that put a secret where a
// parser would quote it.
func TestSecretsSweepDSNErrors(t *testing.T) {
	s, tok := sweepClientSecret, sweepToken
	for _, dsn := range []string{
		// the '?' is missing: the parameters would be part of the path
		"h/sql/1.0&clientID=a&clientSecret=" + s,
		"h/sql/1.0/warehouses/abc&clientSecret=" + s,
		"token:" + tok + "@h/sql/1.0/warehouses/abc&catalog=main",
		"h/sql/1.0%3FclientSecret=" + s,
		"h/sql/1.0=" + s,
		// '%' or nothing typed for '&'
		"h/p?authType=oauth-m2m&clientID=a%clientSecret=" + s,
		"h/p?authType=oauth-m2m&clientID=aclientSecret=" + s,
		"h/p?maxRows=10%clientSecret=" + s,
		"h/p?maxRows=10clientSecret=" + s,
		"h/p?timeout=" + s,
		"h/p?useArrow=" + s,
		"h/p?protocol=" + s,
		"h/p?location=" + s,
		"h/p?authType=" + s,
		"h/p?retryMax=" + s,
		"h/p?pollMin=" + s,
		"h/p?catalog=main" + s + "=x",
		"h/p?ansi_mode=true" + s + "=x",
		"h/p?clientSecret=" + s + "%zz",
		"h/p?clientID=a&clientSecret=" + s + "&clientSecret=" + s,
		"token:" + tok + "%zz@h/p",
		"token:" + tok, // no host
		tok + "@h/p",   // no user name
		"token:" + tok + "@",
		"token:" + tok + "@h:x/p",
		"token:" + tok + "@h h/p",
		"token:" + tok + "?@h/p",
		"u:" + sweepPassword + "@h/p?clientID=a&clientSecret=" + s,
		"h/p?" + s + "=%zz",
		"h/p?" + s + "=1&" + s + "=2",
	} {
		_, err := ParseDSN(dsn)
		if err == nil {
			t.Errorf("ParseDSN(%q) succeeded", dsn)
			continue
		}
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("ParseDSN(%q): %T, want a *ConfigError", dsn, err)
		}
		sweep(t, "ParseDSN error", err)
		sweep(t, "ConfigError", *ce)
	}
}

// TestSecretsSweepValidate: Validate and NewConnector errors of
// configurations set in Go.
func TestSecretsSweepValidate(t *testing.T) {
	for name, c := range sweepConfigs() {
		if name != "everything" && name != "bad host" {
			continue
		}
		_, err := NewConnector(c)
		if err == nil {
			t.Fatalf("%s: NewConnector succeeded", name)
		}
		sweep(t, "NewConnector error "+name, err)
	}
	c := sweepConfigs()["token"]
	c.HTTPPath = "/sql/1.0/warehouses/abc&x=" + sweepToken
	err := c.Validate()
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "httpPath" {
		t.Fatalf("Validate of a path holding '&' and '=': %v, want an httpPath error", err)
	}
}

// echoTransport fails every request with an error that quotes its URL, as a
// proxy or a wrapping transport may.
type echoTransport struct{}

func (echoTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("no route for %s", r.URL)
}

// TestSecretsSweepTransportErrors sweeps the errors of connections that fail:
// refused, refused by the server, failed by the transport, and an OAuth
// token endpoint that refuses the client.
func TestSecretsSweepTransportErrors(t *testing.T) {
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Databricks-Reason-Phrase", "invalid access token")
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
	}))
	defer refusing.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	refusingPort := refusing.Listener.Addr().(*net.TCPAddr).Port

	for _, target := range []struct {
		name string
		port int
		opts []Option
	}{
		{"refused by the server", refusingPort, nil},
		{"connection refused", closedPort, nil},
		{"failed by the transport", refusingPort, []Option{WithTransport(echoTransport{})}},
	} {
		for name, c := range sweepConfigs() {
			if name == "everything" || name == "bad host" {
				continue
			}
			c.Host, c.Port, c.Protocol = "127.0.0.1", target.port, "http"
			opts := append([]Option{WithRetry(1, 0)}, target.opts...)
			conn, err := NewConnector(c, opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = conn.Connect(context.Background())
			conn.Close()
			if err == nil {
				t.Fatalf("%s %s: Connect succeeded", target.name, name)
			}
			sweep(t, "Connect error, "+target.name+", "+name, err)
		}
	}
}

func ExampleNewSecret() {
	cfg := NewConfig()
	cfg.Host, cfg.HTTPPath = "adb-1.azuredatabricks.net", "/sql/1.0/warehouses/abc"
	cfg.AccessToken = NewSecret("dapi0123456789")
	fmt.Println(cfg.AccessToken, cfg)
	fmt.Printf("%d %q %#v\n", cfg.AccessToken, cfg.AccessToken, cfg.AccessToken)
	fmt.Println(len(cfg.AccessToken.Reveal()))
	// Output:
	// xxxxx token:xxxxx@adb-1.azuredatabricks.net/sql/1.0/warehouses/abc
	// xxxxx "xxxxx" secret.String("xxxxx")
	// 14
}

// FuzzParseDSNErrorsQuoteNothing parses prefix + a secret + suffix: whatever
// the DSN, an error of ParseDSN never shows the secret (errors quote no part
// of the input).
func FuzzParseDSNErrorsQuoteNothing(f *testing.F) {
	for _, s := range [][2]string{
		{"h/sql/1.0&clientSecret=", ""},
		{"h/p?authType=oauth-m2m&clientID=a%clientSecret=", ""},
		{"h/p?maxRows=10clientSecret=", "&x=1"},
		{"token:", "%zz@h/p"},
		{"token:", "@h:x/p"},
		{"token:", "?@h/p"},
		{"h/p?", "=%zz"},
		{"h/p?location=", ""},
		{"h/p?catalog=main", "=x"},
		{"[", "]:1/p"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, prefix, suffix string) {
		const mark = "Zq7SecretMark"
		_, err := ParseDSN(prefix + mark + suffix)
		if err == nil {
			return
		}
		for _, out := range []string{err.Error(), fmt.Sprintf("%+v %#v %d %s", err, err, err, err)} {
			if strings.Contains(out, mark) || strings.Contains(out, url.QueryEscape(mark)[:8]) {
				t.Fatalf("ParseDSN(%q) error shows the secret: %s", prefix+mark+suffix, out)
			}
		}
	})
}

// jwtFunc is a token source of a function.
type jwtFunc func() (*oauth2.Token, error)

// Token calls f.
func (f jwtFunc) Token() (*oauth2.Token, error) { return f() }
