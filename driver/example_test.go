package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"math/big"
	"time"

	"github.com/asyncsql/databricks/driver"
)

func Example() {
	cfg := driver.NewConfig()
	cfg.Host = "adb-123.azuredatabricks.net"
	cfg.HTTPPath = "/sql/1.0/warehouses/abc"
	c, err := driver.NewConnector(cfg, driver.WithAccessToken("dapi..."))
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()

	ctx := driver.WithStatementIDCallback(context.Background(), func(id string) {
		log.Printf("statement %s submitted", id)
	})
	var n int64
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM samples.nyctaxi.trips WHERE fare_amount > ?", 10.5).Scan(&n)
	var se *driver.ServerError
	if errors.As(err, &se) {
		log.Fatalf("SQLSTATE %s: %s (statement %s)", se.SQLState, se.Message, se.StatementID)
	}
}

func ExampleDecimal() {
	d, _ := driver.ParseDecimal("-12.50")
	fmt.Println(d, d.Scale, d.Precision(), d.Rat())
	fmt.Println(driver.Decimal{Unscaled: big.NewInt(5), Scale: 3})
	// Output:
	// -12.50 2 4 -25/2
	// 0.005
}

func ExampleJSON() {
	// ARRAY, MAP and STRUCT columns arrive as JSON text.
	var tags driver.JSON[[]string]
	_ = tags.Scan(`["a","b"]`)
	fmt.Println(tags.V, tags.Valid)
	// Output: [a b] true
}

func ExampleConnector_SubmitDetached() {
	var c *driver.Connector // from driver.NewConnector
	ctx := context.Background()
	ref, _, err := c.SubmitDetached(ctx, "SELECT * FROM big_table")
	if err != nil {
		log.Fatal(err)
	}
	token, _ := ref.MarshalBinary() // persist it to follow the statement from any process
	_ = token
	for {
		st, err := c.OperationStatus(ctx, ref)
		if err != nil {
			log.Fatal(err)
		}
		if st.Terminal() {
			break
		}
		time.Sleep(time.Second)
	}
	rows, err := c.OperationRows(ctx, ref) // as often as needed, from the first row
	if err != nil {
		log.Fatal(err)
	}
	rows.Close()
	_ = c.CloseOperation(ctx, ref) // the application is done with the result
}

func ExampleQueryArrow() {
	var db *sql.DB
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	it, err := driver.QueryArrow(ctx, conn, "SELECT * FROM range(1000000)")
	if err != nil {
		log.Fatal(err)
	}
	defer it.Close()
	for it.Next() {
		fmt.Println(it.Record().NumRows())
	}
	if err := it.Err(); err != nil {
		log.Fatal(err)
	}
}

func ExampleTypedParam() {
	var db *sql.DB
	_, _ = db.ExecContext(context.Background(), "INSERT INTO t VALUES (:d, :amount)",
		sql.Named("d", driver.TypedParam("DATE", "2024-01-31")),
		sql.Named("amount", driver.Decimal{Unscaled: big.NewInt(1999), Scale: 2}))
}
