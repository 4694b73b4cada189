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
	opts, child, err := parseArgs(args, stderr, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errSyntax): // the flag package printed it
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "emulator:", err)
		return 2
	}
	s, err := emulator.New(opts...)
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
