//go:build unix

package rie

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// killProcessGroup stops the emulator's group and the function process.
// The RIE starts the bootstrap in a process group of its own, so that one
// is found among the emulator's children (Linux /proc) and killed too,
// rather than left to notice that its runtime API is gone.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	pid := cmd.Process.Pid
	// The function first: stopped after the emulator, it would find its
	// runtime API gone and print "failed to get the next invoke: …
	// connection refused" after a good answer.
	for _, c := range childrenOf(pid) {
		_ = syscall.Kill(-c, syscall.SIGKILL)
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// childrenOf lists pid's child processes from /proc/<pid>/task/*/children;
// none where /proc does not have them.
func childrenOf(pid int) []int {
	files, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "children"))
	var out []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(field); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// FunctionPID is the process id of the function's bootstrap, which the
// emulator starts on the first invoke: the child of the emulator running
// the bootstrap binary (Linux /proc). Benchmarks read its memory from
// /proc/<pid>/status.
func (e *Emulator) FunctionPID() (int, error) {
	for _, pid := range childrenOf(e.cmd.Process.Pid) {
		if exe, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe")); exe == e.bootstrap {
			return pid, nil
		}
	}
	return 0, errors.New("rie: the function's process is not running (not invoked yet, or no /proc)")
}
