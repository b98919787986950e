package rie_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/rie"
	"github.com/outbound-caller/admin-api/internal/sampleevents"
	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/metrics"
	"github.com/outbound-caller/admin-api/pkg/passhash"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// TestBuiltFunctionsAnswerTheirEvents builds every function's bootstrap,
// runs it under the Runtime Interface Emulator and invokes it with each of
// its sample events against a freshly seeded embedded store: the binary
// Lambda runs (wiring, configuration, lambda.Start), not just the handler.
func TestBuiltFunctionsAnswerTheirEvents(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the Lambda Runtime Interface Emulator runs on linux, not %s", runtime.GOOS)
	}
	fns, err := sampleevents.Functions(root)
	if err != nil || len(fns) == 0 {
		t.Fatalf("no functions: %v", err)
	}
	files, err := sampleevents.Files(root)
	if err != nil || len(files) == 0 {
		t.Fatalf("no events: %v", err)
	}
	emulator := builtEmulator(t)
	bootstraps := builtFunctions(t, runtime.GOARCH)

	outcomes := sampleevents.Outcomes()
	for _, f := range files {
		name := filepath.Base(f)
		fn, ok := sampleevents.FunctionFor(name, fns)
		if !ok {
			t.Errorf("%s: no function folder prefixes its name", name)
			continue
		}
		t.Run(fn+"/"+name, func(t *testing.T) {
			t.Parallel()
			want, ok := outcomes[name]
			if !ok {
				t.Fatalf("no expected outcome for %s: add it to sampleevents.Outcomes", name)
			}
			payload, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			endpoint, table := seededStore(t)
			logs := &testkit.SyncBuffer{}
			env, err := rie.LocalEnv(fn, table, endpoint)
			if err != nil {
				t.Fatal(err)
			}
			em, err := rie.Start(t.Context(), emulator, bootstraps[fn], env, logs)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := em.Close(); err != nil {
					t.Error(err)
				}
				// The function must be stopped before its runtime API, or it
				// prints this after a good answer (make invoke did, 2 runs in 3).
				if strings.Contains(logs.String(), "failed to get the next invoke") {
					t.Errorf("the function outlived its runtime API and said so")
				}
				if t.Failed() {
					t.Logf("emulator and function output:\n%s", logs)
				}
			}()
			ictx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			raw, err := em.Invoke(ictx, payload)
			if err != nil {
				t.Fatal(err)
			}
			var resp events.APIGatewayV2HTTPResponse
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&resp); err != nil {
				t.Fatalf("function did not return an HTTP API response: %v: %s", err, raw)
			}
			if resp.StatusCode != want.Status || (want.Body != "" && resp.Body != want.Body) {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, resp.Body, want.Status, want.Body)
			}
			if ct := resp.Headers["Content-Type"]; ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			checkRequestLine(t, logs, payload, resp.StatusCode)
		})
	}
}

// checkRequestLine holds the function's one request line to the
// Embedded Metric Format as CloudWatch reads it: the metrics pkg/metrics
// publishes, dimensioned by the event's route key and the status class
// only, in the default namespace (LocalEnv sets none), counting the cold
// start of this first invocation. The function's output reaches logs
// through the emulator's pipe, possibly after the invocation's answer.
func checkRequestLine(t *testing.T, logs *testkit.SyncBuffer, payload []byte, status int) {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if lines = testkit.RequestLines(logs.String()); len(lines) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d request lines, want 1", len(lines))
	}
	ms, err := testkit.ParseEMF(lines[0])
	if err != nil {
		t.Fatalf("request line is not EMF: %v: %s", err, lines[0])
	}
	known := map[string]bool{}
	for _, m := range metrics.Published() {
		known[m.Name] = true
	}
	var cold bool
	for _, m := range ms {
		if !known[m.Name] || m.Namespace != metrics.DefaultNamespace {
			t.Errorf("publishes %s/%s, which pkg/metrics does not name", m.Namespace, m.Name)
		}
		for d, v := range m.Values {
			want := map[string]string{metrics.Route: ev.RouteKey, metrics.StatusClass: metrics.StatusClassOf(status)}[d]
			if v != want {
				t.Errorf("%s dimension %s=%q, want %q (only the route key and the status class are dimensions)", m.Name, d, v, want)
			}
		}
		cold = cold || (m.Name == metrics.ColdStart && m.Value == 1)
	}
	if !cold {
		t.Errorf("the first invocation's line counts no cold start: %s", lines[0])
	}
}

// seededStore starts an embedded store with the table and the demo
// clients and their secrets, as `make invoke` does (with a cheaper hash:
// verification reads the cost from the stored hash).
func seededStore(t *testing.T) (endpoint, table string) {
	t.Helper()
	emb := localdb.Start()
	t.Cleanup(emb.Close)
	db, err := localdb.Client(t.Context(), emb.URL)
	if err != nil {
		t.Fatal(err)
	}
	table = "invoke-test"
	if err := store.CreateTable(t.Context(), db, table); err != nil {
		t.Fatal(err)
	}
	hasher, err := passhash.NewHasher(testkit.FastHashing())
	if err != nil {
		t.Fatal(err)
	}
	if err := localdb.SeedWithSecrets(t.Context(), store.New(db, table, nil), hasher, time.Now()); err != nil {
		t.Fatal(err)
	}
	return emb.URL, table
}

// TestCloseStopsTheFunctionProcess: after Close neither the emulator nor
// the bootstrap it started (in a process group of its own) is left running.
// An idle bootstrap would also exit by itself once its runtime API is gone;
// Close's explicit kill is for one still busy in a handler, which this test
// does not stage.
func TestCloseStopsTheFunctionProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the Lambda Runtime Interface Emulator runs on linux, not %s", runtime.GOOS)
	}
	emulator := builtEmulator(t)
	bootstrap := builtFunctions(t, runtime.GOARCH)["update-client"]
	endpoint, table := seededStore(t)
	env, err := rie.LocalEnv("update-client", table, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	em, err := rie.Start(t.Context(), emulator, bootstrap, env, &testkit.SyncBuffer{})
	if err != nil {
		t.Fatal(err)
	}
	// The RIE starts the bootstrap on the first invocation.
	if _, err := em.Invoke(t.Context(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	running := func() []string {
		var out []string
		procs, _ := filepath.Glob("/proc/[0-9]*/exe")
		for _, p := range procs {
			if exe, err := os.Readlink(p); err == nil && (exe == bootstrap || exe == emulator) {
				out = append(out, p)
			}
		}
		return out
	}
	if len(running()) != 2 {
		t.Fatalf("before Close, want the emulator and the bootstrap running, got %v", running())
	}
	if err := em.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(running()) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if left := running(); len(left) > 0 {
		t.Errorf("still running after Close: %v", left)
	}
}
