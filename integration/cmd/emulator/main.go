package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the flags, starts the emulator and either serves until a
// signal or runs the command after "--"; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	token := fs.String("token", "", "access token to accept (default: random)")
	db := fs.String("db", "", "DuckDB database file (default: in memory)")
	hold := fs.Duration("hold", 5*time.Second, "direct-results and status long-poll hold")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	child := fs.Args()
	s, err := emulator.Start(
		emulator.WithAddr(*addr),
		emulator.WithToken(*token),
		emulator.WithDatabase(*db),
		emulator.WithDirectResultsHold(*hold),
		emulator.WithStatusHold(*hold),
	)
	if err != nil {
		fmt.Fprintln(stderr, "emulator:", err)
		return 1
	}
	defer s.Close()
	env := environment(s)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(child) == 0 {
		fmt.Fprintln(stdout, "DSN:", s.DSN())
		for _, e := range env {
			fmt.Fprintln(stdout, "export "+e)
		}
		<-ctx.Done()
		return 0
	}
	cmd := exec.CommandContext(ctx, child[0], child[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Env = append(os.Environ(), env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() >= 0 {
			return exit.ExitCode()
		}
		fmt.Fprintln(stderr, "emulator:", err)
		return 1
	}
	return 0
}

// environment is the child's connection settings.
func environment(s *emulator.Server) []string {
	return []string{
		"DATABRICKS_HOST=" + s.Host() + ":" + strconv.Itoa(s.Port()),
		"DATABRICKS_HTTP_PATH=" + s.HTTPPath(),
		"DATABRICKS_TOKEN=" + s.Token(),
		"DATABRICKS_DSN=" + s.DSN(),
	}
}
