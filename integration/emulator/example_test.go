package emulator_test

import (
	"database/sql"
	"errors"
	"fmt"
	"log"
	"regexp"

	"github.com/asyncsql/databricks/driver"
	"github.com/asyncsql/databricks/integration/emulator"
)

// A warehouse for a test: a query, a scripted failure with its SQLSTATE,
// and the status polls the driver sent, from the request log. In a test,
// emulator.Start(t, ...) replaces New and Close.
func Example() {
	s, err := emulator.New(emulator.WithScript(emulator.Script{
		Match: regexp.MustCompile(`^SELECT 'boom'`),
		Steps: []emulator.Step{{State: emulator.StateRunning, Polls: 2}},
		End:   emulator.StateError, SQLState: "22012", ErrorClass: "DIVIDE_BY_ZERO", Message: "Division by zero.",
	}))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("databricks", s.DSN())
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	var n int64
	if err := db.QueryRow("SELECT count(*) FROM range(10)").Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println("rows:", n)

	err = db.QueryRow("SELECT 'boom'").Scan(new(string))
	var se *driver.ServerError
	if errors.As(err, &se) {
		fmt.Println("SQLSTATE:", se.SQLState)
	}
	for _, r := range s.Requests().Of(emulator.GetOperationStatus) {
		line := string(r.Method) + " " + r.State.String()
		if r.SQLState != "" {
			line += " " + r.SQLState
		}
		fmt.Println(line)
	}
	// Output:
	// rows: 10
	// SQLSTATE: 22012
	// GetOperationStatus RUNNING
	// GetOperationStatus RUNNING
	// GetOperationStatus ERROR 22012
}
