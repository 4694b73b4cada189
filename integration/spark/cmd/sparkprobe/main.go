package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/asyncsql/databricks/thrift/tcli"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("sparkprobe", flag.ContinueOnError)
	url := fs.String("url", "", "endpoint URL, e.g. http://127.0.0.1:10001/sql/spark/cliservice")
	user := fs.String("user", "spark", "Basic auth user name")
	timeout := fs.Duration("timeout", 180*time.Second, "give up after this long")
	interval := fs.Duration("interval", time.Second, "pause between attempts")
	pid := fs.Int("pid", 0, "server process id; stop waiting when it has exited")
	freePort := fs.Bool("free-port", false, "print a free loopback TCP port and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *freePort {
		port, err := pickPort()
		if err != nil {
			fmt.Fprintln(os.Stderr, "sparkprobe:", err)
			return 1
		}
		fmt.Println(port)
		return 0
	}
	if *url == "" {
		fmt.Fprintln(os.Stderr, "sparkprobe: -url is required")
		return 2
	}
	password := os.Getenv("SPARKPROBE_PASSWORD")
	if password == "" {
		password = "spark"
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	start := time.Now()
	var last error
	for attempt := 1; ; attempt++ {
		if *pid > 0 && !alive(*pid) {
			fmt.Fprintf(os.Stderr, "sparkprobe: server process %d exited after %s (last error: %v)\n",
				*pid, time.Since(start).Round(time.Millisecond), last)
			return 1
		}
		version, err := probe(ctx, *url, *user, password)
		if err == nil {
			fmt.Printf("sparkprobe: session opened after %s (%d attempts), server protocol %v\n",
				time.Since(start).Round(time.Millisecond), attempt, version)
			return 0
		}
		last = err
		select {
		case <-ctx.Done():
			fmt.Fprintf(os.Stderr, "sparkprobe: no session after %s: %v\n", *timeout, last)
			return 1
		case <-time.After(*interval):
		}
	}
}

// probe opens and closes one session and returns the server's protocol version.
func probe(ctx context.Context, url, user, password string) (tcli.TProtocolVersion, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	trans, err := thrift.NewTHttpClientWithOptions(url, thrift.THttpClientOptions{
		Client: &http.Client{Timeout: 10 * time.Second},
	})
	if err != nil {
		return 0, err
	}
	defer trans.Close()
	hc, ok := trans.(*thrift.THttpClient)
	if !ok {
		return 0, errors.New("unexpected transport type")
	}
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	hc.SetHeader("Authorization", "Basic "+auth)
	hc.SetHeader("User-Agent", "sparkprobe")
	client := tcli.NewTCLIServiceClientFactory(trans, thrift.NewTBinaryProtocolFactoryConf(nil))

	resp, err := client.OpenSession(ctx, &tcli.TOpenSessionReq{
		ClientProtocol: tcli.TProtocolVersion_HIVE_CLI_SERVICE_PROTOCOL_V10,
		Username:       &user,
	})
	if err != nil {
		return 0, fmt.Errorf("OpenSession: %w", err)
	}
	if st := resp.GetStatus(); st == nil || st.GetStatusCode() != tcli.TStatusCode_SUCCESS_STATUS {
		return 0, fmt.Errorf("OpenSession: status %v: %s", st.GetStatusCode(), st.GetErrorMessage())
	}
	if resp.SessionHandle != nil {
		cresp, err := client.CloseSession(ctx, &tcli.TCloseSessionReq{SessionHandle: resp.SessionHandle})
		if err != nil {
			return 0, fmt.Errorf("CloseSession: %w", err)
		}
		if cresp.GetStatus().GetStatusCode() != tcli.TStatusCode_SUCCESS_STATUS {
			return 0, fmt.Errorf("CloseSession: status %v", cresp.GetStatus().GetStatusCode())
		}
	}
	return resp.ServerProtocolVersion, nil
}

// alive reports whether process pid still exists (signal 0 probes it).
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// pickPort asks the kernel for a free loopback port.
func pickPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
