package rie_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/outbound-caller/admin-api/internal/rie"
	"github.com/outbound-caller/admin-api/internal/sampleevents"
)

const root = "../.."

// The package's tests share one build of the emulator and of each
// architecture's bootstraps: linking eleven functions is the slow part of
// these tests, so each binary is linked once per `go test` run.
var builds struct {
	dir string // removed by TestMain

	emulatorOnce sync.Once
	emulator     string
	emulatorErr  error

	mu     sync.Mutex
	byArch map[string]*archBuild
}

type archBuild struct {
	once  sync.Once
	paths map[string]string // function name -> bootstrap
	err   error
}

func TestMain(m *testing.M) {
	if os.Getenv(orphanEmulatorEnv) != "" {
		// The child of TestEmulatorDiesWithTheProcessThatStartedIt builds
		// nothing, and is killed before it could remove a directory.
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "rie-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	builds.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// builtEmulator is the pinned RIE, built once.
func builtEmulator(t *testing.T) string {
	t.Helper()
	builds.emulatorOnce.Do(func() {
		builds.emulator, builds.emulatorErr = rie.BuildEmulator(t.Context(), root, builds.dir)
	})
	if builds.emulatorErr != nil {
		t.Fatal(builds.emulatorErr)
	}
	return builds.emulator
}

// builtFunctions builds every function's bootstrap for linux/goarch as
// the Makefile does (rie.BuildLambda), once, in parallel, and returns
// their paths by function name.
func builtFunctions(t *testing.T, goarch string) map[string]string {
	t.Helper()
	builds.mu.Lock()
	if builds.byArch == nil {
		builds.byArch = map[string]*archBuild{}
	}
	b := builds.byArch[goarch]
	if b == nil {
		b = &archBuild{}
		builds.byArch[goarch] = b
	}
	builds.mu.Unlock()
	b.once.Do(func() { b.paths, b.err = buildAll(t, goarch) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.paths
}

func buildAll(t *testing.T, goarch string) (map[string]string, error) {
	fns, err := sampleevents.Functions(root)
	if err != nil || len(fns) == 0 {
		return nil, fmt.Errorf("no functions: %v", err)
	}
	paths := map[string]string{}
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		out := filepath.Join(builds.dir, goarch, fn, "bootstrap")
		paths[fn] = out
		wg.Go(func() { errs[i] = rie.BuildLambda(t.Context(), root, "./functions/"+fn, out, goarch) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return paths, nil
}
