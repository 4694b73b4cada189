package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"text/template"

	"github.com/stretchr/testify/assert"
)

const plain = "dapi-S3cr3t-T0ken-4242"

// forms are the encodings under which a leaked secret could show.
func forms(s string) []string {
	b := []byte(s)
	return []string{
		s,
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		fmt.Sprintf("%d", b),
		fmt.Sprintf("% x", b),
		fmt.Sprintf("%#v", b),
	}
}

// assertNoLeak fails when out holds the secret in any of its forms.
func assertNoLeak(t *testing.T, what, out string) {
	t.Helper()
	for _, f := range forms(plain) {
		if strings.Contains(out, f) {
			t.Errorf("%s: output %q holds the secret (as %q)", what, out, f)
			return
		}
	}
}

// verbs is every fmt verb with the flags that change how values print.
var verbs = func() []string {
	var vs []string
	for _, v := range "vsqxXdobcUeEfFgGtpT" {
		for _, flag := range []string{"", "+", "#", "-", " ", "0", "12", "-12", "+#", ".3"} {
			vs = append(vs, "%"+flag+string(v))
		}
	}
	return vs
}()

type exported struct {
	Token String
	Data  Bytes
}

type unexported struct {
	name  string
	token String
	data  Bytes
}

type nested struct {
	inner   unexported
	ptr     *unexported
	any     any
	list    []String
	byName  map[string]Bytes
	arr     [2]String
	pointer *String
}

// values are secrets in every position a printer can reach them.
func values() map[string]any {
	s, b := NewString(plain), NewBytes([]byte(plain))
	u := unexported{name: "n", token: s, data: b}
	n := nested{inner: u, ptr: &u, any: s, list: []String{s}, byName: map[string]Bytes{"k": b}, arr: [2]String{s, s}, pointer: &s}
	return map[string]any{
		"String":           s,
		"*String":          &s,
		"Bytes":            b,
		"*Bytes":           &b,
		"exported fields":  exported{Token: s, Data: b},
		"*exported fields": &exported{Token: s, Data: b},
		"unexported":       u,
		"*unexported":      &u,
		"nested":           n,
		"*nested":          &n,
		"[]any":            []any{s, b, u},
		"map":              map[String]Bytes{s: b},
	}
}

func TestFmtEveryVerb(t *testing.T) {
	vals := values()
	// fmt prints a reflect.Value of an unexported field by reflection too.
	u := unexported{token: NewString(plain), data: NewBytes([]byte(plain))}
	vals["reflect.Value of a String field"] = reflect.ValueOf(u).FieldByName("token")
	vals["reflect.Value of a Bytes field"] = reflect.ValueOf(u).FieldByName("data")
	vals["reflect.Value of a struct"] = reflect.ValueOf(u)
	for name, v := range vals {
		for _, verb := range verbs {
			assertNoLeak(t, name+" "+verb, fmt.Sprintf(verb, v))
		}
		assertNoLeak(t, name+" Sprint", fmt.Sprint(v))
		assertNoLeak(t, name+" Sprintln", fmt.Sprintln(v))
	}
}

func TestPrintedForm(t *testing.T) {
	s, b := NewString(plain), NewBytes([]byte(plain))
	for _, tc := range []struct{ format, want string }{
		{"%v", "xxxxx"},
		{"%s", "xxxxx"},
		{"%d", "xxxxx"},
		{"%x", "xxxxx"},
		{"%q", `"xxxxx"`},
		{"%#v", `secret.String("xxxxx")`},
		{"%7v|", "  xxxxx|"},
		{"%-7s|", "xxxxx  |"},
	} {
		assert.Equal(t, tc.want, fmt.Sprintf(tc.format, s), tc.format)
	}
	assert.Equal(t, `secret.Bytes("xxxxx")`, fmt.Sprintf("%#v", b))
	assert.Equal(t, "xxxxx", b.String())
	assert.Equal(t, `secret.String("xxxxx")`, s.GoString())
	assert.Equal(t, "{xxxxx xxxxx}", fmt.Sprint(exported{Token: s, Data: b}))

	var zero String
	assert.Equal(t, "", fmt.Sprint(zero), "the empty secret prints as nothing")
	assert.Equal(t, `""`, fmt.Sprintf("%q", zero))
	assert.Equal(t, "", Bytes{}.String())
}

func TestReveal(t *testing.T) {
	s := NewString(plain)
	assert.Equal(t, plain, s.Reveal())
	assert.False(t, s.IsZero())
	assert.True(t, NewString("").IsZero())
	assert.Equal(t, "", String{}.Reveal())

	src := []byte(plain)
	b := NewBytes(src)
	src[0] = 'X'
	assert.Equal(t, []byte(plain), b.Reveal(), "NewBytes copies")
	got := b.Reveal()
	got[1] = 'Y'
	assert.Equal(t, []byte(plain), b.Reveal(), "Reveal returns a copy")
	assert.Equal(t, len(plain), b.Len())
	assert.Nil(t, Bytes{}.Reveal())
	assert.True(t, NewBytes(nil).IsZero())
	assert.Equal(t, 0, Bytes{}.Len())
}

func TestEqual(t *testing.T) {
	assert.True(t, NewString(plain).Equal(NewString(plain)))
	assert.False(t, NewString(plain).Equal(NewString(plain+"x")))
	assert.False(t, NewString(plain).Equal(String{}))
	assert.True(t, String{}.Equal(NewString("")))
	assert.True(t, NewBytes([]byte{1, 2}).Equal(NewBytes([]byte{1, 2})))
	assert.False(t, NewBytes([]byte{1, 2}).Equal(NewBytes([]byte{1, 3})))
	// Equal secrets are deeply equal, so structs holding them compare in tests.
	assert.True(t, reflect.DeepEqual(exported{Token: NewString(plain)}, exported{Token: NewString(plain)}))
	assert.False(t, reflect.DeepEqual(exported{Token: NewString(plain)}, exported{Token: NewString("other")}))
}

// TestMaskedInMemory checks that the bytes a reflection-based printer can
// reach are not the secret.
func TestMaskedInMemory(t *testing.T) {
	s := NewString(plain)
	assertNoLeak(t, "sealed bytes", string(s.s.b))
	b := NewBytes([]byte(plain))
	assertNoLeak(t, "sealed bytes", string(b.s.b))
}

func TestSlog(t *testing.T) {
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"json", func(w *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(w, nil) }},
		{"text", func(w *bytes.Buffer) slog.Handler { return slog.NewTextHandler(w, nil) }},
	} {
		for name, v := range values() {
			var buf bytes.Buffer
			l := slog.New(h.new(&buf))
			l.Info("msg", "v", v, slog.Group("g", slog.Any("v", v)))
			l.With("w", v).Info("msg")
			assertNoLeak(t, h.name+" "+name, buf.String())
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("msg", "token", NewString(plain))
	assert.Contains(t, buf.String(), `"token":"xxxxx"`)
}

func TestEncoders(t *testing.T) {
	s, b := NewString(plain), NewBytes([]byte(plain))
	for name, v := range values() {
		if out, err := json.Marshal(v); err == nil {
			assertNoLeak(t, "json "+name, string(out))
		}
		if out, err := xml.Marshal(v); err == nil {
			assertNoLeak(t, "xml "+name, string(out))
		}
		var tb strings.Builder
		if err := template.Must(template.New("").Parse("{{.}}")).Execute(&tb, v); err == nil {
			assertNoLeak(t, "template "+name, tb.String())
		}
	}
	out, err := json.Marshal(exported{Token: s, Data: b})
	assert.NoError(t, err)
	assert.Equal(t, `{"Token":"xxxxx","Data":"xxxxx"}`, string(out))
	out, err = json.Marshal(map[String]int{s: 1})
	assert.NoError(t, err)
	assert.Equal(t, `{"xxxxx":1}`, string(out))

	var buf bytes.Buffer
	err = gob.NewEncoder(&buf).Encode(exported{Token: s, Data: b})
	assert.ErrorIs(t, err, ErrNotEncodable, "gob refuses")
	assertNoLeak(t, "gob", buf.String())
	assertNoLeak(t, "gob error", fmt.Sprint(err))
}

// recorder is a testing.T that keeps the failure messages of assertions.
type recorder struct{ msgs []string }

func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

// TestAssertionDiff checks the output of a failed testify assertion, whose
// diff walks unexported fields and follows pointers.
func TestAssertionDiff(t *testing.T) {
	s := NewString(plain)
	u := unexported{name: "a", token: s, data: NewBytes([]byte(plain))}
	var r recorder
	assert.Equal(&r, u, unexported{name: "b", token: s})
	assert.Equal(&r, &nested{inner: u, pointer: &s}, &nested{ptr: &u})
	if len(r.msgs) != 2 {
		t.Fatalf("got %d failure messages, want 2", len(r.msgs))
	}
	for _, m := range r.msgs {
		assertNoLeak(t, "assertion diff", m)
	}
}

func FuzzFormat(f *testing.F) {
	f.Add("dapi0123456789abcdef", "%v")
	f.Add("p@ss:w%rd?x=1&y", "%#v")
	f.Add("\x00\xff\xfe", "%x")
	f.Add("12345678", "%08d %s %q")
	f.Fuzz(func(t *testing.T, value, format string) {
		// fmt pads to any width up to ten million for every field of every
		// argument: a long number in the format only costs memory.
		digits := 0
		for _, c := range format {
			if digits++; c < '0' || c > '9' {
				digits = 0
			}
			if digits > 3 {
				t.Skip("width or precision of more than three digits")
			}
		}
		const mark = "SECRET-MARK"
		v := mark + value
		s, b := NewString(v), NewBytes([]byte(v))
		if s.Reveal() != v || string(b.Reveal()) != v {
			t.Fatalf("Reveal does not give back the value")
		}
		u := unexported{token: s, data: b}
		for _, arg := range []any{s, &s, b, u, &u, nested{inner: u, any: b, pointer: &s}} {
			out := fmt.Sprintf(format, arg, arg)
			if strings.Contains(out, mark) {
				t.Fatalf("Sprintf(%q) = %q holds the secret", format, out)
			}
		}
	})
}
