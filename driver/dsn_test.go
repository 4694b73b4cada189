package driver

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dsnCase is one DSN of the table that drives the parse test, the format test
// and the seed corpus of FuzzParseDSN.
type dsnCase struct {
	dsn string
	// want lists the fields that differ from NewConfig after Validate.
	want func(c *Config)
	// format is FormatDSN of the parsed config; empty means dsn itself.
	format string
}

var dsnCases = []dsnCase{
	{
		dsn: "token:dapi0123456789abcdef@adb-123.4.azuredatabricks.net/sql/1.0/warehouses/abc",
		want: func(c *Config) {
			c.AccessToken = NewSecret("dapi0123456789abcdef")
			c.Host, c.Port, c.Protocol = "adb-123.4.azuredatabricks.net", 443, "https"
			c.HTTPPath = "/sql/1.0/warehouses/abc"
		},
	},
	{
		dsn:    "token:dapi1@example.cloud.databricks.com:443/sql/1.0/endpoints/e?catalog=main&schema=default",
		format: "token:dapi1@example.cloud.databricks.com/sql/1.0/endpoints/e?catalog=main&schema=default",
		want: func(c *Config) {
			c.AccessToken = NewSecret("dapi1")
			c.Host, c.Port, c.Protocol = "example.cloud.databricks.com", 443, "https"
			c.HTTPPath = "/sql/1.0/endpoints/e"
			c.Catalog, c.Schema = "main", "default"
		},
	},
	{
		dsn: "token:t@h.example:8443/p?location=Europe%2FParis&maxRows=500&pollMax=10&pollMin=250ms&retryBudget=90&retryMax=3&timeout=30&useArrow=false&useLZ4=false&userAgentEntry=my+app%2F1.0",
		want: func(c *Config) {
			c.AccessToken = NewSecret("t")
			c.Host, c.Port, c.Protocol, c.HTTPPath = "h.example", 8443, "https", "/p"
			c.Location = mustLoad("Europe/Paris")
			c.MaxRows = 500
			c.PollMin, c.PollMax = 250*time.Millisecond, 10*time.Second
			c.RetryBudget, c.RetryMax = 90*time.Second, 3
			c.QueryTimeout = 30 * time.Second
			c.UseArrow, c.UseLZ4 = false, false
			c.UserAgentEntry = "my app/1.0"
		},
	},
	{
		dsn: "token:t@h.example/p?useArrowComplexTypes=true",
		want: func(c *Config) {
			c.AccessToken = NewSecret("t")
			c.Host, c.Port, c.Protocol, c.HTTPPath = "h.example", 443, "https", "/p"
			c.UseArrowComplexTypes = true
		},
	},
	{
		// Parameter names are matched without regard to case; durations
		// may be fractional seconds.
		dsn:    "token:t@h/p?MAXROWS=7&Timeout=1.5&useArrow=0",
		format: "token:t@h/p?maxRows=7&timeout=1.5s&useArrow=false",
		want: func(c *Config) {
			c.AccessToken = NewSecret("t")
			c.Host, c.Port, c.Protocol, c.HTTPPath = "h", 443, "https", "/p"
			c.MaxRows, c.QueryTimeout, c.UseArrow = 7, 1500*time.Millisecond, false
		},
	},
	{
		// Basic authentication; credentials with reserved characters.
		dsn: "spark:p%40ss%3Aw%2Fd%3F%25@spark-host:10001/cliservice?protocol=http",
		want: func(c *Config) {
			c.Username, c.Password = "spark", NewSecret("p@ss:w/d?%")
			c.Host, c.Port, c.Protocol, c.HTTPPath = "spark-host", 10001, "http", "/cliservice"
		},
	},
	{
		// An unescaped '@', ':' or '/' in the password works too.
		dsn:    "user:pa@ss:w/rd@h/p",
		format: "user:pa%40ss%3Aw%2Frd@h/p",
		want: func(c *Config) {
			c.Username, c.Password = "user", NewSecret("pa@ss:w/rd")
			c.Host, c.Port, c.Protocol, c.HTTPPath = "h", 443, "https", "/p"
		},
	},
	{
		dsn: "h.example/p?authType=oauth-m2m&clientID=abc-123&clientSecret=dose%2Bsecret%26x",
		want: func(c *Config) {
			c.ClientID, c.ClientSecret = "abc-123", NewSecret("dose+secret&x")
			c.Host, c.Port, c.Protocol, c.HTTPPath = "h.example", 443, "https", "/p"
		},
	},
	{
		// Loopback hosts default to http on port 80.
		dsn: "token:t@localhost:8080/sql/1.0/warehouses/w",
		want: func(c *Config) {
			c.AccessToken = NewSecret("t")
			c.Host, c.Port, c.Protocol, c.HTTPPath = "localhost", 8080, "http", "/sql/1.0/warehouses/w"
		},
	},
	{
		dsn: "127.0.0.1?protocol=https",
		want: func(c *Config) {
			c.Host, c.Port, c.Protocol = "127.0.0.1", 443, "https"
		},
	},
	{
		dsn: "[::1]:9000/x",
		want: func(c *Config) {
			c.Host, c.Port, c.Protocol, c.HTTPPath = "::1", 9000, "http", "/x"
		},
	},
	{
		dsn:    "[2001:db8::1]:443/",
		format: "[2001:db8::1]/",
		want: func(c *Config) {
			c.Host, c.Port, c.Protocol, c.HTTPPath = "2001:db8::1", 443, "https", "/"
		},
	},
	{
		// Unknown parameters become session configuration.
		dsn: "token:t@h/p?ansi_mode=false&spark.sql.shuffle.partitions=8&timezone=Asia%2FTokyo",
		want: func(c *Config) {
			c.AccessToken = NewSecret("t")
			c.Host, c.Port, c.Protocol, c.HTTPPath = "h", 443, "https", "/p"
			c.SessionParams = map[string]string{"ansi_mode": "false", "spark.sql.shuffle.partitions": "8", "timezone": "Asia/Tokyo"}
		},
	},
	{
		// '=' and '&' in a value are escaped.
		dsn: "h/p?catalog=a%3Db&x=1%262%3D3",
		want: func(c *Config) {
			c.Host, c.Port, c.Protocol, c.HTTPPath = "h", 443, "https", "/p"
			c.Catalog = "a=b"
			c.SessionParams = map[string]string{"x": "1&2=3"}
		},
	},
	{
		// The path is percent-decoded.
		dsn:    "h/sql/a%20b%40c",
		format: "h/sql/a%20b%40c",
		want: func(c *Config) {
			c.Host, c.Port, c.Protocol, c.HTTPPath = "h", 443, "https", "/sql/a b@c"
		},
	},
	{
		dsn:    "h:80?protocol=http&location=UTC&maxRows=100000&useArrow=true",
		format: "h?protocol=http",
		want: func(c *Config) {
			c.Host, c.Port, c.Protocol = "h", 80, "http"
		},
	},
}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// sameConfig reports the first DSN-settable field where a and b differ.
func sameConfig(a, b *Config) error {
	locName := func(l *time.Location) string {
		if l == nil {
			return "UTC"
		}
		return l.String()
	}
	type field struct {
		name string
		a, b any
	}
	for _, f := range []field{
		{"Host", a.Host, b.Host}, {"Port", a.Port, b.Port}, {"HTTPPath", a.HTTPPath, b.HTTPPath},
		{"Protocol", a.Protocol, b.Protocol}, {"AccessToken", a.AccessToken.Reveal(), b.AccessToken.Reveal()},
		{"Username", a.Username, b.Username}, {"Password", a.Password.Reveal(), b.Password.Reveal()},
		{"ClientID", a.ClientID, b.ClientID}, {"ClientSecret", a.ClientSecret.Reveal(), b.ClientSecret.Reveal()},
		{"Catalog", a.Catalog, b.Catalog}, {"Schema", a.Schema, b.Schema}, {"MaxRows", a.MaxRows, b.MaxRows},
		{"QueryTimeout", a.QueryTimeout, b.QueryTimeout}, {"UserAgentEntry", a.UserAgentEntry, b.UserAgentEntry},
		{"Location", locName(a.Location), locName(b.Location)}, {"UseArrow", a.UseArrow, b.UseArrow},
		{"UseLZ4", a.UseLZ4, b.UseLZ4}, {"RetryMax", a.RetryMax, b.RetryMax},
		{"RetryBudget", a.RetryBudget, b.RetryBudget}, {"PollMin", a.PollMin, b.PollMin}, {"PollMax", a.PollMax, b.PollMax},
	} {
		if f.a != f.b {
			return fmt.Errorf("%s: %v != %v", f.name, f.a, f.b)
		}
	}
	for _, p := range dsnParams {
		av, aw := p.format(a, showSecrets)
		bv, bw := p.format(b, showSecrets)
		if av != bv || aw != bw {
			return fmt.Errorf("%s: %q (written %v) != %q (written %v)", p.name, av, aw, bv, bw)
		}
	}
	if len(a.SessionParams) != len(b.SessionParams) || !maps.Equal(a.SessionParams, b.SessionParams) {
		return fmt.Errorf("SessionParams: %v != %v", a.SessionParams, b.SessionParams)
	}
	return nil
}

func TestParseDSN(t *testing.T) {
	for _, tc := range dsnCases {
		t.Run(tc.dsn, func(t *testing.T) {
			got, err := ParseDSN(tc.dsn)
			if err != nil {
				t.Fatal(err)
			}
			want := NewConfig()
			tc.want(want)
			if err := sameConfig(got, want); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestFormatDSN(t *testing.T) {
	for _, tc := range dsnCases {
		t.Run(tc.dsn, func(t *testing.T) {
			c, err := ParseDSN(tc.dsn)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.format
			if want == "" {
				want = tc.dsn
			}
			got := c.FormatDSN()
			if got != want {
				t.Errorf("FormatDSN = %q, want %q", got, want)
			}
			again, err := ParseDSN(got)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameConfig(c, again); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestParseDSNErrors(t *testing.T) {
	tests := []struct{ dsn, field string }{
		{"", "dsn"},
		{"token:@h/p", "credentials"},
		{"justuser@h/p", "credentials"},
		{":pw@h/p", "credentials"},
		{"u:p%zz@h/p", "credentials"},
		{"h:0/p", "port"},
		{"h:65536/p", "port"},
		{"h:x/p", "port"},
		{"h:/p", "port"},
		{"/p", "host"},
		{"h h/p", "host"},
		{"[::1/p", "host"},
		{"[h]/p", "host"},
		{"[::1]x/p", "host"},
		{"h/p%zz", "httpPath"},
		{"h/p?maxRows=0", "maxRows"},
		{"h/p?maxRows=ten", "maxRows"},
		{"h/p?timeout=-1", "timeout"},
		{"h/p?timeout=soon", "timeout"},
		{"h/p?timeout=1e300", "timeout"},
		{"h/p?pollMin=10&pollMax=1", "pollMin"},
		{"h/p?useArrow=maybe", "useArrow"},
		{"h/p?location=Mars%2FOlympus", "location"},
		{"h/p?protocol=ftp", "protocol"},
		{"h/p?retryMax=-1", "retryMax"},
		{"h/p?authType=pat", "authType"},
		{"h/p?authType=oauth-m2m&clientID=x", "authType"},
		{"h/p?clientID=x", "clientID"},
		{"h/p?authType=oauth-u2m&clientSecret=s", "authType"},
		{"h/p?authType=oauth-u2m&federatedTokenEnv=E", "authType"},
		{"token:t@h/p?authType=oauth-u2m", "credentials"},
		{"h/p?authType=token-federation", "authType"},
		{"h/p?authType=token-federation&federatedTokenFile=f&federatedTokenEnv=E", "authType"},
		{"h/p?authType=token-federation&federatedTokenEnv=E&clientID=x&clientSecret=y", "authType"},
		{"h/p?authType=oauth-m2m&clientID=x&clientSecret=y&federatedTokenEnv=E", "authType"},
		{"h/p?federationClientID=sp", "authType"},
		{"token:t@h/p?authType=token-federation&federatedTokenEnv=E", "credentials"},
		{"h/p?catalog=a&CATALOG=b", "catalog"},
		{"h/p?=x", "dsn"},
		{"h/p?a=%zz", "sessionParams"}, {"h/p?a=1&A=2", "sessionParams"},
		{"token:t@h/p?authType=oauth-m2m&clientID=x&clientSecret=y", "credentials"},
		// A path holding parameters: the '?' is missing.
		{"h/sql/1.0&clientSecret=x", "httpPath"},
		{"h/sql/1.0=x", "httpPath"},
		{"h/sql/1.0%3Fx", "httpPath"},
		{"h/sql/1.0%26x", "httpPath"},
		// A second '=' in a parameter: '%' or nothing typed for '&'.
		{"h/p?authType=oauth-m2m&clientID=a%clientSecret=b", "clientID"},
		{"h/p?clientID=aclientSecret=b", "clientID"},
		{"h/p?catalog=main=x", "catalog"},
		{"h/p?ansi_mode=true=x", "sessionParams"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			_, err := ParseDSN(tt.dsn)
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v", err)
			}
			if ce.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", ce.Field, tt.field, err)
			}
		})
	}
}

// TestSecretsNotInErrors checks that no error of ParseDSN quotes a secret.
func TestSecretsNotInErrors(t *testing.T) {
	const secret = "S3CRETvalue"
	for _, dsn := range []string{
		"token:" + secret + "%zz@h/p",
		"token:" + secret + "@h:x/p",
		"token:" + secret + "@/p",
		"token:" + secret + "@h/p?maxRows=x",
		"u:" + secret + "%@h/p",
		"u:" + secret + "@h/p?clientID=a&clientSecret=b",
		"h/p?clientSecret=" + secret + "%zz",
		"h/p?clientSecret=" + secret,
		"h/p?clientID=a&clientSecret=" + secret + "&timeout=x",
		"h/p?authType=oauth-m2m&clientSecret=" + secret,
		"h/p?clientID=a&clientSecret=" + secret + "&clientSecret=" + secret,
		"token:" + secret + "@h/p?pollMin=9&pollMax=1",
		"token:" + secret + "?@h/p",
		"token:a?" + secret + "%zz=1@h/p",
		"token:a?" + secret + "=%zz@h/p",
		"token:a?" + secret + "=1&" + secret + "=2@h/p",
		"u:a/" + secret + "%zz?@h/p",
		"u:" + secret + "/x?@h/p",
		"token:[" + secret + "?@h/p",
		"token:[::1]" + secret + "?@h/p",
	} {
		_, err := ParseDSN(dsn)
		if err == nil {
			t.Errorf("ParseDSN(%q) succeeded", dsn)
			continue
		}
		if strings.Contains(err.Error(), secret[:6]) {
			t.Errorf("ParseDSN(%q) error shows the secret: %v", dsn, err)
		}
	}
}

// TestWriteFuzzCorpus rewrites testdata/fuzz/FuzzParseDSN from dsnCases when
// DSN_WRITE_CORPUS is set.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("DSN_WRITE_CORPUS") == "" {
		t.Skip("set DSN_WRITE_CORPUS=1 to rewrite the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParseDSN")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, tc := range dsnCases {
		data := fmt.Sprintf("go test fuzz v1\nstring(%q)\n", tc.dsn)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("case-%02d", i)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzParseDSN checks that Parse→Format→Parse reaches a fixed point and that
// nothing panics.
func FuzzParseDSN(f *testing.F) {
	for _, tc := range dsnCases {
		f.Add(tc.dsn)
	}
	for name, v := range dsnParamSamples {
		f.Add("h/p?" + name + "=" + url.QueryEscape(v))
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		c, err := ParseDSN(dsn)
		if err != nil {
			return
		}
		s := c.FormatDSN()
		c2, err := ParseDSN(s)
		if err != nil {
			t.Fatalf("ParseDSN(FormatDSN(ParseDSN(%q))) = ParseDSN(%q): %v", dsn, s, err)
		}
		if err := sameConfig(c, c2); err != nil {
			t.Fatalf("%q → %q: %v", dsn, s, err)
		}
		if s2 := c2.FormatDSN(); s2 != s {
			t.Fatalf("FormatDSN not stable: %q then %q", s, s2)
		}
		_ = c.String()
	})
}

func ExampleParseDSN() {
	cfg, err := ParseDSN("token:dapi0123@adb-1.azuredatabricks.net/sql/1.0/warehouses/abc?catalog=main&timeout=30&ansi_mode=true")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Host, cfg.Port, cfg.HTTPPath)
	fmt.Println(cfg.Catalog, cfg.QueryTimeout, cfg.SessionParams)
	fmt.Println(cfg) // secrets redacted
	// Output:
	// adb-1.azuredatabricks.net 443 /sql/1.0/warehouses/abc
	// main 30s map[ansi_mode:true]
	// token:xxxxx@adb-1.azuredatabricks.net/sql/1.0/warehouses/abc?ansi_mode=true&catalog=main&timeout=30
}

func ExampleConfig_FormatDSN() {
	cfg := NewConfig()
	cfg.Host, cfg.HTTPPath = "spark-host", "/cliservice"
	cfg.Protocol, cfg.Port = "http", 10001
	cfg.Username, cfg.Password = "spark", NewSecret("p@ss")
	cfg.PollMax = 2 * time.Second
	fmt.Println(cfg.FormatDSN())
	// Output:
	// spark:p%40ss@spark-host:10001/cliservice?pollMax=2&protocol=http
}
