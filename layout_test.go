package adminapi_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/outbound-caller/admin-api/"

// TestFunctionsLinkOnlyPkg holds the house rule "pkg/ ships, internal/
// helps": every package of this module that a Lambda function links lives
// under pkg/ (the functions' own mains excepted), and nothing a function
// links is development or test support.
func TestFunctionsLinkOnlyPkg(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./functions/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if bad := outsidePkg(strings.Fields(string(out))); len(bad) > 0 {
		t.Errorf("functions link packages outside pkg/: %v", bad)
	}
	var shipped int
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, module+"pkg/") {
			shipped++
		}
	}
	if shipped == 0 {
		t.Fatal("go list found none of the service's pkg/ packages: the check would pass vacuously")
	}
}

// TestOutsidePkgNamesWhatBreaksTheRule shows the check can fail: a function
// that links internal/ (or any other package of the module outside pkg/)
// is named.
func TestOutsidePkgNamesWhatBreaksTheRule(t *testing.T) {
	tests := []struct {
		name string
		deps []string
		want []string
	}{
		{"pkg only", []string{module + "pkg/api", "fmt", module + "functions/get-client"}, nil},
		{"internal", []string{module + "pkg/api", module + "internal/localdb"}, []string{module + "internal/localdb"}},
		{"module root", []string{"github.com/outbound-caller/admin-api"}, []string{"github.com/outbound-caller/admin-api"}},
		{"e2e", []string{module + "e2e"}, []string{module + "e2e"}},
		{"emulator", []string{"github.com/truora/minidyn/server"}, []string{"github.com/truora/minidyn/server"}},
		{"testing", []string{"testing"}, []string{"testing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outsidePkg(tt.deps)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("outsidePkg(%v) = %v, want %v", tt.deps, got, tt.want)
			}
		})
	}
}

// outsidePkg returns the packages of deps that a function must not link:
// any package of this module outside pkg/ (the functions' mains excepted),
// the embedded store, the emulator, and the testing package.
func outsidePkg(deps []string) []string {
	var bad []string
	for _, p := range deps {
		own := p+"/" == module || strings.HasPrefix(p, module)
		switch {
		case own && (strings.HasPrefix(p, module+"pkg/") || strings.HasPrefix(p, module+"functions/")):
		case own, strings.Contains(p, "minidyn"), strings.Contains(p, "runtime-interface-emulator"), p == "testing":
			bad = append(bad, p)
		}
	}
	return bad
}
