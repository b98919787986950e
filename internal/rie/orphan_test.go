package rie_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/internal/rie"
)

// The child process of TestEmulatorDiesWithTheProcessThatStartedIt reads
// the binaries to run from these variables.
const (
	orphanEmulatorEnv  = "RIE_ORPHAN_TEST_EMULATOR"
	orphanBootstrapEnv = "RIE_ORPHAN_TEST_BOOTSTRAP"
)

// TestEmulatorDiesWithTheProcessThatStartedIt: a test process killed
// outright (SIGKILL: no cleanup, no Close) leaves neither the emulator nor
// the function's bootstrap running. It runs a child test process that
// starts an emulator and invokes it once (so that the bootstrap runs),
// kills that child, and watches both processes go.
func TestEmulatorDiesWithTheProcessThatStartedIt(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the Lambda Runtime Interface Emulator runs on linux, not %s; only Linux ties a child's life to its parent's", runtime.GOOS)
	}
	if os.Getenv(orphanEmulatorEnv) != "" {
		startAndWait(t)
		return
	}
	emulator := builtEmulator(t)
	bootstrap := builtFunctions(t, runtime.GOARCH)["update-client"]

	child := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	child.Env = append(os.Environ(), orphanEmulatorEnv+"="+emulator, orphanBootstrapEnv+"="+bootstrap)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = child.Process.Kill()
			_ = child.Wait()
		}
	}()
	pids := make(chan []int, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "PIDS "); ok {
				var ps []int
				for _, f := range strings.Fields(rest) {
					p, _ := strconv.Atoi(f)
					ps = append(ps, p)
				}
				pids <- ps
				return
			}
		}
		close(pids)
	}()
	var ps []int
	select {
	case ps = <-pids:
	case <-time.After(90 * time.Second):
		t.Fatal("the child did not start the emulator within 90s")
	}
	if len(ps) != 2 {
		t.Fatalf("the child reported no emulator and bootstrap pids: %v", ps)
	}
	procs := map[int]string{ps[0]: emulator, ps[1]: bootstrap}
	for pid, exe := range procs {
		if !running(pid, exe) {
			t.Fatalf("before the kill, %s (pid %d) is not running: the check would pass vacuously", filepath.Base(exe), pid)
		}
	}

	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	killed = true
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for pid, exe := range procs {
			if !running(pid, exe) {
				delete(procs, pid)
			}
		}
		if len(procs) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	for pid, exe := range procs {
		t.Errorf("%s (pid %d) still running 10s after the test process that started it was killed", exe, pid)
		_ = syscallKill(pid)
	}
}

// startAndWait is the child's side: start the emulator, invoke it once so
// that the bootstrap runs, report both pids, and wait to be killed.
func startAndWait(t *testing.T) {
	env, err := rie.LocalEnv("update-client", "orphan-test", "http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	em, err := rie.Start(t.Context(), os.Getenv(orphanEmulatorEnv), os.Getenv(orphanBootstrapEnv), env, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	// An event without a token: the function answers 401 without I/O.
	if _, err := em.Invoke(ctx, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	fn, err := em.FunctionPID()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("PIDS %d %d\n", em.PID(), fn)
	time.Sleep(2 * time.Minute)
	t.Fatal("the parent did not kill this process")
}

// running reports whether pid is a live (not zombie) process running exe.
func running(pid int, exe string) bool {
	got, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	if err != nil || got != exe {
		return false // gone, a zombie (no exe link), or the pid reused
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	_, after, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(after, "Z")
}

func syscallKill(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
