# Every target runs from a fresh clone; none needs anything installed by hand.

GO ?= go
MODULES := . integration

.PHONY: all test vet thrift fmt

all: test

# thrift regenerates thrift/tcli from thrift/tcliservice.thrift with Debian's
# thrift-compiler (0.17.0), installing the compiler first when it is missing.
thrift:
	@command -v thrift >/dev/null || (apt-get update -qq && apt-get install -y -qq thrift-compiler)
	rm -rf thrift/.gen && mkdir -p thrift/.gen
	thrift --gen go:package_prefix=github.com/asyncsql/databricks/thrift/,skip_remote -out thrift/.gen thrift/tcliservice.thrift
	find thrift/tcli -name '*.go' ! -name doc.go -delete
	cp thrift/.gen/tcli/*.go thrift/tcli/
	rm -rf thrift/.gen
	gofmt -w thrift/tcli
