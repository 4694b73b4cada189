package driver

import (
	"errors"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/asyncsql/databricks/internal/backoff"
)

// dsnParamSamples holds, for every DSN parameter, a value other than its
// default, for the round-trip test; a parameter added to dsnParams without
// one fails TestDSNParamsRoundTrip.
var dsnParamSamples = map[string]string{
	"authType":             authTypeM2M,
	"backend":              "rest",
	"catalog":              "main",
	"clientID":             "id-1",
	"clientSecret":         "s&e=c+r%t",
	"federatedTokenEnv":    "IDP_JWT",
	"federatedTokenFile":   "/var/run/secrets/idp token",
	"federationClientID":   "sp-1",
	"location":             "Europe/Paris",
	"maxDownloads":         "3",
	"maxRows":              "500",
	"pollMax":              "10",
	"pollMin":              "250ms",
	"protocol":             "http",
	"queryTags":            `team:eng,path:C\:\\x\,y,flag`,
	"retryBudget":          "1m30s",
	"retryMax":             "2",
	"schema":               "default",
	"stagingAllowedPaths":  "/data/in" + string(filepath.ListSeparator) + "rel dir",
	"timeout":              "1.5",
	"useArrow":             "false",
	"useArrowComplexTypes": "true",
	"useCloudFetch":        "false",
	"useLZ4":               "false",
	"userAgentEntry":       "my app/1.0",
	"waitTimeout":          "30",
}

// TestDSNParamsRoundTrip sets each parameter alone (authType with the client
// credentials it needs) and checks that FormatDSN writes it and that
// ParseDSN(FormatDSN(c)) gives back c, field for field.
func TestDSNParamsRoundTrip(t *testing.T) {
	for _, p := range dsnParams {
		v, ok := dsnParamSamples[p.name]
		if !ok {
			t.Errorf("%s: no sample value in dsnParamSamples", p.name)
			continue
		}
		q := url.Values{p.name: {v}}
		switch p.name {
		case "authType", "clientID", "clientSecret":
			q = url.Values{"authType": {authTypeM2M}, "clientID": {"id-1"}, "clientSecret": {"s&e=c+r%t"}}
			q.Set(p.name, v)
		case "federationClientID":
			q = url.Values{"authType": {authTypeFederation}, "federatedTokenEnv": {"IDP_JWT"}, p.name: {v}}
		}
		dsn := "h.example/p?" + q.Encode()
		if p.name == "backend" {
			// The REST backend needs a warehouse path.
			dsn = "h.example/sql/1.0/warehouses/abc?" + url.Values{p.name: {v}}.Encode()
		}
		c, err := ParseDSN(dsn)
		if err != nil {
			t.Errorf("%s=%s: %v", p.name, v, err)
			continue
		}
		s := c.FormatDSN()
		if got, ok := p.format(c, showSecrets); !ok || !strings.Contains(s, url.QueryEscape(p.name)+"="+url.QueryEscape(got)) {
			t.Errorf("%s=%s: got FormatDSN %q, want it to hold the parameter", p.name, v, s)
		}
		again, err := ParseDSN(s)
		if err != nil {
			t.Errorf("%s: ParseDSN(%q): %v", p.name, s, err)
			continue
		}
		if err := sameConfig(c, again); err != nil {
			t.Errorf("%s: ParseDSN(FormatDSN(c)) differs from c: %v", p.name, err)
		}
		if s2 := again.FormatDSN(); s2 != s {
			t.Errorf("%s: FormatDSN not a fixed point: got %q, want %q", p.name, s2, s)
		}
		if p.def == "" {
			continue
		}
		// A DSN that states the default round-trips too.
		c, err = ParseDSN("h.example/p?" + p.name + "=" + url.QueryEscape(p.def))
		if err != nil {
			t.Errorf("%s=%s: %v", p.name, p.def, err)
			continue
		}
		if again, err = ParseDSN(c.FormatDSN()); err != nil || sameConfig(c, again) != nil {
			t.Errorf("%s=%s: ParseDSN(%q) gives %v, %v, want the same fields", p.name, p.def, c.FormatDSN(), sameConfig(c, again), err)
		}
	}
}

// resolvedConfig is what a Config does: each setting as the driver uses it,
// after its zero value took its default.
type resolvedConfig struct {
	MaxRows      int64
	MaxDownloads int
	Poll         backoff.Policy
	Retry        any
	Location     string
	Endpoint     string
	Switches     [4]bool
	Text         [4]string
	Timeout      time.Duration
	Backend      Backend
	Wait         time.Duration
}

func resolve(c *Config) resolvedConfig {
	return resolvedConfig{c.maxRows(), c.maxDownloads(), c.pollPolicy(), c.retryPolicy(), c.location().String(), c.endpointURL(),
		[4]bool{c.UseArrow, c.UseLZ4, c.UseArrowComplexTypes, c.UseCloudFetch},
		[4]string{c.Catalog, c.Schema, c.UserAgentEntry, c.ClientID}, c.QueryTimeout, c.Backend, c.waitTimeout()}
}

// TestDSNParamDefaults checks that every documented default parses and
// changes nothing when set, and that a zero Config behaves as NewConfig's
// except for the switches, which are off when false.
func TestDSNParamDefaults(t *testing.T) {
	def := NewConfig()
	def.Host = "h"
	for _, p := range dsnParams {
		if p.def == "" {
			continue
		}
		c := def.Clone()
		if err := p.parse(c, p.def); err != nil {
			t.Errorf("%s: default %q does not parse: %v", p.name, p.def, err)
		}
		if got, want := resolve(c), resolve(def); !reflect.DeepEqual(got, want) {
			t.Errorf("%s=%s: got %+v, want NewConfig's %+v", p.name, p.def, got, want)
		}
	}
	zero := &Config{Host: "h"}
	want := resolve(def)
	want.Switches = [4]bool{} // the one way a zero Config differs
	if got := resolve(zero); !reflect.DeepEqual(got, want) {
		t.Errorf("a zero Config resolves to %+v, want %+v", got, want)
	}
	if got, want := zero.FormatDSN(), "h?useArrow=false&useCloudFetch=false&useLZ4=false"; got != want {
		t.Errorf("got FormatDSN of a zero Config %q, want %q", got, want)
	}
}

// TestDSNParamsDocumented checks that ParseDSN's doc, the package doc and the
// README's DSN table list every parameter, with its default where it has one.
func TestDSNParamsDocumented(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	dsnGo, docGo, readme := read("dsn.go"), read("doc.go"), read("../README.md")
	for _, p := range dsnParams {
		line := regexp.MustCompile(`(?m)^//\t` + p.name + ` .*$`).FindString(dsnGo)
		if line == "" {
			t.Errorf("%s: got no line in ParseDSN's doc, want one", p.name)
		} else if p.def != "" && !strings.Contains(line, "(default "+p.def) {
			t.Errorf("%s: ParseDSN's doc line %q, want it to say (default %s", p.name, line, p.def)
		}
		if !regexp.MustCompile(`\b` + p.name + `\b`).MatchString(docGo) {
			t.Errorf("%s: got no mention in doc.go, want one", p.name)
		}
		row := regexp.MustCompile("(?m)^\\| `" + p.name + "` \\|.*\\|$").FindString(readme)
		if row == "" {
			t.Errorf("%s: got no row in the README's DSN table, want one", p.name)
			continue
		}
		cells := strings.Split(strings.Trim(row, "|"), "|")
		if d := strings.TrimSpace(cells[len(cells)-1]); p.def != "" && d != p.def && !strings.HasPrefix(d, "`"+p.def+"`") {
			t.Errorf("%s: README's default %q, want %s", p.name, d, p.def)
		}
	}
}

// TestQueryTagsConfig: the DSN's queryTags become Config.QueryTags and the
// session configuration QUERY_TAGS; bad tags are ConfigErrors naming
// queryTags.
func TestQueryTagsConfig(t *testing.T) {
	c, err := ParseDSN("h.example/p?queryTags=" + url.QueryEscape(`b:x\,y,a:1`))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"a": "1", "b": "x,y"}; !maps.Equal(c.QueryTags, want) {
		t.Fatalf("QueryTags = %q, want %q", c.QueryTags, want)
	}
	if got := c.sessionParams()["QUERY_TAGS"]; got != `a:1,b:x\,y` {
		t.Errorf("session QUERY_TAGS = %q", got)
	}
	for _, dsn := range []string{"h.example/p?queryTags=a:1,a:2", "h.example/p?queryTags=" + url.QueryEscape(`a:\`), "h.example/p?queryTags=,"} {
		if _, err := ParseDSN(dsn); !isConfigErr(err, "queryTags") {
			t.Errorf("ParseDSN(%q) = %v, want a queryTags ConfigError", dsn, err)
		}
	}
	for _, cfg := range []*Config{
		{Host: "h.example", HTTPPath: "/p", QueryTags: map[string]string{"a:b": "v"}},
		{Host: "h.example", HTTPPath: "/p", QueryTags: map[string]string{"a": "v"}, SessionParams: map[string]string{"query_tags": "b:w"}},
	} {
		if err := cfg.Validate(); !isConfigErr(err, "queryTags") {
			t.Errorf("Validate(%v) = %v, want a queryTags ConfigError", cfg.QueryTags, err)
		}
	}
	o := NewConfig()
	WithSessionQueryTags(map[string]string{"k": "v"})(o)
	if o.QueryTags["k"] != "v" {
		t.Errorf("WithSessionQueryTags: QueryTags = %q", o.QueryTags)
	}
}

func isConfigErr(err error, param string) bool {
	var ce *ConfigError
	return errors.As(err, &ce) && ce.Field == param
}
