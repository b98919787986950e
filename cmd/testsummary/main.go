// Command testsummary runs go test -json with its arguments and prints what
// a person reads after make test: one line per package (ok, FAIL, no test
// files, with its time, as go test prints it), the whole output of each
// failing test and of each failed build, and at the end every skipped test
// with its reason, which go test's own non-verbose output hides. Its exit
// status is go test's.
//
//	go run ./cmd/testsummary -race -count=1 ./...
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs go test -json args, summarises its events on stdout and returns
// the exit status to leave with.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := exec.Command("go", append([]string{"test", "-json"}, args...)...)
	cmd.Stderr = stderr // setup errors (a bad pattern, say) are not JSON
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 2
	}
	// Ctrl-C reaches go test too (same process group): keep reading until
	// it has said what failed, then leave with its status. A handled signal,
	// unlike an ignored one, is not inherited by the child.
	signal.Notify(make(chan os.Signal, 1), os.Interrupt)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "testsummary:", err)
		return 2
	}
	s := newSummary(stdout)
	r := bufio.NewReaderSize(out, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			s.Line(line)
		}
		if err != nil {
			break
		}
	}
	s.Finish()
	status := 0
	if err := cmd.Wait(); err != nil {
		status = 1
		if exit, ok := errors.AsType[*exec.ExitError](err); ok && exit.ExitCode() > 0 {
			status = exit.ExitCode()
		} else if !ok {
			fmt.Fprintln(stderr, "testsummary:", err)
		}
	}
	if status == 0 && s.Failed() {
		status = 1 // never report success over a failure seen
	}
	return status
}
