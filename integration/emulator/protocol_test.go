package emulator

import (
	"testing"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func TestParseProtocol(t *testing.T) {
	for in, want := range map[string]Protocol{
		"spark-v7":                      SparkV7,
		"SPARK-V8":                      SparkV8,
		"hive-v10":                      HiveV10,
		"SPARK_CLI_SERVICE_PROTOCOL_V3": SparkV3,
		"hive_cli_service_protocol_v11": HiveV11,
		"0xa506":                        SparkV6,
		"9":                             HiveV10,
	} {
		if got, err := ParseProtocol(in); err != nil || got != want {
			t.Errorf("ParseProtocol(%q) = %v, %v; want %v, nil", in, got, err, want)
		}
	}
	for _, in := range []string{"", "spark-v99", "spark-v0", "spark-v08", "v8", "12345", "hive", "-7"} {
		if got, err := ParseProtocol(in); err == nil {
			t.Errorf("ParseProtocol(%q) = %v; want an error", in, got)
		}
	}
}

// TestProtocolNumbers checks the constants against the Thrift enum they
// stand for, and that String and ParseProtocol are inverse.
func TestProtocolNumbers(t *testing.T) {
	pairs := map[Protocol]tcli.TProtocolVersion{
		HiveV1: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V1, HiveV10: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10,
		HiveV11: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V11, SparkV1: tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V1,
		SparkV8: tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V8, SparkV9: tcli.TProtocolVersion_SPARK_CLI_SERVICE_PROTOCOL_V9,
	}
	for p, v := range pairs {
		if int32(p) != int32(v) {
			t.Errorf("%v = %d, want %d (%v)", p, int32(p), int32(v), v)
		}
	}
	for _, p := range []Protocol{HiveV1, HiveV5, HiveV11, SparkV1, SparkV5, SparkV9} {
		if got, err := ParseProtocol(p.String()); err != nil || got != p {
			t.Errorf("ParseProtocol(%q) = %v, %v; want %v", p.String(), got, err, p)
		}
	}
	if got, want := Protocol(-7).String(), "protocol(-7)"; got != want {
		t.Errorf("Protocol(-7).String() = %q, want %q", got, want)
	}
}
