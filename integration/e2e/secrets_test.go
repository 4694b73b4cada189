package e2e_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	dbdriver "github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// secretVerbs are the fmt verbs and flags a program may print a value with.
var secretVerbs = func() []string {
	var vs []string
	for _, v := range "vsqxXdT" {
		for _, flag := range []string{"", "+", "#"} {
			vs = append(vs, "%"+flag+string(v))
		}
	}
	return vs
}()

// printedForms prints v with every verb and through slog's JSON and text
// handlers.
func printedForms(v any) []string {
	var out []string
	for _, verb := range secretVerbs {
		out = append(out, fmt.Sprintf(verb, v))
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Error("e2e", "v", v)
		out = append(out, buf.String())
	}
	return out
}

// linkSpy fails every download of a result file with an error that quotes
// the request, as a misbehaving proxy might, and records what it saw: the
// file URLs and the values of their headers, which grant access to the files.
type linkSpy struct {
	mu      sync.Mutex
	secrets []string
}

func (s *linkSpy) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet {
		return http.DefaultTransport.RoundTrip(r)
	}
	s.mu.Lock()
	s.secrets = append(s.secrets, r.URL.String(), r.URL.Path)
	for k, vs := range r.Header {
		if strings.HasPrefix(k, "X-Emulator-Sig") {
			s.secrets = append(s.secrets, vs...)
		}
	}
	s.mu.Unlock()
	return nil, fmt.Errorf("proxy refused %s %v", r.URL, r.Header)
}

func (s *linkSpy) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.secrets...)
}

// TestSecretsNotPrinted reads a result of links whose downloads all fail
// and prints the error, the connector and its configuration every way:
// neither the access token nor a result file's URL or header shows.
func TestSecretsNotPrinted(t *testing.T) {
	// HybridInlineLimit 1: on REST too the result comes as links, not
	// inline in the reply.
	s := emulator.Start(t, emulator.WithLinks(emulator.LinkOptions{ThresholdRows: 10, FileRows: 100}),
		emulator.WithREST(emulator.RESTOptions{HybridInlineLimit: 1}))
	cfg, err := dbdriver.ParseDSN(testDSN(s))
	if err != nil {
		t.Fatal(err)
	}
	spy := &linkSpy{}
	c, err := dbdriver.NewConnector(cfg, dbdriver.WithTransport(spy))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	ctx := testCtx(t)
	var n int
	rows, err := db.QueryContext(ctx, "SELECT i FROM range(500) t(i)")
	if err == nil {
		for rows.Next() {
			n++
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil {
		t.Fatalf("read %d rows although every download fails", n)
	}
	secrets := append(spy.seen(), s.Token())
	if len(secrets) < 3 {
		t.Fatalf("no download was attempted (saw %q); is the result not in links?", secrets)
	}
	var outs []string
	for _, v := range []any{err, errors.Unwrap(err), c, cfg, *cfg} {
		outs = append(outs, printedForms(v)...)
	}
	outs = append(outs, err.Error())
	for _, out := range outs {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(out, sec) {
				t.Fatalf("output shows %q: %s", sec, out)
			}
		}
	}

	// A wrong token: the connection error, printed every way, shows neither
	// token.
	bad := cfg.Clone()
	bad.AccessToken = dbdriver.NewSecret("wrong-token-0123456789")
	bc, err := dbdriver.NewConnector(bad)
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	_, err = bc.Connect(context.Background())
	if backend == "rest" {
		// No session to open: the first statement meets the token.
		rdb := sql.OpenDB(bc)
		err = rdb.PingContext(context.Background())
		rdb.Close()
	}
	if err == nil {
		t.Fatal("connected with a wrong token")
	}
	for _, out := range append(printedForms(err), printedForms(bc)...) {
		if strings.Contains(out, "wrong-token-0123456789") || strings.Contains(out, s.Token()) {
			t.Fatalf("output shows a token: %s", out)
		}
	}
}
