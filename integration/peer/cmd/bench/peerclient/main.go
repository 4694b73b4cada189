package main

import (
	"database/sql"
	"fmt"
	"os"

	dbsql "github.com/databricks/databricks-sql-go"
	dblog "github.com/databricks/databricks-sql-go/logger"

	"github.com/asyncsql/databricks/integration/peer/cmd/bench/client"
)

func main() {
	_ = dblog.SetLogLevel("disabled")
	if !client.Main(open, nil) {
		fmt.Fprintln(os.Stderr, "peerclient: run by the benchmark only (set "+client.EnvSpec+")")
		os.Exit(2)
	}
}

// open connects the official driver as its README does for a warehouse;
// "localhost" makes it use http://. Page size as ours (100,000 rows);
// result links (CloudFetch) when the Spec asks for them.
func open(s client.Spec) (*sql.DB, error) {
	c, err := dbsql.NewConnector(
		dbsql.WithServerHostname("localhost"),
		dbsql.WithPort(s.Port),
		dbsql.WithHTTPPath(s.Path),
		dbsql.WithAccessToken(s.Token),
		dbsql.WithMaxRows(100000),
		dbsql.WithCloudFetch(s.CloudFetch),
	)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}
