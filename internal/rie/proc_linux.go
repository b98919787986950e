package rie

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the emulator in its own process group, so that
// stopping it stops everything it runs in that group, and has the kernel
// kill it when the process that started it dies (an interrupted or killed
// `go test`), which Close can then no longer do. The bootstrap, which the
// emulator starts in a group of its own, exits by itself once the
// emulator's Runtime API is gone (aws-lambda-go ends the process when it
// cannot fetch the next invocation).
//
// Pdeathsig is tied to the OS thread that started the child; the Go
// runtime does not end threads while goroutines are not locked to them, so
// in practice it is the process's death that sends it.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
