package asynctest

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asyncsql/databricks/async"
	"github.com/asyncsql/databricks/integration/emulator"
)

// proxy forwards TCP connections from a port of 127.0.0.1 to a target; down
// makes the port refuse connections (and cuts those open) until up.
type proxy struct {
	target, addr string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(func() {
		p.down()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			if !p.track(c, up) {
				continue
			}
			p.wg.Add(2)
			go p.pipe(c, up)
			go p.pipe(up, c)
		}
	}()
}

// track records a connection pair, or closes it when the proxy went down.
func (p *proxy) track(a, b net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		a.Close()
		b.Close()
		return false
	}
	p.conns[a], p.conns[b] = true, true
	return true
}

func (p *proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// down closes the listener and every connection: the port refuses.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// up listens on the same port again.
func (p *proxy) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("listening on %s again: %v", p.addr, err)
	}
	p.serve(ln)
}

// viaProxy is s's DSN with p's address.
func viaProxy(s *emulator.Server, p *proxy) string {
	return strings.Replace(testDSN(s), s.Host()+":"+strconv.Itoa(s.Port()), p.addr, 1)
}

// helperOutput runs a helper to completion with extra environment and
// returns what it printed and its error.
func helperOutput(t *testing.T, role, dsn, query, tokenFile string, env ...string) (string, error) {
	t.Helper()
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(append(os.Environ(), helperEnv+"="+role, dsnEnv+"="+dsn, queryEnv+"="+query, tokenEnv+"="+tokenFile), env...)
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		err = fmt.Errorf("helper %s: %w\n%s", role, err, stderr.String())
	}
	return string(out), err
}

// An outage of 20 s — the server's port refuses connections — while another
// process waits: its Wait rides it out and then returns every row.
func TestWaitRidesOutOutage(t *testing.T) {
	t.Parallel()
	const n = 2000
	s := emulator.Start(t)
	p := startProxy(t, s.Host()+":"+strconv.Itoa(s.Port()))
	dsn := viaProxy(s, p)
	ctx := testContext(t)
	db, err := async.Open(dsn, async.WithWait(0), async.WithKeepAlive(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	// The statement ends inside the outage, however late the reader
	// starts polling on a loaded machine.
	rows, exc, err := db.QueryContext(ctx, resultQuery(n, 8000))
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	tok := tokenPath(t)
	if err := saveToken(tok, exc); err != nil {
		t.Fatal(err)
	}
	type result struct {
		out string
		err error
	}
	// Only the reader polls (no keep-alive here): it is waiting once its
	// first status request reached the server.
	status := emulator.GetOperationStatus
	if backend == "rest" {
		status = emulator.RESTStatus
	}
	polls := func() int { return s.Requests().ForStatement(exc.StatementID()).Count(status) }
	before := polls()
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		out, err := helperOutput(t, "read", dsn, "", tok)
		done <- result{out, err}
	}()
	for polls() == before {
		select {
		case r := <-done:
			t.Fatalf("the reader ended before it polled: %q %v", r.out, r.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	p.down()
	time.Sleep(20 * time.Second)
	p.up(t)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if want := fmt.Sprintf("rows %d sum %x\n", n, expectedSum(n)); r.out != want {
		t.Fatalf("reader printed %q, want %q", r.out, want)
	}
	if took := time.Since(start); took < 20*time.Second {
		t.Fatalf("the reader finished after %v, inside the outage", took)
	}
	if err := db.CloseExecution(ctx, exc); err != nil {
		t.Fatal(err)
	}
}

// With the server evicting executions nobody polls after 2 s, a process
// that holds an execution untouched for 8 s still reads it: its DB's
// keep-alive polled it. Without the keep-alive, the execution is gone.
func TestKeepAliveOutlivesEviction(t *testing.T) {
	t.Parallel()
	const n = 100
	s := emulator.Start(t, emulator.WithIdleEviction(2*time.Second),
		emulator.WithREST(emulator.RESTOptions{Retention: 2 * time.Second}))
	type result struct {
		out string
		err error
	}
	run := func(every string) chan result {
		ch := make(chan result, 1)
		go func() {
			out, err := helperOutput(t, "hold", testDSN(s), resultQuery(n, 0), "", keepEnv+"="+every, idleEnv+"=8s")
			ch <- result{out, err}
		}()
		return ch
	}
	kept, unkept := run("500ms"), run("0")
	r := <-kept
	if r.err != nil {
		t.Fatalf("with keep-alive: %v", r.err)
	}
	if want := fmt.Sprintf("rows %d sum %x\n", n, expectedSum(n)); r.out != want {
		t.Fatalf("with keep-alive: %q, want %q", r.out, want)
	}
	if r := <-unkept; r.err == nil || !strings.Contains(r.err.Error(), "gone") {
		t.Fatalf("without keep-alive the execution was not evicted: %q %v", r.out, r.err)
	}
}
