package results

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/asyncsql/databricks/internal/tclitest"
	"github.com/asyncsql/databricks/thrift/tcli"
)

// signature is the secret of the links below: long and unusual enough that
// finding it in output can only mean a leak.
const signature = "SIGNATURE0sweep0m3n4o5p6"

// noSignature fails when v, printed in any way a program could (every fmt
// verb, in a struct, through slog, each error of its chain), shows the
// signature, escaped or not.
func noSignature(t *testing.T, what string, v any) {
	t.Helper()
	var outs []string
	for _, verb := range "vsqxXdT" {
		for _, flag := range []string{"", "+", "#"} {
			f := "%" + flag + string(verb)
			outs = append(outs, fmt.Sprintf(f, v), fmt.Sprintf(f, struct{ v any }{v}))
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "v", v)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", v)
	outs = append(outs, buf.String())
	if err, ok := v.(error); ok {
		for u := err; u != nil; u = errors.Unwrap(u) {
			outs = append(outs, u.Error())
		}
	}
	for _, out := range outs {
		for _, form := range []string{signature, url.QueryEscape(signature), fmt.Sprintf("%x", signature), signature[4:20]} {
			if strings.Contains(out, form) {
				t.Fatalf("%s shows the signature (%q): %s", what, form, out)
			}
		}
	}
}

// echoTransport fails every request with an error that quotes its URL, as a
// proxy or a wrapping transport may.
type echoTransport struct{}

func (echoTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("no route for %s", r.URL)
}

// TestSecretsSweepLinkErrors: a presigned result link carries its signature
// in the URL; no download error may show it.
func TestSecretsSweepLinkErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := tclitest.NewLocalStorage(t)
		svc := &linkService{}
		svc.pages = seqPages(st, 1, 1, 5, 0, false)
		for _, p := range svc.pages {
			for _, lk := range p {
				lk.FileLink += "?X-Amz-Signature=" + signature + "&X-Amz-Credential=" + signature
			}
		}
		l := linkEnvWith(t, svc, st, 2, false, defaultLinkLimits, func(c *Config) { c.HTTPClient = &http.Client{Transport: echoTransport{}} })
		_, err := readAll(l)
		if err == nil {
			t.Fatal("read succeeded through a failing transport, want an error")
		}
		noSignature(t, "link download error", err)

		// A link whose URL does not parse.
		svc = &linkService{pages: [][]*tcli.TSparkArrowResultLink{{{
			FileLink: "http://h/f0?sig=" + signature + "%zz\x7f", StartRowOffset: 0, RowCount: 5, BytesNum: 10,
		}}}}
		_, err = readAll(linkEnv(t, svc, st, 2, false))
		if err == nil {
			t.Fatal("read succeeded with an invalid link, want an error")
		}
		noSignature(t, "invalid link error", err)
	})
}

func TestRedactLink(t *testing.T) {
	const link = "https://bucket.s3.amazonaws.com/result/f0?X-Amz-Algorithm=AWS4&X-Amz-Expires=900&X-Amz-Signature=0123abcdSIG&sig=a%2Fb%2Bc%3D%3Dlong"
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"url.Error", &url.Error{Op: "Get", URL: link, Err: errors.New("connection reset")}, "connection reset"},
		{"wrapped url.Error", fmt.Errorf("attempt 2: %w", &url.Error{Op: "Get", URL: link, Err: errors.New("EOF")}), "EOF"},
		{"quoted link", fmt.Errorf("proxy refused %s", link), "proxy refused xxxxx"},
		{"quoted query", fmt.Errorf("bad query %q", link[strings.IndexByte(link, '?')+1:]), `bad query "xxxxx"`},
		{"quoted value", errors.New("signature 0123abcdSIG expired"), "signature xxxxx expired"},
		{"decoded value", errors.New("sig a/b+c==long"), "sig xxxxx"},
		{"short values stay", errors.New("expires 900"), "expires 900"},
		{"header value", fmt.Errorf("refused with %v", http.Header{"X-Ms-Encryption-Key": {"KEY/0123+abc="}}), "refused with map[X-Ms-Encryption-Key:[xxxxx]]"},
		{"escaped header value", errors.New("key=KEY%2F0123%2Babc%3D"), "key=xxxxx"},
		{"short header stays", errors.New("X-Short: abc"), "X-Short: abc"},
	} {
		lk := newResultLink(&tcli.TSparkArrowResultLink{FileLink: link, HttpHeaders: map[string]string{"x-ms-encryption-key": "KEY/0123+abc=", "X-Short": "abc"}})
		if got := redactLink(tt.err, lk); got != tt.want {
			t.Errorf("%s: redactLink = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestSecretsSweepResultLink: the reader's own form of a result link, and a
// file holding it, print neither the presigned URL nor the header values.
func TestSecretsSweepResultLink(t *testing.T) {
	lk := newResultLink(&tcli.TSparkArrowResultLink{
		FileLink:    "https://storage.example/f0?X-Amz-Signature=" + signature,
		HttpHeaders: map[string]string{"x-ms-encryption-key": signature},
		RowCount:    5, BytesNum: 10,
	})
	if got := lk.url.Reveal(); !strings.Contains(got, signature) {
		t.Fatalf("the link's URL lost its signature: got %q", got)
	}
	if got := lk.headers["x-ms-encryption-key"].Reveal(); got != signature {
		t.Fatalf("the link's header: got %q, want %q", got, signature)
	}
	noSignature(t, "resultLink", lk)
	noSignature(t, "linkFile", &linkFile{link: lk})
}
