package driver

// thrift returns the Thrift backend of a connector built by newConnector.
func (c *Connector) thrift() *thriftBackend { return c.be.(*thriftBackend) }
