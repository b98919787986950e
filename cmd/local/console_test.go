package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestServesTheConsoleAtThePrintedAddress fails when make run stops
// printing the console's address, or stops serving the console there, on
// the API's origin and with its security headers.
func TestServesTheConsoleAtThePrintedAddress(t *testing.T) {
	base, printed := startLocal(t)
	want := "Admin console: " + base + "/console/\n"
	if !strings.Contains(printed, want) {
		t.Fatalf("make run did not print %q:\n%s", want, printed)
	}
	for path, ctype := range map[string]string{"/console/": "text/html; charset=utf-8", "/console/app.js": "text/javascript; charset=utf-8"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != ctype {
			t.Errorf("GET %s: %d %s, want 200 %s", path, res.StatusCode, res.Header.Get("Content-Type"), ctype)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
}
