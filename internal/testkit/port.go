package testkit

import (
	"net"
	"strconv"
	"testing"
)

// FreePort is a loopback TCP port that was free a moment ago, for a server
// a test starts as a separate process (PORT=…). Another process may take it
// in between; callers that must not flake retry.
func FreePort(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}
