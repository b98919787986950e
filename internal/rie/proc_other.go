//go:build !unix

package rie

import (
	"errors"
	"os/exec"
)

func setProcessGroup(*exec.Cmd) {}

func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

// FunctionPID needs Linux /proc to find the function's process.
func (e *Emulator) FunctionPID() (int, error) {
	return 0, errors.New("rie: the function's process id needs /proc")
}
