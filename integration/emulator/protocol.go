package emulator

import (
	"fmt"
	"strconv"
	"strings"
)

// Protocol is a TCLIService protocol version, numbered as on the wire
// (TProtocolVersion): HiveV1..HiveV11 are 0..10, SparkV1..SparkV9 (the
// Databricks extensions) 0xA501..0xA509.
type Protocol int32

// The protocol versions a server can be limited to (WithMaxProtocol).
const (
	HiveV1 Protocol = iota
	HiveV2
	HiveV3
	HiveV4
	HiveV5
	HiveV6
	HiveV7
	HiveV8
	HiveV9
	HiveV10
	HiveV11
)

// The Databricks protocol versions.
const (
	SparkV1 Protocol = 0xA501 + iota
	SparkV2
	SparkV3
	SparkV4
	SparkV5
	SparkV6
	SparkV7
	SparkV8
	SparkV9
)

// valid reports whether p is one of the named versions.
func (p Protocol) valid() bool {
	return (p >= HiveV1 && p <= HiveV11) || (p >= SparkV1 && p <= SparkV9)
}

// String is the short name, "spark-v8" or "hive-v10"; an unknown number
// prints as protocol(n).
func (p Protocol) String() string {
	switch {
	case p >= SparkV1 && p <= SparkV9:
		return "spark-v" + strconv.Itoa(int(p-SparkV1)+1)
	case p >= HiveV1 && p <= HiveV11:
		return "hive-v" + strconv.Itoa(int(p-HiveV1)+1)
	}
	return "protocol(" + strconv.Itoa(int(p)) + ")"
}

// ParseProtocol reads a protocol version: its short name ("spark-v8",
// "hive-v10", any case), its Thrift name (SPARK_CLI_SERVICE_PROTOCOL_V8) or
// its number (decimal, or hexadecimal with 0x).
func ParseProtocol(s string) (Protocol, error) {
	if n, err := strconv.ParseInt(s, 0, 32); err == nil {
		if p := Protocol(n); p.valid() {
			return p, nil
		}
		return 0, fmt.Errorf("unknown protocol version %d", n)
	}
	name := strings.ToLower(s)
	if family, rest, ok := strings.Cut(name, "_cli_service_protocol_v"); ok {
		name = family + "-v" + rest
	}
	for _, base := range []Protocol{HiveV1, SparkV1} {
		family, last := "hive-v", HiveV11
		if base == SparkV1 {
			family, last = "spark-v", SparkV9
		}
		num, ok := strings.CutPrefix(name, family)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err == nil && n >= 1 && base+Protocol(n-1) <= last && strconv.Itoa(n) == num {
			return base + Protocol(n-1), nil
		}
	}
	return 0, fmt.Errorf("unknown protocol version %q", s)
}
