package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The events below are go test -json lines as Go 1.26 wrote them for small
// packages (Time fields dropped): a pass with a skipped subtest, no test
// files, a failing test and subtest, a panic, a build failure of a test
// package and of a dependency, and a run cut short.
func TestSummary(t *testing.T) {
	cases := []struct {
		name   string
		events string
		want   string
		failed bool
	}{
		{
			name: "a passing package hides its output and lists its skips at the end",
			events: `{"Action":"start","Package":"m/ok"}
{"Action":"run","Package":"m/ok","Test":"TestOK"}
{"Action":"output","Package":"m/ok","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"m/ok","Test":"TestOK","Output":"    ok_test.go:3: fine\n"}
{"Action":"output","Package":"m/ok","Test":"TestOK","Output":"--- PASS: TestOK (0.00s)\n"}
{"Action":"pass","Package":"m/ok","Test":"TestOK","Elapsed":0}
{"Action":"run","Package":"m/ok","Test":"TestSub"}
{"Action":"output","Package":"m/ok","Test":"TestSub","Output":"=== RUN   TestSub\n"}
{"Action":"run","Package":"m/ok","Test":"TestSub/b"}
{"Action":"output","Package":"m/ok","Test":"TestSub/b","Output":"=== RUN   TestSub/b\n"}
{"Action":"output","Package":"m/ok","Test":"TestSub/b","Output":"    ok_test.go:4: needs moto\n"}
{"Action":"output","Package":"m/ok","Test":"TestSub/b","Output":"--- SKIP: TestSub/b (0.00s)\n"}
{"Action":"skip","Package":"m/ok","Test":"TestSub/b","Elapsed":0}
{"Action":"output","Package":"m/ok","Test":"TestSub","Output":"--- PASS: TestSub (0.00s)\n"}
{"Action":"pass","Package":"m/ok","Test":"TestSub","Elapsed":0}
{"Action":"run","Package":"m/ok","Test":"TestSkipNow"}
{"Action":"output","Package":"m/ok","Test":"TestSkipNow","Output":"=== RUN   TestSkipNow\n"}
{"Action":"output","Package":"m/ok","Test":"TestSkipNow","Output":"--- SKIP: TestSkipNow (0.00s)\n"}
{"Action":"skip","Package":"m/ok","Test":"TestSkipNow","Elapsed":0}
{"Action":"output","Package":"m/ok","Output":"PASS\n"}
{"Action":"output","Package":"m/ok","Output":"ok  \tm/ok\t0.003s\n"}
{"Action":"pass","Package":"m/ok","Elapsed":0.008}
{"Action":"start","Package":"m/notests"}
{"Action":"output","Package":"m/notests","Output":"?   \tm/notests\t[no test files]\n"}
{"Action":"skip","Package":"m/notests","Elapsed":0}
`,
			want: "ok  \tm/ok\t0.003s\n" +
				"?   \tm/notests\t[no test files]\n" +
				"skipped (2):\n" +
				"  m/ok TestSub/b: ok_test.go:4: needs moto\n" +
				"  m/ok TestSkipNow: (no reason given)\n",
		},
		{
			name: "a failing test's whole output, its parent's and the package's, not a passing test's",
			events: `{"Action":"start","Package":"m/fail"}
{"Action":"output","Package":"m/fail","Output":"from TestMain\n"}
{"Action":"run","Package":"m/fail","Test":"TestFails"}
{"Action":"output","Package":"m/fail","Test":"TestFails","Output":"=== RUN   TestFails\n"}
{"Action":"output","Package":"m/fail","Test":"TestFails","Output":"stdout line\n"}
{"Action":"output","Package":"m/fail","Test":"TestFails","Output":"    fail_test.go:3: multi\n"}
{"Action":"output","Package":"m/fail","Test":"TestFails","Output":"        line\n"}
{"Action":"output","Package":"m/fail","Test":"TestFails","Output":"--- FAIL: TestFails (0.00s)\n"}
{"Action":"fail","Package":"m/fail","Test":"TestFails","Elapsed":0}
{"Action":"run","Package":"m/fail","Test":"TestPasses"}
{"Action":"output","Package":"m/fail","Test":"TestPasses","Output":"=== RUN   TestPasses\n"}
{"Action":"output","Package":"m/fail","Test":"TestPasses","Output":"    pass_test.go:9: said something\n"}
{"Action":"output","Package":"m/fail","Test":"TestPasses","Output":"--- PASS: TestPasses (0.00s)\n"}
{"Action":"pass","Package":"m/fail","Test":"TestPasses","Elapsed":0}
{"Action":"run","Package":"m/fail","Test":"TestParent"}
{"Action":"output","Package":"m/fail","Test":"TestParent","Output":"=== RUN   TestParent\n"}
{"Action":"run","Package":"m/fail","Test":"TestParent/child"}
{"Action":"output","Package":"m/fail","Test":"TestParent/child","Output":"=== RUN   TestParent/child\n"}
{"Action":"output","Package":"m/fail","Test":"TestParent/child","Output":"=== PAUSE TestParent/child\n"}
{"Action":"pause","Package":"m/fail","Test":"TestParent/child"}
{"Action":"cont","Package":"m/fail","Test":"TestParent/child"}
{"Action":"output","Package":"m/fail","Test":"TestParent/child","Output":"=== CONT  TestParent/child\n"}
{"Action":"output","Package":"m/fail","Test":"TestParent/child","Output":"    fail_test.go:5: child failed\n"}
{"Action":"output","Package":"m/fail","Test":"TestParent/child","Output":"--- FAIL: TestParent/child (0.00s)\n"}
{"Action":"fail","Package":"m/fail","Test":"TestParent/child","Elapsed":0}
{"Action":"output","Package":"m/fail","Test":"TestParent","Output":"--- FAIL: TestParent (0.00s)\n"}
{"Action":"fail","Package":"m/fail","Test":"TestParent","Elapsed":0}
{"Action":"output","Package":"m/fail","Output":"FAIL\n"}
{"Action":"output","Package":"m/fail","Output":"FAIL\tm/fail\t0.004s\n"}
{"Action":"fail","Package":"m/fail","Elapsed":0.005}
`,
			want: "FAIL\tm/fail\t0.004s\n" +
				"from TestMain\n" +
				"stdout line\n" +
				"    fail_test.go:3: multi\n" +
				"        line\n" +
				"--- FAIL: TestFails (0.00s)\n" +
				"    fail_test.go:5: child failed\n" +
				"--- FAIL: TestParent/child (0.00s)\n" +
				"--- FAIL: TestParent (0.00s)\n",
			failed: true,
		},
		{
			name: "a panic: the trace, and the tests it kept from running are not skips",
			events: `{"Action":"start","Package":"m/panicky"}
{"Action":"run","Package":"m/panicky","Test":"TestPanics"}
{"Action":"output","Package":"m/panicky","Test":"TestPanics","Output":"=== RUN   TestPanics\n"}
{"Action":"output","Package":"m/panicky","Test":"TestPanics","Output":"--- FAIL: TestPanics (0.00s)\n"}
{"Action":"output","Package":"m/panicky","Test":"TestPanics","Output":"panic: assignment to entry in nil map [recovered, repanicked]\n"}
{"Action":"output","Package":"m/panicky","Test":"TestPanics","Output":"\n"}
{"Action":"output","Package":"m/panicky","Test":"TestPanics","Output":"goroutine 19 [running]:\n"}
{"Action":"output","Package":"m/panicky","Test":"TestPanics","Output":"m/panicky.TestPanics(0xb1ac6b1c488?)\n"}
{"Action":"output","Package":"m/panicky","Test":"TestPanics","Output":"\t/tmp/m/panicky/p_test.go:3 +0x28\n"}
{"Action":"fail","Package":"m/panicky","Test":"TestPanics","Elapsed":0}
{"Action":"output","Package":"m/panicky","Output":"FAIL\tm/panicky\t0.005s\n"}
{"Action":"fail","Package":"m/panicky","Elapsed":0.005}
`,
			want: "FAIL\tm/panicky\t0.005s\n" +
				"--- FAIL: TestPanics (0.00s)\n" +
				"panic: assignment to entry in nil map [recovered, repanicked]\n" +
				"\n" +
				"goroutine 19 [running]:\n" +
				"m/panicky.TestPanics(0xb1ac6b1c488?)\n" +
				"\t/tmp/m/panicky/p_test.go:3 +0x28\n",
			failed: true,
		},
		{
			name: "build failures: the compiler's output once, under the first package it failed",
			events: `{"ImportPath":"m/broken [m/broken.test]","Action":"build-output","Output":"# m/broken [m/broken.test]\n"}
{"ImportPath":"m/broken [m/broken.test]","Action":"build-output","Output":"broken/b_test.go:3:28: undefined: undefined\n"}
{"ImportPath":"m/broken [m/broken.test]","Action":"build-fail"}
{"ImportPath":"m/dep","Action":"build-output","Output":"# m/dep\n"}
{"ImportPath":"m/dep","Action":"build-output","Output":"dep/d.go:2:23: cannot use \"x\" (untyped string constant) as int value in return statement\n"}
{"ImportPath":"m/dep","Action":"build-fail"}
{"Action":"start","Package":"m/broken"}
{"Action":"output","Package":"m/broken","Output":"FAIL\tm/broken [build failed]\n"}
{"Action":"fail","Package":"m/broken","Elapsed":0,"FailedBuild":"m/broken [m/broken.test]"}
{"Action":"start","Package":"m/dep"}
{"Action":"output","Package":"m/dep","Output":"FAIL\tm/dep [build failed]\n"}
{"Action":"fail","Package":"m/dep","Elapsed":0,"FailedBuild":"m/dep"}
{"Action":"start","Package":"m/usesdep"}
{"Action":"output","Package":"m/usesdep","Output":"FAIL\tm/usesdep [build failed]\n"}
{"Action":"fail","Package":"m/usesdep","Elapsed":0,"FailedBuild":"m/dep"}
`,
			want: "FAIL\tm/broken [build failed]\n" +
				"# m/broken [m/broken.test]\n" +
				"broken/b_test.go:3:28: undefined: undefined\n" +
				"FAIL\tm/dep [build failed]\n" +
				"# m/dep\n" +
				"dep/d.go:2:23: cannot use \"x\" (untyped string constant) as int value in return statement\n" +
				"FAIL\tm/usesdep [build failed]\n" +
				"(the build of m/dep failed: above)\n",
			failed: true,
		},
		{
			name: "a run cut short: the unfinished package fails with what it said",
			events: `{"Action":"start","Package":"m/slow"}
{"Action":"run","Package":"m/slow","Test":"TestSlow"}
{"Action":"output","Package":"m/slow","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}
{"Action":"output","Package":"m/slow","Output":"signal: interrupt\n"}
go: something that is not an event
`,
			want: "go: something that is not an event\n" +
				"FAIL\tm/slow\t0.000s\n" +
				"signal: interrupt\n",
			failed: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			s := newSummary(&out)
			for l := range strings.Lines(tc.events) {
				s.Line([]byte(l))
			}
			s.Finish()
			if got := out.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if s.Failed() != tc.failed {
				t.Errorf("Failed() = %v, want %v", s.Failed(), tc.failed)
			}
		})
	}
}

// TestRunKeepsGoTestsExitStatus runs go test on a scratch module: success
// is 0, a failing test or a build failure is go test's non-zero status.
func TestRunKeepsGoTestsExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds scratch test binaries")
	}
	cases := []struct {
		name, test string
		want       int
		says       string
	}{
		{"pass", "func TestP(t *testing.T) {}", 0, "ok  \tscratch\t"},
		{"fail", `func TestF(t *testing.T) { t.Error("no") }`, 1, "--- FAIL: TestF"},
		{"build failure", "func TestB(t *testing.T) { undefined() }", 1, "undefined: undefined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, text string) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("go.mod", "module scratch\n\ngo 1.24\n")
			write("s_test.go", "package scratch\n\nimport \"testing\"\n\n"+tc.test+"\n")
			t.Chdir(dir)
			var out, errs strings.Builder
			if got := run([]string{"-count=1", "."}, &out, &errs); got != tc.want {
				t.Errorf("status %d, want %d\n%s%s", got, tc.want, out.String(), errs.String())
			}
			if !strings.Contains(out.String(), tc.says) {
				t.Errorf("output lacks %q:\n%s", tc.says, out.String())
			}
		})
	}
}
