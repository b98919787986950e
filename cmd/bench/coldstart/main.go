// Command coldstart measures each Lambda as deployed against an empty
// aws-lambda-go function (cmd/bench/coldstart-control): stripped binary size
// (linux/arm64, as deployed), cold start under the Runtime Interface
// Emulator (median of -runs fresh processes, host architecture), and
// resident memory over -warm warm invocations. It writes a JSON report.
//
// The RIE starts a function's bootstrap on the first invoke, so "first
// response" is the time from sending that invoke to its response: process
// start, our init and the first request. "Init Duration" is what the RIE
// reports in its INIT REPORT line.
//
// With valgrind installed (and -callgrind, the default) each function also
// gets the instructions it executes from process start to its first
// response, counted by callgrind: one run, since the count barely moves
// between runs, where wall-clock times on a shared machine do.
//
// Every function's cold starts alternate with the control's, one of each
// in turn, and its ratio is to the control's median over those same
// minutes: measured one after the other, a machine whose speed drifts
// (other jobs, frequency) moved the ratio by 0.2 between runs.
//
// Lambda sets no AWS_CA_BUNDLE; a sandbox that does would make the figures
// include parsing it, so it is unset for the functions (and reported).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/rie"
	"github.com/outbound-caller/admin-api/pkg/passhash"
	"github.com/outbound-caller/admin-api/pkg/store"
)

const (
	control = "coldstart-control"
	table   = "coldstart"
)

// Result is one function's figures.
type Result struct {
	Name        string  `json:"name"`
	SizeArm64   int64   `json:"sizeArm64Bytes"`
	SizeHost    int64   `json:"sizeHostBytes"`
	FirstRespMs float64 `json:"firstResponseMedianMs"`
	// ControlMs is the control's median first response over the cold
	// starts alternated with this function's; Ratio is FirstRespMs to it.
	ControlMs     float64 `json:"pairedControlMedianMs,omitempty"`
	Ratio         float64 `json:"ratioToPairedControl,omitempty"`
	InitMs        float64 `json:"initDurationMedianMs"`
	Runs          int     `json:"runs"`
	RSS100KB      int64   `json:"rssAfter100KB"`
	RSSEndKB      int64   `json:"rssAfterWarmKB"`
	HWMKB         int64   `json:"peakRssKB"`
	Warm          int     `json:"warmInvocations"`
	WarmStatus    string  `json:"warmStatuses"`
	FirstStatuses string  `json:"firstStatuses"`
	// FirstRespIr is the instructions from process start to the first
	// response (callgrind); 0 when not measured.
	FirstRespIr float64 `json:"firstResponseInstructions,omitempty"`
}

func main() {
	runs := flag.Int("runs", 20, "cold starts per function")
	warm := flag.Int("warm", 1000, "warm invocations for the memory figures")
	out := flag.String("o", "", "write the JSON report here (default stdout)")
	only := flag.String("functions", "", "comma-separated functions to measure (default all, and the control)")
	cg := flag.Bool("callgrind", true, "count instructions to the first response with valgrind's callgrind, where valgrind is installed")
	flag.StringVar(&keepCallgrind, "callgrind-dir", "", "keep each function's callgrind output here (for callgrind_annotate)")
	flag.Parse()
	if v, ok := os.LookupEnv("AWS_CA_BUNDLE"); ok {
		// The emulator hands its environment to the function.
		fmt.Fprintf(os.Stderr, "coldstart: AWS_CA_BUNDLE=%s unset for the measured functions: Lambda sets none\n", v)
		os.Unsetenv("AWS_CA_BUNDLE")
	}
	if *cg {
		if _, err := exec.LookPath("valgrind"); err != nil {
			fmt.Fprintln(os.Stderr, "coldstart: valgrind not found: instruction counts to the first response skipped")
			*cg = false
		}
	}
	if err := run(context.Background(), *runs, *warm, *only, *out, *cg); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, runs, warm int, only, out string, cg bool) error {
	dir, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	emulator, err := rie.BuildEmulator(ctx, ".", dir)
	if err != nil {
		return err
	}
	fns, err := filepath.Glob("functions/*")
	if err != nil {
		return err
	}
	pkgs := map[string]string{control: "./cmd/bench/" + control}
	names := []string{control}
	for _, f := range fns {
		pkgs[filepath.Base(f)] = "./" + f
		names = append(names, filepath.Base(f))
	}
	if only != "" {
		names = slices.DeleteFunc(names, func(n string) bool { return !slices.Contains(strings.Split(only, ","), n) })
	}

	emb := localdb.Start()
	defer emb.Close()
	db, err := localdb.Client(ctx, emb.URL)
	if err != nil {
		return err
	}
	hasher, err := passhash.NewHasher(passhash.DefaultParams())
	if err != nil {
		return err
	}
	// Each function gets its own freshly seeded table: an event that resets
	// John's secret must not revoke the token another function's event uses.
	seeded := func(name string) (string, error) {
		t := table + "-" + name
		if err := store.CreateTable(ctx, db, t); err != nil {
			return "", err
		}
		return t, localdb.SeedWithSecrets(ctx, store.New(db, t, nil), hasher, time.Now())
	}

	var results []Result
	// The control, once measured, for the cold starts alternated with each
	// function's.
	type coldRun struct {
		bootstrap string
		env       []string
		ev        []byte
	}
	var ctlRun *coldRun
	for _, name := range names {
		host, arm := filepath.Join(dir, name, "bootstrap"), filepath.Join(dir, name+"-arm64", "bootstrap")
		if err := rie.BuildLambda(ctx, ".", pkgs[name], host, ""); err != nil {
			return err
		}
		if err := rie.BuildLambda(ctx, ".", pkgs[name], arm, "arm64"); err != nil {
			return err
		}
		ev, err := event(name)
		if err != nil {
			return err
		}
		t, err := seeded(name)
		if err != nil {
			return err
		}
		// The sample events are signed with the development secret and name
		// the demo clients, their secrets and the development admin, which
		// is what the local environment configures.
		env, err := rie.LocalEnv(name, t, emb.URL)
		if err != nil {
			return err
		}
		// No LOG_LEVEL: the emulator reads it too, and at "error" it drops
		// the INIT REPORT line; the functions log at info, as deployed.
		r := Result{Name: name, Runs: runs, Warm: warm}
		r.SizeHost, r.SizeArm64 = size(host), size(arm)
		var first, inits, ctlFirst []float64
		statuses := map[int]int{}
		paired := ctlRun != nil && name != control
		controlRun := func() error {
			f, _, _, err := coldStart(ctx, emulator, ctlRun.bootstrap, ctlRun.env, ctlRun.ev)
			if err != nil {
				return fmt.Errorf("%s: %w", control, err)
			}
			ctlFirst = append(ctlFirst, f)
			return nil
		}
		for i := range runs {
			// The control goes first every other time.
			if paired && i%2 == 0 {
				if err := controlRun(); err != nil {
					return err
				}
			}
			f, init, status, err := coldStart(ctx, emulator, host, env, ev)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			first, inits = append(first, f), append(inits, init)
			statuses[status]++
			if paired && i%2 == 1 {
				if err := controlRun(); err != nil {
					return err
				}
			}
		}
		r.FirstRespMs, r.InitMs, r.FirstStatuses = median(first), median(inits), fmt.Sprint(statuses)
		if name == control {
			ctlRun = &coldRun{host, env, ev}
		} else if len(ctlFirst) > 0 {
			r.ControlMs = median(ctlFirst)
			r.Ratio = r.FirstRespMs / r.ControlMs
		}
		if cg {
			if r.FirstRespIr, err = firstResponseInstructions(ctx, emulator, host, env, ev); err != nil {
				return fmt.Errorf("%s: callgrind: %w", name, err)
			}
		}
		if err := warmRun(ctx, emulator, host, env, ev, warm, &r); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(os.Stderr, "%s: first response %.1f ms (control alongside %.1f ms, ratio %.2f; %.1fM instructions), init %.1f ms, arm64 %.2f MiB, peak RSS %d KB\n",
			name, r.FirstRespMs, r.ControlMs, r.Ratio, r.FirstRespIr/1e6, r.InitMs, float64(r.SizeArm64)/(1<<20), r.HWMKB)
		results = append(results, r)
	}
	b, _ := json.MarshalIndent(results, "", "  ")
	if out == "" {
		_, err = os.Stdout.Write(append(b, '\n'))
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// event is the function's sample event (events/<name>.json) as it is, or
// a minimal event for the control.
func event(name string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join("events", name+".json"))
	if errors.Is(err, os.ErrNotExist) {
		return []byte(`{"version":"2.0","routeKey":"GET /","rawPath":"/","headers":{},"requestContext":{"http":{"method":"GET","path":"/"}}}`), nil
	}
	return b, err
}

// logBuffer keeps the emulator's output for its REPORT line; the emulator
// writes it from its own goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// invoke sends ev and returns the statusCode of the function's response.
func invoke(ctx context.Context, e *rie.Emulator, ev []byte) (int, error) {
	b, err := e.Invoke(ctx, ev)
	if err != nil {
		return 0, err
	}
	var out struct {
		StatusCode int `json:"statusCode"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, fmt.Errorf("invoke: %w: %s", err, b)
	}
	return out.StatusCode, nil
}

// initRe reads the emulator's INIT REPORT line (its REPORT line's "Init
// Duration" is not the function's init).
var initRe = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

func coldStart(ctx context.Context, emulator, bootstrap string, env []string, ev []byte) (firstMs, initMs float64, status int, err error) {
	logs := &logBuffer{}
	e, err := rie.Start(ctx, emulator, bootstrap, env, logs)
	if err != nil {
		return 0, 0, 0, err
	}
	defer e.Close()
	t0 := time.Now()
	status, err = invoke(ctx, e, ev)
	first := time.Since(t0)
	if err != nil {
		return 0, 0, 0, err
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m := initRe.FindStringSubmatch(logs.String()); m != nil {
			initMs, _ = strconv.ParseFloat(m[1], 64)
			break
		}
	}
	return float64(first.Microseconds()) / 1000, initMs, status, nil
}

// warmRun invokes one function n times and reads the bootstrap's memory
// after the 100th and the last invocation.
func warmRun(ctx context.Context, emulator, bootstrap string, env []string, ev []byte, n int, r *Result) error {
	e, err := rie.Start(ctx, emulator, bootstrap, env, &logBuffer{})
	if err != nil {
		return err
	}
	defer e.Close()
	statuses := map[int]int{}
	for i := 1; i <= n; i++ {
		s, err := invoke(ctx, e, ev)
		if err != nil {
			return err
		}
		statuses[s]++
		if i == 100 || i == n {
			pid, err := e.FunctionPID()
			if err != nil {
				return err
			}
			rss, hwm, err := memory(pid)
			if err != nil {
				return err
			}
			if i == 100 {
				r.RSS100KB = rss
			}
			if i == n {
				r.RSSEndKB, r.HWMKB = rss, hwm
			}
		}
	}
	r.WarmStatus = fmt.Sprint(statuses)
	return nil
}

func memory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = kb
		case "VmHWM":
			hwm = kb
		}
	}
	return rss, hwm, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// firstResponseInstructions runs the bootstrap under callgrind through a
// wrapper the emulator starts in its place, invokes it once, then kills the
// emulator alone: the function's next Runtime API call fails, aws-lambda-go
// ends the process and callgrind writes its count. The count therefore
// runs from process start to the first response plus that short exit,
// which the control has too.
func firstResponseInstructions(ctx context.Context, emulator, bootstrap string, env []string, ev []byte) (float64, error) {
	dir, err := os.MkdirTemp("", "callgrind")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "callgrind.out")
	if keepCallgrind != "" {
		if err := os.MkdirAll(keepCallgrind, 0o755); err != nil {
			return 0, err
		}
		if out, err = filepath.Abs(filepath.Join(keepCallgrind, "callgrind."+filepath.Base(filepath.Dir(bootstrap)))); err != nil {
			return 0, err
		}
	}
	wrapper := filepath.Join(dir, "bootstrap")
	// Go's asynchronous preemption signals make callgrind 3.19 abort.
	script := fmt.Sprintf("#!/bin/sh\nGODEBUG=asyncpreemptoff=1 exec valgrind --tool=callgrind --callgrind-out-file=%q %q\n", out, bootstrap)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		return 0, err
	}
	// Under valgrind the init takes seconds: give it the time.
	env = append(slices.Clone(env), "AWS_LAMBDA_FUNCTION_TIMEOUT=300")
	e, err := rie.Start(ctx, emulator, wrapper, env, &logBuffer{})
	if err != nil {
		return 0, err
	}
	defer e.Close()
	ictx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if _, err := invoke(ictx, e, ev); err != nil {
		return 0, err
	}
	if err := syscall.Kill(e.PID(), syscall.SIGKILL); err != nil {
		return 0, err
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		b, err := os.ReadFile(out)
		if err != nil {
			continue
		}
		if m := totalRe.FindSubmatch(b); m != nil {
			return strconv.ParseFloat(string(m[1]), 64)
		}
	}
	return 0, errors.New("no callgrind count within 2 minutes of the first response")
}

// keepCallgrind is -callgrind-dir.
var keepCallgrind string

var totalRe = regexp.MustCompile(`(?m)^(?:summary|totals):\s+(\d+)`)
