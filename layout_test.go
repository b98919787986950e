package adminapi_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFunctionsLinkNoDevelopmentCode fails when a Lambda function links
// development or test support (internal/dev/…, the embedded store, the
// emulator) or anything under pkg/: production code lives in internal/.
func TestFunctionsLinkNoDevelopmentCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./functions/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/outbound-caller/admin-api/"
	var own int
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(pkg, module+"internal/dev/"), strings.HasPrefix(pkg, module+"pkg/"),
			strings.HasPrefix(pkg, module+"e2e"), strings.Contains(pkg, "minidyn"),
			strings.Contains(pkg, "runtime-interface-emulator"), pkg == "testing":
			t.Errorf("a function links %s", pkg)
		case strings.HasPrefix(pkg, module+"internal/"):
			own++
		}
	}
	if own == 0 {
		t.Fatal("go list found none of the service's own packages: the check would pass vacuously")
	}
}
