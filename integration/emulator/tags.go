package emulator

import (
	"errors"
	"maps"
	"strings"

	"github.com/asyncsql/databricks/thrift/tcli"
)

// The keys that carry query tags: the session configuration key (any case)
// and the confOverlay key of ExecuteStatement.
const (
	sessionTagsKey   = "query_tags"
	statementTagsKey = "query_tags"
)

// parseTags reads a query-tags value: key:value pairs separated by ',', the
// key ending at the first ':'; a '\' makes the next character literal, so
// that values (and keys) may hold ',', ':' and '\'. A pair without ':' is a
// tag with an empty value.
func parseTags(s string) (map[string]string, error) {
	tags := map[string]string{}
	if s == "" {
		return tags, nil
	}
	for _, pair := range splitUnescaped(s, ',') {
		kv := splitUnescaped(pair, ':')
		k, v := kv[0], ""
		if len(kv) > 1 {
			v = pair[len(k)+1:]
		}
		key, err := unescapeTag(k)
		if err != nil {
			return nil, err
		}
		val, err := unescapeTag(v)
		if err != nil {
			return nil, err
		}
		if key == "" {
			return nil, errors.New("a query tag has an empty key")
		}
		if _, dup := tags[key]; dup {
			return nil, errors.New("query tag " + key + " is given twice")
		}
		tags[key] = val
	}
	return tags, nil
}

// splitUnescaped splits s at each sep not preceded by an escaping '\'.
func splitUnescaped(s string, sep byte) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unescapeTag drops each escaping '\'.
func unescapeTag(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			if i == len(s) {
				return "", errors.New(`a query tag ends in a lone '\'`)
			}
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

// sessionTags reads the session's query tags from its configuration.
func sessionTags(conf map[string]string) (map[string]string, error) {
	for k, v := range conf {
		if strings.EqualFold(strings.TrimPrefix(k, "set:hiveconf:"), sessionTagsKey) {
			return parseTags(v)
		}
	}
	return nil, nil
}

// statementTags merges a statement's confOverlay tags over the session's.
func statementTags(sess map[string]string, req *tcli.TExecuteStatementReq) (map[string]string, error) {
	own, err := parseTags(req.ConfOverlay[statementTagsKey])
	if err != nil {
		return nil, err
	}
	if len(sess) == 0 && len(own) == 0 {
		return nil, nil
	}
	tags := maps.Clone(sess)
	if tags == nil {
		tags = map[string]string{}
	}
	maps.Copy(tags, own)
	return tags, nil
}

// invalidTags is the status of a malformed query-tags value.
func invalidTags(err error) *tcli.TStatus {
	return errStatus("22023", "[INVALID_CONF_VALUE] invalid query tags: "+err.Error())
}
