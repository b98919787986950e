package rie_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/outbound-caller/admin-api/internal/rie"
)

// maxBootstrapBytes is the size budget of one function's bootstrap as
// deployed (linux/arm64, stripped): issue 16's 10 MiB.
const maxBootstrapBytes = 10 << 20

// TestBootstrapsFitTheSizeBudget builds every function for linux/arm64
// with the Makefile's flags and fails when one exceeds 10 MiB. A bigger
// bootstrap is slower to download and start on a cold Lambda; the usual
// cause is a dependency that links far more than it is used for (a
// reflect.MethodByName call, a default AWS configuration chain).
func TestBootstrapsFitTheSizeBudget(t *testing.T) {
	for fn, path := range builtFunctions(t, "arm64") {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > maxBootstrapBytes {
			t.Errorf("%s: bootstrap is %d bytes (%.2f MiB), over the %d MiB budget", fn, fi.Size(), float64(fi.Size())/(1<<20), maxBootstrapBytes>>20)
		} else {
			t.Logf("%s: %.2f MiB", fn, float64(fi.Size())/(1<<20))
		}
	}
}

// TestMakefileBuildsWithTheSameTags: the budget above is checked on
// binaries built with rie.LambdaTags, so the Makefile (what sam build and
// make build run) must use the same tags.
func TestMakefileBuildsWithTheSameTags(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^LAMBDA_TAGS\s*:=\s*(\S+)\s*$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("the Makefile sets no LAMBDA_TAGS")
	}
	if got := string(m[1]); got != rie.LambdaTags {
		t.Errorf("Makefile LAMBDA_TAGS = %q, rie.LambdaTags = %q", got, rie.LambdaTags)
	}
	if !regexp.MustCompile(`(?m)^LAMBDA_FLAGS\s*:=.*-tags \$\(LAMBDA_TAGS\)`).Match(b) {
		t.Error("the Makefile's LAMBDA_FLAGS does not build with -tags $(LAMBDA_TAGS)")
	}
}
