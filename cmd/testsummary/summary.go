package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// event is one line of go test -json (cmd/test2json), build events
// included (ImportPath, FailedBuild: Go 1.24 and later).
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	Elapsed     float64
	ImportPath  string
	FailedBuild string
}

// summary turns go test -json events into the non-verbose report. It keeps
// a package's output only until the package ends.
type summary struct {
	w        io.Writer
	pkgs     map[string]*pkg
	build    map[string][]string // build output by ImportPath
	shown    map[string]bool     // build outputs already printed
	skipped  []skipped
	failures int
}

type pkg struct {
	lines   []line // in arrival order, so a failure reads as it ran
	failed  map[string]bool
	skips   map[string][]string // skipped test → its output
	verdict string              // go test's own "ok  \tpkg\t0.1s" line
}

type line struct{ test, text string }

type skipped struct{ pkg, test, reason string }

func newSummary(w io.Writer) *summary {
	return &summary{w: w, pkgs: map[string]*pkg{}, build: map[string][]string{}, shown: map[string]bool{}}
}

// Failed reports whether a package or a build failed.
func (s *summary) Failed() bool { return s.failures > 0 }

func (s *summary) pkg(name string) *pkg {
	p := s.pkgs[name]
	if p == nil {
		p = &pkg{failed: map[string]bool{}, skips: map[string][]string{}}
		s.pkgs[name] = p
	}
	return p
}

// Line takes one line of go test -json output. A line that is not an event
// (go printed something of its own) is passed through.
func (s *summary) Line(b []byte) {
	var e event
	if err := json.Unmarshal(b, &e); err != nil || e.Action == "" {
		fmt.Fprint(s.w, strings.TrimSuffix(string(b), "\n")+"\n")
		return
	}
	switch e.Action {
	case "build-output":
		s.build[e.ImportPath] = append(s.build[e.ImportPath], e.Output)
		return
	case "build-fail":
		return // the package's own fail event names the build
	}
	if e.Package == "" {
		return
	}
	p := s.pkg(e.Package)
	switch e.Action {
	case "output":
		if e.Test == "" && isVerdict(e.Package, e.Output) {
			p.verdict = strings.TrimSuffix(e.Output, "\n")
			return
		}
		p.lines = append(p.lines, line{e.Test, e.Output})
	case "fail":
		if e.Test != "" {
			p.failed[e.Test] = true
			return
		}
		s.failures++
		s.report(e, p, "FAIL")
	case "skip":
		if e.Test != "" {
			p.skips[e.Test] = nil
			return
		}
		s.report(e, p, "?   ")
	case "pass":
		if e.Test == "" {
			s.report(e, p, "ok  ")
		}
	}
}

// isVerdict tells go test's closing line of a package from its other
// output: "ok  \tpkg\t0.1s", "FAIL\tpkg …", "?   \tpkg\t[no test files]".
func isVerdict(pkg, out string) bool {
	for _, prefix := range []string{"ok  \t", "FAIL\t", "?   \t"} {
		if strings.HasPrefix(out, prefix+pkg+"\t") || strings.HasPrefix(out, prefix+pkg+" ") || out == prefix+pkg+"\n" {
			return true
		}
	}
	return false
}

// report prints a package's line and, when it failed, what a person needs
// to see why: its build output, its package-level output and the output of
// each failed test. It records the skipped tests for the end.
func (s *summary) report(e event, p *pkg, word string) {
	verdict := p.verdict
	if verdict == "" {
		verdict = fmt.Sprintf("%s\t%s\t%.3fs", word, e.Package, e.Elapsed)
	}
	fmt.Fprintln(s.w, verdict)
	if e.Action == "fail" {
		switch b := e.FailedBuild; {
		case b == "":
		case s.shown[b]:
			fmt.Fprintf(s.w, "(the build of %s failed: above)\n", b)
		default:
			s.shown[b] = true
			for _, out := range s.build[b] {
				fmt.Fprint(s.w, out)
			}
		}
		// As go test prints them: a failed test's own lines, and the
		// package's (TestMain, a panic outside any test, a timeout).
		for _, l := range p.lines {
			if (l.test == "" || p.failed[l.test]) && !isFraming(l.text) {
				fmt.Fprint(s.w, l.text)
			}
		}
	}
	for _, l := range p.lines {
		if _, ok := p.skips[l.test]; ok && !isFraming(l.text) && !strings.HasPrefix(strings.TrimSpace(l.text), "--- SKIP") {
			p.skips[l.test] = append(p.skips[l.test], strings.TrimSpace(l.text))
		}
	}
	for _, l := range p.lines { // in the order they ran
		if reason, ok := p.skips[l.test]; ok && strings.HasPrefix(l.text, "=== RUN") {
			s.skipped = append(s.skipped, skipped{e.Package, l.test, skipReason(reason)})
		}
	}
	delete(s.pkgs, e.Package)
}

// isFraming tells test2json's bookkeeping lines (=== RUN, PAUSE, CONT,
// NAME) and the package's bare PASS/FAIL from what a test said.
func isFraming(text string) bool {
	t := strings.TrimSpace(text)
	return strings.HasPrefix(t, "=== ") || t == "PASS" || t == "FAIL"
}

func skipReason(lines []string) string {
	var kept []string
	for _, l := range lines {
		if l != "" {
			kept = append(kept, l)
		}
	}
	if len(kept) == 0 {
		return "(no reason given)"
	}
	return strings.Join(kept, " ")
}

// Finish reports packages that never ended (go test was interrupted) and
// the skipped tests.
func (s *summary) Finish() {
	for _, name := range slices.Sorted(maps.Keys(s.pkgs)) {
		p := s.pkgs[name]
		if len(p.lines) == 0 && p.verdict == "" {
			continue
		}
		s.failures++
		s.report(event{Action: "fail", Package: name}, p, "FAIL")
	}
	if len(s.skipped) == 0 {
		return
	}
	fmt.Fprintf(s.w, "skipped (%d):\n", len(s.skipped))
	for _, sk := range s.skipped {
		fmt.Fprintf(s.w, "  %s %s: %s\n", sk.pkg, sk.test, sk.reason)
	}
}
