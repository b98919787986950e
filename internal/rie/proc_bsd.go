//go:build unix && !linux

package rie

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the emulator in its own process group, so that
// stopping it stops everything it runs in that group. (Only Linux can tie
// a child's life to its parent's: Pdeathsig.)
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
