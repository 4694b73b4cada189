package driver

import (
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/asyncsql/databricks/internal/defaults"
	"github.com/asyncsql/databricks/internal/hs2"
)

// dsnParam is one DSN parameter. The table dsnParams is the one description
// of the parameters: ParseDSN reads values through parse, FormatDSN writes
// them through format, and the documentation test checks that ParseDSN's doc,
// the package doc and the README list every name with its default.
type dsnParam struct {
	// name is the canonical spelling; names match without regard to case.
	name string
	// def is the default as the documentation writes it (a DSN value that
	// parses to the default), or "" when there is none or it depends on
	// other parameters.
	def string
	// preset says whether NewConfig writes def into the field. For the
	// others the zero field stands for the default, and NewConfig leaves it
	// zero (MaxDownloads, RetryMax, RetryBudget).
	preset presetKind
	// parse sets the parameter of c from a DSN value.
	parse func(c *Config, val string) error
	// format returns the value of the parameter of c as a DSN writes it, and
	// whether it is written at all: a field that holds what NewConfig holds
	// is left out, so that ParseDSN of the DSN gives back the same fields.
	format func(c *Config, reveal revealSecrets) (string, bool)
}

// presetKind says whether NewConfig writes a parameter's default into its
// field or leaves the field zero.
type presetKind bool

const (
	presetByNewConfig presetKind = true
	zeroMeansDefault  presetKind = false
)

// revealSecrets says whether formatDSN writes secrets or masks them.
type revealSecrets bool

const (
	maskSecrets revealSecrets = false
	showSecrets revealSecrets = true
)

// show writes s, masked unless r says to reveal it.
func (r revealSecrets) show(s Secret) string {
	if r {
		return s.Reveal()
	}
	return s.String()
}

// The authType values: OAuth machine-to-machine and token federation.
const (
	authTypeM2M        = "oauth-m2m"
	authTypeFederation = "token-federation"
	authTypeU2M        = "oauth-u2m"
)

// dsnParams are the DSN parameters the driver knows.
var dsnParams = []dsnParam{
	{name: "authType",
		parse: func(c *Config, v string) error {
			switch v {
			case authTypeM2M, authTypeFederation:
			case authTypeU2M:
				c.OAuthU2M = true
			default:
				return configErr("authType", "is not supported (want oauth-m2m, oauth-u2m or token-federation)")
			}
			return nil
		},
		format: func(c *Config, _ revealSecrets) (string, bool) {
			if c.hasFederation() {
				return authTypeFederation, true
			}
			if c.OAuthU2M {
				return authTypeU2M, true
			}
			return authTypeM2M, c.hasClientCredentials()
		}},
	{name: "backend", def: "thrift",
		parse: func(c *Config, v string) error {
			b, ok := parseBackend(v)
			if !ok {
				return configErr("backend", "is neither thrift nor rest")
			}
			c.Backend = b
			return nil
		},
		format: func(c *Config, _ revealSecrets) (string, bool) {
			return c.Backend.String(), c.Backend != BackendThrift
		}},
	stringParam("catalog", func(c *Config) *string { return &c.Catalog }),
	{name: "clientID",
		parse:  func(c *Config, v string) error { c.ClientID = v; return nil },
		format: func(c *Config, _ revealSecrets) (string, bool) { return c.ClientID, c.ClientID != "" }},
	{name: "clientSecret",
		parse: func(c *Config, v string) error { c.ClientSecret = NewSecret(v); return nil },
		format: func(c *Config, r revealSecrets) (string, bool) {
			return r.show(c.ClientSecret), c.hasClientCredentials()
		}},
	stringParam("federatedTokenEnv", func(c *Config) *string { return &c.FederatedTokenEnv }),
	stringParam("federatedTokenFile", func(c *Config) *string { return &c.FederatedTokenFile }),
	stringParam("federationClientID", func(c *Config) *string { return &c.FederationClientID }),
	{name: "location", def: "UTC", preset: presetByNewConfig,
		parse: func(c *Config, v string) error {
			loc, err := time.LoadLocation(v)
			if err != nil {
				return configErr("location", "is not a known IANA time zone")
			}
			c.Location = loc
			return nil
		},
		format: func(c *Config, _ revealSecrets) (string, bool) {
			loc := c.location().String()
			return loc, loc != "UTC"
		}},
	countParam("maxDownloads", defaults.MaxDownloads, func(c *Config) *int { return &c.MaxDownloads }),
	{name: "maxRows", def: strconv.Itoa(defaults.MaxRows), preset: presetByNewConfig,
		parse: func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return configErr("maxRows", "is not a positive integer")
			}
			c.MaxRows = n
			return nil
		},
		format: func(c *Config, _ revealSecrets) (string, bool) {
			return strconv.FormatInt(c.MaxRows, 10), c.MaxRows != 0 && c.MaxRows != defaults.MaxRows
		}},
	durationParam("pollMax", defaults.PollMax, positive, presetByNewConfig, func(c *Config) *time.Duration { return &c.PollMax }),
	durationParam("pollMin", defaults.PollMin, positive, presetByNewConfig, func(c *Config) *time.Duration { return &c.PollMin }),
	{name: "protocol",
		parse: func(c *Config, v string) error {
			if v != "http" && v != "https" {
				return configErr("protocol", "is neither http nor https")
			}
			c.Protocol = v
			return nil
		},
		format: func(c *Config, _ revealSecrets) (string, bool) {
			p := c.protocol()
			return p, p != defaultProtocol(c.Host)
		}},
	{name: "queryTags",
		parse: func(c *Config, v string) error {
			tags, err := hs2.ParseQueryTags(v)
			if err != nil {
				return configErr("queryTags", "%s", strings.TrimPrefix(err.Error(), hs2.ErrQueryTag.Error()+": "))
			}
			c.QueryTags = tags
			return nil
		},
		format: func(c *Config, _ revealSecrets) (string, bool) {
			return hs2.FormatQueryTags(c.QueryTags), len(c.QueryTags) > 0
		}},
	{name: "stagingAllowedPaths",
		parse: func(c *Config, v string) error {
			c.StagingAllowedPaths = filepath.SplitList(v)
			return nil
		},
		format: func(c *Config, _ revealSecrets) (string, bool) {
			return strings.Join(c.StagingAllowedPaths, string(filepath.ListSeparator)), len(c.StagingAllowedPaths) > 0
		}},
	durationParam("retryBudget", defaults.RetryBudget, zeroAllowed, zeroMeansDefault, func(c *Config) *time.Duration { return &c.RetryBudget }),
	countParam("retryMax", defaults.RetryMax, func(c *Config) *int { return &c.RetryMax }),
	stringParam("schema", func(c *Config) *string { return &c.Schema }),
	durationParam("timeout", 0, zeroAllowed, zeroMeansDefault, func(c *Config) *time.Duration { return &c.QueryTimeout }),
	boolParam("useArrow", true, func(c *Config) *bool { return &c.UseArrow }),
	boolParam("useArrowComplexTypes", false, func(c *Config) *bool { return &c.UseArrowComplexTypes }),
	boolParam("useCloudFetch", true, func(c *Config) *bool { return &c.UseCloudFetch }),
	boolParam("useLZ4", true, func(c *Config) *bool { return &c.UseLZ4 }),
	stringParam("userAgentEntry", func(c *Config) *string { return &c.UserAgentEntry }),
	durationParam("waitTimeout", defaultWaitTimeout, positive, zeroMeansDefault, func(c *Config) *time.Duration { return &c.WaitTimeout }),
}

// dsnParamIndex maps the lower-case name of each DSN parameter to its entry.
var dsnParamIndex = func() map[string]*dsnParam {
	m := make(map[string]*dsnParam, len(dsnParams))
	for i := range dsnParams {
		m[strings.ToLower(dsnParams[i].name)] = &dsnParams[i]
	}
	return m
}()

// lookupDSNParam returns the known DSN parameter of name, matched without
// regard to case.
func lookupDSNParam(name string) (*dsnParam, bool) {
	p, ok := dsnParamIndex[strings.ToLower(name)]
	return p, ok
}

// hasClientCredentials reports whether c holds OAuth machine-to-machine
// credentials, complete or not.
func (c *Config) hasClientCredentials() bool { return c.ClientID != "" || !c.ClientSecret.IsZero() }

// hasFederation reports whether c configures token federation, complete or
// not.
func (c *Config) hasFederation() bool {
	return c.FederatedTokenFile != "" || c.FederatedTokenEnv != "" || c.FederatedTokenSource != nil || c.FederationClientID != ""
}

// stringParam is a parameter of free text without a default.
func stringParam(name string, field func(*Config) *string) dsnParam {
	return dsnParam{name: name,
		parse:  func(c *Config, v string) error { *field(c) = v; return nil },
		format: func(c *Config, _ revealSecrets) (string, bool) { return *field(c), *field(c) != "" }}
}

// boolParam is a parameter of true or false. NewConfig writes its default,
// since a false field turns the feature off.
func boolParam(name string, def bool, field func(*Config) *bool) dsnParam {
	return dsnParam{name: name, def: strconv.FormatBool(def), preset: presetByNewConfig,
		parse: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return configErr(name, "is not true or false")
			}
			*field(c) = b
			return nil
		},
		format: func(c *Config, _ revealSecrets) (string, bool) {
			return strconv.FormatBool(*field(c)), *field(c) != def
		}}
}

// countParam is a parameter of a non-negative integer whose zero means def;
// NewConfig leaves it zero.
func countParam(name string, def int, field func(*Config) *int) dsnParam {
	return dsnParam{name: name, def: strconv.Itoa(def),
		parse: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return configErr(name, "is not a non-negative integer")
			}
			*field(c) = n
			return nil
		},
		format: func(c *Config, _ revealSecrets) (string, bool) {
			n := *field(c)
			return strconv.Itoa(n), n != 0
		}}
}

// zeroDuration says whether a duration parameter accepts zero.
type zeroDuration bool

const (
	zeroAllowed zeroDuration = true
	positive    zeroDuration = false
)

// durationParam is a parameter of a duration whose zero means def (no
// default when def is zero).
func durationParam(name string, def time.Duration, zero zeroDuration, preset presetKind, field func(*Config) *time.Duration) dsnParam {
	p := dsnParam{name: name, preset: preset,
		parse: func(c *Config, v string) error {
			d, err := parseDuration(name, v)
			if err != nil {
				return err
			}
			if d == 0 && zero == positive {
				return configErr(name, "must be positive")
			}
			*field(c) = d
			return nil
		},
		format: func(c *Config, _ revealSecrets) (string, bool) {
			d := *field(c)
			return formatDuration(d), d != 0 && (preset == zeroMeansDefault || d != def)
		}}
	if def != 0 {
		p.def = docDuration(def)
	}
	return p
}

// parseDuration reads a number of seconds or a Go duration, not negative.
func parseDuration(name, val string) (time.Duration, error) {
	var d time.Duration
	if f, err := strconv.ParseFloat(val, 64); err == nil && !strings.ContainsAny(val, "xXpPnNiI_") {
		sec := f * float64(time.Second)
		if sec < 0 || sec > math.MaxInt64/2 {
			return 0, configErr(name, "is out of range")
		}
		d = time.Duration(sec)
	} else {
		d, err = time.ParseDuration(val)
		if err != nil {
			return 0, configErr(name, "is neither seconds nor a duration")
		}
	}
	if d < 0 {
		return 0, configErr(name, "must not be negative")
	}
	return d, nil
}

// formatDuration writes whole seconds as a number, anything else as a Go
// duration.
func formatDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10)
	}
	return d.String()
}

// docDuration writes d as the documentation does: a Go duration without
// trailing zero units ("2m", not "2m0s").
func docDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
