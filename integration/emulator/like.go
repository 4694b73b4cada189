package emulator

import (
	"errors"
	"unicode"
	"unicode/utf8"
)

// likeToken is one element of a compiled LIKE pattern.
type likeToken struct {
	// any is '%': any run of characters; one is '_': one character;
	// otherwise lit is a literal character.
	any, one bool
	lit      rune
}

// compileLike compiles a metadata pattern as HiveServer2 defines it: SQL
// LIKE, '%' any run of characters, '_' exactly one, '\' makes the next
// character literal (so "\_" is an underscore). Names match without case,
// as Databricks' identifiers do. A pattern ending in a lone '\' is an error.
func compileLike(p string) (func(string) bool, error) {
	if !utf8.ValidString(p) {
		return nil, errors.New("the pattern is not valid UTF-8")
	}
	var toks []likeToken
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRuneInString(p[i:])
		i += n
		switch r {
		case '%':
			if len(toks) == 0 || !toks[len(toks)-1].any {
				toks = append(toks, likeToken{any: true})
			}
		case '_':
			toks = append(toks, likeToken{one: true})
		case '\\':
			if i == len(p) {
				return nil, errors.New(`the pattern ends with the escape character '\'`)
			}
			r, n = utf8.DecodeRuneInString(p[i:])
			i += n
			toks = append(toks, likeToken{lit: r})
		default:
			toks = append(toks, likeToken{lit: r})
		}
	}
	return func(s string) bool { return likeMatch(toks, []rune(s)) }, nil
}

// likeMatch matches s against toks, backtracking only to the last '%'
// (time bounded by len(toks)*len(s)).
func likeMatch(toks []likeToken, s []rune) bool {
	ti, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case ti < len(toks) && toks[ti].any:
			star, mark = ti, si
			ti++
		case ti < len(toks) && (toks[ti].one || foldEq(toks[ti].lit, s[si])):
			ti++
			si++
		case star >= 0:
			ti = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].any {
		ti++
	}
	return ti == len(toks)
}

// foldEq compares two characters without case.
func foldEq(a, b rune) bool {
	if a == b {
		return true
	}
	return unicode.SimpleFold(a) == b || unicode.ToLower(a) == unicode.ToLower(b)
}
