package spark

import (
	"os"
	"strings"
	"testing"
)

// dsn returns SPARK_DSN or skips the test when it is not set.
func dsn(t testing.TB) string {
	t.Helper()
	d := os.Getenv("SPARK_DSN")
	if d == "" {
		t.Skip("SPARK_DSN not set: run `make spark-test` to test against Apache Spark's Thrift server")
	}
	return d
}

// endpoint splits SPARK_DSN ("user:pass@host:port/path?params") into the
// HTTP endpoint URL and the Basic auth credentials.
func endpoint(t testing.TB) (url, user, password string) {
	t.Helper()
	d := dsn(t)
	cred, rest, ok := strings.Cut(d, "@")
	if !ok {
		t.Fatalf("SPARK_DSN has no user:password@ part")
	}
	user, password, _ = strings.Cut(cred, ":")
	rest, _, _ = strings.Cut(rest, "?")
	return "http://" + rest, user, password
}
