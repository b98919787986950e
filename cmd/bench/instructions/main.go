// Command instructions counts the instructions each handler benchmark of
// pkg/api executes per request against its bare SDK pair, with
// valgrind's callgrind: on a shared, noisy machine wall-clock ratios wander
// (1.2x to 2.8x for the same code), instruction counts do not.
//
// Each pair is counted twice: with the collector as deployed (GOGC=100),
// where the collector's work is in the count but lands in whichever run it
// happens to fall (cycles are millions of instructions), and without it
// (GOGC=off), which counts the request path's own work, allocation
// included, and nothing else, and is the steadier figure.
//
// With the collector on, where its cycles land moves a pair's ratio by a
// few percent from one count to the next, so that pair is counted -repeat
// times (3) and the median ratio reported, with the lowest and highest.
//
// Each benchmark runs twice under callgrind, for -n1 and -n2 iterations,
// and its cost per request is (Ir(n2) - Ir(n1)) / (n2 - n1): process
// start, the embedded store's start, seeding and the handler's
// construction cancel out. Both benchmarks of a pair run the same
// in-process store, so its work is in both counts.
//
// Without valgrind it writes a report that says so and exits 0: the
// counts are optional where valgrind is not installed.
package main

import (
	"bufio"
	"cmp"
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
)

// Pair is one handler benchmark and the bare SDK calls it issues.
type Pair struct {
	GOGC      string  `json:"gogc"`
	Handler   string  `json:"handler"`
	Bare      string  `json:"bare"`
	HandlerIr float64 `json:"handlerInstructionsPerOp"`
	BareIr    float64 `json:"bareInstructionsPerOp"`
	Ratio     float64 `json:"ratio"`
	// Runs is how many counts the ratio is the median of; RatioMin and
	// RatioMax their range.
	Runs     int     `json:"runs"`
	RatioMin float64 `json:"ratioMin"`
	RatioMax float64 `json:"ratioMax"`
}

// Report is what -o receives.
type Report struct {
	Valgrind string `json:"valgrind,omitempty"`
	Note     string `json:"note,omitempty"`
	N1       int    `json:"n1"`
	N2       int    `json:"n2"`
	Pairs    []Pair `json:"pairs"`
}

var gogcs = []string{"100", "off"}

var pairs = [][2]string{{"UpdateHandler", "BareUpdateItem"}, {"EmailChangeHandler", "BareEmailChange"}}

func main() {
	n1 := flag.Int("n1", 100, "iterations of the shorter run")
	n2 := flag.Int("n2", 300, "iterations of the longer run")
	jobs := flag.Int("j", 2, "callgrind runs at once")
	repeat := flag.Int("repeat", 3, "counts of each pair with the collector on (GOGC=100); the median ratio is reported")
	out := flag.String("o", "", "write the JSON report here (default stdout)")
	flag.Parse()
	r, err := run(context.Background(), *n1, *n2, *jobs, max(*repeat, 1))
	if err != nil {
		fmt.Fprintln(os.Stderr, "instructions:", err)
		os.Exit(1)
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	b = append(b, '\n')
	if *out == "" {
		os.Stdout.Write(b)
		return
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "instructions:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, n1, n2, jobs, repeat int) (Report, error) {
	r := Report{N1: n1, N2: n2}
	v, err := exec.Command("valgrind", "--version").Output()
	if err != nil {
		r.Note = "valgrind not found: instruction counts skipped (apt-get install valgrind)"
		fmt.Fprintln(os.Stderr, "instructions:", r.Note)
		return r, nil
	}
	r.Valgrind = strings.TrimSpace(string(v))
	dir, err := os.MkdirTemp("", "instructions")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "api.test")
	// No cgo: callgrind then sees a static Go binary only.
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./pkg/api")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		return r, fmt.Errorf("go test -c: %w\n%s", err, b)
	}

	type job struct {
		gogc, bench string
		n, rep      int
	}
	reps := func(gogc string) int {
		if gogc == "off" {
			return 1 // no collector: the count barely moves
		}
		return repeat
	}
	var todo []job
	for _, gogc := range gogcs {
		for rep := range reps(gogc) {
			for _, p := range pairs {
				for _, b := range p {
					todo = append(todo, job{gogc, b, n1, rep}, job{gogc, b, n2, rep})
				}
			}
		}
	}
	counts := map[job]float64{}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, max(jobs, 1))
	var wg sync.WaitGroup
	for i, j := range todo {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ir, err := callgrind(ctx, bin, filepath.Join(dir, fmt.Sprintf("callgrind.%d", i)), j.gogc, j.bench, j.n)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("%s x%d: %w", j.bench, j.n, err)
			}
			counts[j] = ir
			fmt.Fprintf(os.Stderr, "GOGC=%s %s x%d: %.0f instructions\n", j.gogc, j.bench, j.n, ir)
		})
	}
	wg.Wait()
	if firstErr != nil {
		return r, firstErr
	}
	for _, gogc := range gogcs {
		for _, p := range pairs {
			var runs []Pair
			for rep := range reps(gogc) {
				perOp := func(b string) float64 {
					return (counts[job{gogc, b, n2, rep}] - counts[job{gogc, b, n1, rep}]) / float64(n2-n1)
				}
				h, b := perOp(p[0]), perOp(p[1])
				runs = append(runs, Pair{GOGC: gogc, Handler: p[0], Bare: p[1], HandlerIr: h, BareIr: b, Ratio: h / b})
			}
			slices.SortFunc(runs, func(a, b Pair) int { return cmp.Compare(a.Ratio, b.Ratio) })
			m := runs[len(runs)/2]
			m.Runs, m.RatioMin, m.RatioMax = len(runs), runs[0].Ratio, runs[len(runs)-1].Ratio
			r.Pairs = append(r.Pairs, m)
			fmt.Fprintf(os.Stderr, "GOGC=%s %s: %.0f instructions/op, %s: %.0f, ratio %.3f (median of %d, %.3f-%.3f)\n",
				gogc, p[0], m.HandlerIr, p[1], m.BareIr, m.Ratio, m.Runs, m.RatioMin, m.RatioMax)
		}
	}
	return r, nil
}

// callgrind runs one benchmark for n iterations under callgrind and
// returns the instructions the whole process executed. Go's asynchronous
// preemption signals make callgrind 3.19 abort, so they are off; the
// scheduler then preempts at function calls only, as before Go 1.14.
// Callgrind runs one thread at a time whatever GOMAXPROCS says; with more
// than one P the count also holds idle Ps spinning for work, which varies
// from run to run by more than the handler's own cost, so GOMAXPROCS=1.
func callgrind(ctx context.Context, bin, out, gogc, bench string, n int) (float64, error) {
	cmd := exec.CommandContext(ctx, "valgrind", "--tool=callgrind", "--callgrind-out-file="+out,
		bin, "-test.run=^$", "-test.bench=^Benchmark"+bench+"$", "-test.benchtime="+strconv.Itoa(n)+"x")
	cmd.Dir = "pkg/api"
	cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1", "GOGC="+gogc, "GOMAXPROCS=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("valgrind: %w\n%s", err, tail(b))
	}
	return Total(out)
}

var totalLine = regexp.MustCompile(`^(?:summary|totals):\s+(\d+)`)

// Total reads the instruction count (Ir) of a callgrind output file.
func Total(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if m := totalLine.FindStringSubmatch(sc.Text()); m != nil {
			return strconv.ParseFloat(m[1], 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New(path + ": no summary line")
}

func tail(b []byte) []byte {
	if len(b) > 2000 {
		return b[len(b)-2000:]
	}
	return b
}
