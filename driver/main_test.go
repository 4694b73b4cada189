package driver

import (
	"context"
	"database/sql"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// db opens a *sql.DB over the env's connector.
func (e *testEnv) db(t testing.TB) *sql.DB {
	t.Helper()
	db := sql.OpenDB(e.c)
	t.Cleanup(func() { db.Close() })
	return db
}

// conn returns one dedicated *sql.Conn.
func (e *testEnv) conn(t *testing.T) *sql.Conn {
	t.Helper()
	cn, err := e.db(t).Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cn.Close() })
	return cn
}
