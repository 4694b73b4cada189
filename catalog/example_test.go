package catalog_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"

	"github.com/asyncsql/databricks/catalog"
	_ "github.com/asyncsql/databricks/driver"
)

// The tables of one schema and the columns of one of them, whose name
// holds an '_' that must not match any character.
func Example() {
	db, err := sql.Open("databricks", "token:dapi...@adb-123.azuredatabricks.net/sql/1.0/warehouses/abc")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()

	tables, err := catalog.ListTables(ctx, db, catalog.Filter{Catalog: "main", Schema: "sales", TableTypes: []string{"TABLE", "VIEW"}})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tables {
		fmt.Println(t.Schema, t.Name, t.Type)
	}
	cols, err := catalog.ListColumns(ctx, db, catalog.Filter{Catalog: "main", Schema: "sales", Table: catalog.EscapePattern("order_items")})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range cols {
		fmt.Println(c.Name, c.TypeName, c.Nullable)
	}
}
