package colset

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// errText reports Hive text that does not parse; the text itself is not
// included, as it is row data.
var errText = errors.New("invalid text")

// parseDecimal checks s, the text of a DECIMAL value ([+-]digits[.digits]),
// and pads its fraction with zeros to scale digits.
func parseDecimal(s string, scale int) (string, error) {
	body := s
	neg := false
	if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
		neg = body[0] == '-'
		body = body[1:]
	}
	intPart, frac, hasPoint := strings.Cut(body, ".")
	if !allDigits(intPart) || (hasPoint && !allDigits(frac)) {
		return "", fmt.Errorf("%w for DECIMAL", errText)
	}
	if len(frac) >= scale && s[0] != '+' {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s) + scale + 2)
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(intPart)
	if scale > 0 || hasPoint {
		b.WriteByte('.')
		b.WriteString(frac)
		for range scale - len(frac) {
			b.WriteByte('0')
		}
	}
	return b.String(), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDate parses DATE text "2006-01-02" to midnight UTC of that date.
func parseDate(s string) (time.Time, error) {
	y, m, d, ok := parseYMD(s)
	if !ok || len(s) != 10 {
		return time.Time{}, fmt.Errorf("%w for DATE", errText)
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// parseTimestamp parses TIMESTAMP text "2006-01-02 15:04:05[.fffffffff]"
// (a 'T' may separate date and time) as a wall-clock time in loc. Text
// with a zone suffix ("Z", "+07:00", "+0700") is the instant it names,
// returned in loc.
func parseTimestamp(s string, loc *time.Location) (time.Time, error) {
	bad := fmt.Errorf("%w for TIMESTAMP", errText)
	y, mo, d, ok := parseYMD(s)
	if !ok || len(s) < 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, bad
	}
	h, ok1 := num(s[11:13])
	mi, ok2 := num(s[14:16])
	sec, ok3 := num(s[17:19])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, bad
	}
	ns := 0
	rest := s[19:]
	if rest != "" && rest[0] == '.' {
		j := 1
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		frac := rest[1:j]
		if len(frac) == 0 || len(frac) > 9 {
			return time.Time{}, bad
		}
		n, _ := num(frac)
		for range 9 - len(frac) {
			n *= 10
		}
		ns = n
		rest = rest[j:]
	}
	if rest == "" {
		return time.Date(y, time.Month(mo), d, h, mi, sec, ns, loc), nil
	}
	// A zone suffix makes the text an instant, shown in loc.
	zone, ok := parseZone(rest)
	if !ok {
		return time.Time{}, bad
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ns, zone).In(loc), nil
}

// parseZone parses "Z", "+07:00" or "+0700".
func parseZone(s string) (*time.Location, bool) {
	if s == "Z" {
		return time.UTC, true
	}
	if len(s) != 6 && len(s) != 5 || (s[0] != '+' && s[0] != '-') {
		return nil, false
	}
	mm := s[3:]
	if len(s) == 6 {
		if s[3] != ':' {
			return nil, false
		}
		mm = s[4:]
	}
	h, ok1 := num(s[1:3])
	m, ok2 := num(mm)
	if !ok1 || !ok2 || h > 18 || m > 59 {
		return nil, false
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return time.FixedZone("", off), true
}

// parseYMD parses the "2006-01-02" prefix of s and checks the date exists.
func parseYMD(s string) (y, m, d int, ok bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// num parses a short run of ASCII digits.
func num(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
