package emulator

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Script gives the statements it matches a course of states of its own,
// so that a test can see a client through a slow statement or a failure
// with a chosen SQLSTATE without provoking one: the statement shows each
// Step's state for that step's number of GetOperationStatus answers
// (answered at once, without the long-poll hold), then ends as End says.
//
// A statement sent with runAsync false (the client waits in
// ExecuteStatement) skips the steps. ExecuteStatement's direct results
// report the first step's state and do not wait. The statement's query
// timeout counts from ExecuteStatement, steps included, and ends it only
// once it runs (End StateFinished); CancelOperation and CloseOperation end
// a scripted statement as any other.
type Script struct {
	// Match selects the statements, by their text as the client sent it.
	// The first script that matches applies.
	Match *regexp.Regexp
	// Times is how many statements follow the script (0: every one);
	// later matching ones run as usual.
	Times int
	// Steps are the states shown before the end, in order.
	Steps []Step
	// End is how the statement ends: StateFinished (or 0) runs it and
	// serves its result; StateError fails it with SQLState, Message and
	// ErrorClass; StateCanceled and StateTimedOut end it in that state,
	// without running it.
	End State
	// SQLState of the failure ("XX000" when empty).
	SQLState string
	// Message of the failure ("Scripted failure" when empty).
	Message string
	// ErrorClass, when set, makes the failure a warehouse's error with a
	// class: the message reads "[CLASS] Message SQLSTATE: state" and
	// errorDetailsJson carries the class.
	ErrorClass string
}

// Step is one state of a Script.
type Step struct {
	// State is StatePending or StateRunning.
	State State
	// Polls is how many GetOperationStatus answers show it (1 when 0).
	Polls int
}

// WithScript adds scripts, tried in order before the statement runs; see
// Script. New fails on a script without Match or with states it cannot
// show.
func WithScript(sc ...Script) Option {
	return func(c *config) { c.scripts = append(c.scripts, sc...) }
}

// validate checks what New cannot serve.
func (sc *Script) validate() error {
	if sc.Match == nil {
		return errors.New("script without Match")
	}
	for _, st := range sc.Steps {
		if st.State != StatePending && st.State != StateRunning {
			return fmt.Errorf("script %q: step state %v (PENDING or RUNNING only)", sc.Match, st.State)
		}
		if st.Polls < 0 {
			return fmt.Errorf("script %q: negative Polls", sc.Match)
		}
	}
	switch sc.End {
	case 0, StateFinished, StateError, StateCanceled, StateTimedOut:
	default:
		return fmt.Errorf("script %q: end state %v (FINISHED, ERROR, CANCELED or TIMEDOUT only)", sc.Match, sc.End)
	}
	if sc.Times < 0 {
		return fmt.Errorf("script %q: negative Times", sc.Match)
	}
	return nil
}

// failure is the statement failure of an End of StateError.
func (sc *Script) failure() *opError {
	state, msg := sc.SQLState, sc.Message
	if state == "" {
		state = "XX000"
	}
	if msg == "" {
		msg = "Scripted failure"
	}
	if sc.ErrorClass != "" {
		return (&classError{class: sc.ErrorClass, state: state, msg: msg}).opErr()
	}
	return &opError{sqlState: state, message: msg}
}

// scripts are a server's scripts with their use counts.
type scripts struct {
	mu   sync.Mutex
	list []Script
	used []int
}

// match returns the script for a statement text and counts its use, or nil.
func (ss *scripts) match(text string) *Script {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for i := range ss.list {
		sc := &ss.list[i]
		if (sc.Times > 0 && ss.used[i] >= sc.Times) || !sc.Match.MatchString(text) {
			continue
		}
		ss.used[i]++
		return sc
	}
	return nil
}

// scriptRun is where a scripted statement stands.
type scriptRun struct {
	sc    *Script
	step  int // index into sc.Steps; len(sc.Steps) once they are done
	polls int // answers shown in the current step
}

// scriptedPoll reports whether op is in a scripted step, whose status is
// answered without the long-poll hold.
func (op *operation) scriptedPoll() bool {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.script != nil && op.script.step < len(op.script.sc.Steps) && !isTerminal(op.state)
}

// advanceScript counts one status answer of a scripted statement and moves
// it to its next step, or to its end after the last.
func (s *Server) advanceScript(op *operation) {
	op.mu.Lock()
	r := op.script
	if r == nil || r.step >= len(r.sc.Steps) || isTerminal(op.state) {
		op.mu.Unlock()
		return
	}
	r.polls++
	if r.polls < max(r.sc.Steps[r.step].Polls, 1) {
		op.mu.Unlock()
		return
	}
	r.step, r.polls = r.step+1, 0
	if r.step < len(r.sc.Steps) {
		op.state = r.sc.Steps[r.step].State.wire()
		op.mu.Unlock()
		return
	}
	op.mu.Unlock()
	s.endScript(op, r.sc)
}

// endScript ends a scripted statement as its script says: runs it, or
// makes it terminal without running it.
func (s *Server) endScript(op *operation, sc *Script) {
	switch sc.End {
	case 0, StateFinished:
		s.start(op)
		return
	}
	op.mu.Lock()
	var e *opError
	switch sc.End {
	case StateError:
		e = sc.failure()
	case StateTimedOut:
		e = &opError{sqlState: "57014", message: "Query timed out (scripted)"}
	}
	op.finishLocked(sc.End.wire(), e)
	op.mu.Unlock()
	op.cancel()
}

// start runs op's statement in the background unless op is already
// terminal (cancelled or closed during its script) or the server closes.
func (s *Server) start(op *operation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosing() {
		op.cancelOp()
		return
	}
	if state, _, _ := op.snapshot(); isTerminal(state) {
		return
	}
	s.wg.Add(1)
	go s.run(op.runCtx, op)
}

// ParseScript reads a script in the form of cmd/emulator's -script flag:
// fields separated by ";", match=REGEXP (required), steps=STATE:POLLS,...
// (pending or running, e.g. steps=pending:1,running:3), end=finished,
// error, canceled or timedout, sqlstate=S, message=TEXT, class=ERROR_CLASS,
// times=N. A value cannot contain ";".
func ParseScript(s string) (Script, error) {
	var sc Script
	for field := range strings.SplitSeq(s, ";") {
		key, val, _ := strings.Cut(strings.TrimSpace(field), "=")
		var err error
		switch key {
		case "match":
			sc.Match, err = regexp.Compile(val)
		case "steps":
			for step := range strings.SplitSeq(val, ",") {
				name, polls, _ := strings.Cut(step, ":")
				st := Step{State: parseState(name)}
				if polls != "" {
					st.Polls, err = strconv.Atoi(polls)
				}
				if st.State == 0 && err == nil {
					err = fmt.Errorf("unknown state %q", name)
				}
				sc.Steps = append(sc.Steps, st)
			}
		case "end":
			if sc.End = parseState(val); sc.End == 0 {
				err = fmt.Errorf("unknown state %q", val)
			}
		case "sqlstate":
			sc.SQLState = val
		case "message":
			sc.Message = val
		case "class":
			sc.ErrorClass = val
		case "times":
			sc.Times, err = strconv.Atoi(val)
		default:
			return sc, fmt.Errorf("unknown script field %q", key)
		}
		if err != nil {
			return sc, fmt.Errorf("script field %q: %w", field, err)
		}
	}
	if err := sc.validate(); err != nil {
		return sc, err
	}
	return sc, nil
}

// parseState reads a state name, any case, with or without "_STATE".
func parseState(s string) State {
	s = strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "_STATE")
	for st := StatePending; st <= StateClosed; st++ {
		if st.String() == s {
			return st
		}
	}
	return 0
}
