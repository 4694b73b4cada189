package async

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestTextOutputHidesSecrets(t *testing.T) {
	e := tokenCases()["failed"]
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("saved", "exc", e)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("saved", "exc", e, "value", *e)
	outputs := map[string]string{
		"String":   e.String(),
		"%v":       fmt.Sprintf("%v", e),
		"%+v":      fmt.Sprintf("%+v", e),
		"%#v":      fmt.Sprintf("%#v", e),
		"%s value": fmt.Sprintf("%s", *e),
		"%#v val":  fmt.Sprintf("%#v", *e),
		"%d":       fmt.Sprintf("%d", *e),
		"%x":       fmt.Sprintf("%x %X", e, *e),
		"%+v ref":  fmt.Sprintf("%+v %d %x", e.Ref, e.Ref, e.Ref),
		"%q":       fmt.Sprintf("%q", e),
		"slog":     logs.String(),
	}
	for name, out := range outputs {
		if !strings.Contains(out, e.StatementID()) {
			t.Errorf("%s: %q lacks the statement ID", name, out)
		}
		for _, secret := range [][]byte{testOpSecret, testSessSec} {
			for _, form := range []string{string(secret), hex.EncodeToString(secret), base64.StdEncoding.EncodeToString(secret),
				fmt.Sprint(secret), tokenPrefix} {
				if strings.Contains(out, form) {
					t.Errorf("%s: %q shows the secret as %q", name, out, form)
				}
			}
		}
	}
	if got := e.String(); got != "execution 01ef1234-5678-4abc-8def-001122334455 FAILED [42P01]" {
		t.Errorf("String() = %q", got)
	}
	var nilExc *Execution
	if nilExc.StatementID() != "" {
		t.Error("StatementID of nil")
	}
}
