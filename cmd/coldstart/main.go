// Command coldstart measures each Lambda as deployed against an empty
// aws-lambda-go function (cmd/coldstart-control): stripped binary size
// (linux/arm64, as deployed), cold start under the Runtime Interface
// Emulator (median of -runs fresh processes, host architecture), and
// resident memory over -warm warm invocations. It writes a JSON report.
//
// The RIE starts a function's bootstrap on the first invoke, so "first
// response" is the time from sending that invoke to its response: process
// start, our init and the first request. "Init Duration" is what the RIE
// reports in its REPORT line.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/outbound-caller/admin-api/internal/dev/localdb"
	"github.com/outbound-caller/admin-api/internal/dev/rie"
	"github.com/outbound-caller/admin-api/internal/passhash"
	"github.com/outbound-caller/admin-api/internal/store"
)

const (
	control = "coldstart-control"
	table   = "coldstart"
)

// Result is one function's figures.
type Result struct {
	Name          string  `json:"name"`
	SizeArm64     int64   `json:"sizeArm64Bytes"`
	SizeHost      int64   `json:"sizeHostBytes"`
	FirstRespMs   float64 `json:"firstResponseMedianMs"`
	InitMs        float64 `json:"initDurationMedianMs"`
	Runs          int     `json:"runs"`
	RSS100KB      int64   `json:"rssAfter100KB"`
	RSSEndKB      int64   `json:"rssAfterWarmKB"`
	HWMKB         int64   `json:"peakRssKB"`
	Warm          int     `json:"warmInvocations"`
	WarmStatus    string  `json:"warmStatuses"`
	FirstStatuses string  `json:"firstStatuses"`
}

func main() {
	runs := flag.Int("runs", 20, "cold starts per function")
	warm := flag.Int("warm", 1000, "warm invocations for the memory figures")
	out := flag.String("o", "", "write the JSON report here (default stdout)")
	only := flag.String("functions", "", "comma-separated functions to measure (default all, and the control)")
	flag.Parse()
	if err := run(context.Background(), *runs, *warm, *only, *out); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, runs, warm int, only, out string) error {
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
	pkgs := map[string]string{control: "./cmd/" + control}
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
		env = append(env, "LOG_LEVEL=error")
		r := Result{Name: name, Runs: runs, Warm: warm}
		r.SizeHost, r.SizeArm64 = size(host), size(arm)
		var first, inits []float64
		statuses := map[int]int{}
		for range runs {
			f, init, status, err := coldStart(ctx, emulator, host, env, ev)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			first, inits = append(first, f), append(inits, init)
			statuses[status]++
		}
		r.FirstRespMs, r.InitMs, r.FirstStatuses = median(first), median(inits), fmt.Sprint(statuses)
		if err := warmRun(ctx, emulator, host, env, ev, warm, &r); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(os.Stderr, "%s: first response %.1f ms, init %.1f ms, arm64 %.1f MB, peak RSS %d KB\n",
			name, r.FirstRespMs, r.InitMs, float64(r.SizeArm64)/(1<<20), r.HWMKB)
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

var initRe = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)

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
