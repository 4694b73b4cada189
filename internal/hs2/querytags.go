package hs2

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The wire names of query tags: the session configuration key that holds a
// session's tags and the confOverlay key of ExecuteStatement that holds one
// statement's tags. Both values are in the form FormatQueryTags writes.
const (
	SessionTagsKey   = "QUERY_TAGS"
	StatementTagsKey = "query_tags"
)

// ErrQueryTag reports query tags the wire form cannot carry.
var ErrQueryTag = errors.New("databricks: invalid query tag")

// CheckQueryTags reports whether every key of tags can be sent: not empty
// and without ',' or ':', which the server does not unescape in keys.
func CheckQueryTags(tags map[string]string) error {
	for k := range tags {
		if k == "" {
			return fmt.Errorf("%w: empty key", ErrQueryTag)
		}
		if strings.ContainsAny(k, ",:") {
			return fmt.Errorf("%w: key %q contains ',' or ':'", ErrQueryTag, k)
		}
	}
	return nil
}

// FormatQueryTags writes tags in the wire form: key:value pairs joined by
// ',', in sorted key order. A '\' in a key and a '\', ':' or ',' in a value
// is preceded by '\'; a tag with an empty value is its key alone. The keys
// must pass CheckQueryTags.
func FormatQueryTags(tags map[string]string) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(tags)) {
		if i > 0 {
			b.WriteByte(',')
		}
		escapeTag(&b, k, `\`)
		if v := tags[k]; v != "" {
			b.WriteByte(':')
			escapeTag(&b, v, `\:,`)
		}
	}
	return b.String()
}

// escapeTag writes s with a '\' before each byte in special (all ASCII),
// byte for byte, so that text that is not UTF-8 passes unchanged.
func escapeTag(b *strings.Builder, s, special string) {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
}

// ParseQueryTags reads the wire form FormatQueryTags writes: pairs split at
// each ',' and key from value at the first ':' not preceded by '\', "\x"
// standing for x. An empty string is no tags; an empty pair, an empty or
// repeated key and a trailing lone '\' are errors.
func ParseQueryTags(s string) (map[string]string, error) {
	tags := map[string]string{}
	if s == "" {
		return tags, nil
	}
	var key, cur strings.Builder
	inValue := false
	end := func() error {
		k, v := cur.String(), ""
		if inValue {
			k, v = key.String(), cur.String()
		}
		if k == "" {
			return fmt.Errorf("%w: empty key", ErrQueryTag)
		}
		if _, dup := tags[k]; dup {
			return fmt.Errorf("%w: key %q appears twice", ErrQueryTag, k)
		}
		tags[k] = v
		key.Reset()
		cur.Reset()
		inValue = false
		return nil
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			if i+1 == len(s) {
				return nil, fmt.Errorf("%w: trailing '\\'", ErrQueryTag)
			}
			i++
			cur.WriteByte(s[i])
		case c == ',':
			if err := end(); err != nil {
				return nil, err
			}
		case c == ':' && !inValue:
			key.WriteString(cur.String())
			cur.Reset()
			inValue = true
		default:
			cur.WriteByte(c)
		}
	}
	if err := end(); err != nil {
		return nil, err
	}
	return tags, nil
}
