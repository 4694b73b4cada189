package driver

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// userAgent is "asyncsql-databricks/<version>" plus the user's entry.
func userAgent(entry string) string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/asyncsql/databricks" && d.Version != "" {
				v = d.Version
			}
		}
	}
	ua := "asyncsql-databricks/" + v
	if entry = strings.TrimSpace(entry); entry != "" {
		ua += " (" + entry + ")"
	}
	return ua
}

// warehouseOf identifies a warehouse as "host:port/path".
func warehouseOf(cfg *Config) string {
	path := cfg.HTTPPath
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return fmt.Sprintf("%s:%d%s", cfg.Host, cfg.port(), path)
}
