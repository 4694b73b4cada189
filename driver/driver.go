package driver

import (
	"context"
	"database/sql"

	sqldriver "database/sql/driver"
)

// DriverName is the name the driver registers with database/sql.
const DriverName = "databricks"

func init() {
	sql.Register(DriverName, &Driver{})
}

// Driver is the database/sql driver. Prefer sql.OpenDB(connector) with a
// Connector from NewConnector; sql.Open("databricks", dsn) also works.
type Driver struct {
	// c is the connector whose Driver method made this driver, if any.
	c *Connector
}

var (
	_ sqldriver.Driver        = (*Driver)(nil)
	_ sqldriver.DriverContext = (*Driver)(nil)
)

// Open implements driver.Driver: it opens one connection for dsn, with a
// connector of its own that closing the connection releases.
func (d *Driver) Open(dsn string) (sqldriver.Conn, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c, err := NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	cn, err := c.Connect(context.Background())
	if err != nil {
		c.Close()
		return nil, err
	}
	cn.(*conn).ownConnector = true
	return cn, nil
}

// OpenConnector implements driver.DriverContext: it parses dsn.
func (d *Driver) OpenConnector(dsn string) (sqldriver.Connector, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return NewConnector(cfg)
}
