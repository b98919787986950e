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
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/localdb"
	"github.com/outbound-caller/admin-api/pkg/secret"
	"github.com/outbound-caller/admin-api/pkg/store"
)

const (
	rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
	control   = "coldstart-control"
	table     = "coldstart"
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
	flag.Parse()
	if err := run(*runs, *warm, *out); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(runs, warm int, out string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rie := filepath.Join(dir, "rie")
	if err := goBuild(ctx, rie, rieModule, runtime.GOARCH, false); err != nil {
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

	emb := localdb.Start()
	defer emb.Close()
	db, err := localdb.Client(ctx, emb.URL)
	if err != nil {
		return err
	}
	hasher, err := secret.NewHasher(secret.DefaultParams())
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
	adminHash, err := hasher.Hash(config.DevAdminPassword)
	if err != nil {
		return err
	}
	env := append(os.Environ(),
		// The sample events are signed with the development secret and name
		// the demo clients, their secrets and the development admin.
		"ADMIN_JWT_SECRET="+config.DevSecret, "AWS_ENDPOINT_URL_DYNAMODB="+emb.URL,
		"ADMIN_USERNAME="+config.DevAdminUsername, "ADMIN_PASSWORD_HASH="+adminHash,
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_TIMEOUT=10", "LOG_LEVEL=error",
		// The development secret is refused outside local runs, and the
		// emulator sets AWS_LAMBDA_FUNCTION_NAME as Lambda does.
		"APP_ENV=local",
	)

	var results []Result
	for _, name := range names {
		host, arm := filepath.Join(dir, name, "bootstrap"), filepath.Join(dir, name+"-arm64", "bootstrap")
		if err := goBuild(ctx, host, pkgs[name], runtime.GOARCH, true); err != nil {
			return err
		}
		if err := goBuild(ctx, arm, pkgs[name], "arm64", true); err != nil {
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
		env := append(env, "TABLE_NAME="+t)
		r := Result{Name: name, Runs: runs, Warm: warm}
		r.SizeHost, r.SizeArm64 = size(host), size(arm)
		var first, inits []float64
		statuses := map[int]int{}
		for range runs {
			f, init, status, err := coldStart(rie, host, env, ev)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			first, inits = append(first, f), append(inits, init)
			statuses[status]++
		}
		r.FirstRespMs, r.InitMs, r.FirstStatuses = median(first), median(inits), fmt.Sprint(statuses)
		if err := warmRun(rie, host, env, ev, warm, &r); err != nil {
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

// goBuild builds pkg as deployed: static, no RPC shim, stripped.
func goBuild(ctx context.Context, out, pkg, goarch string, lambda bool) error {
	args := []string{"build", "-o", out}
	if lambda {
		args = append(args, "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s: %w", pkg, err)
	}
	return nil
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

// emulator is one RIE process with its function.
type emulator struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	logs bytes.Buffer
}

func start(rie, bootstrap string, env []string) (*emulator, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	apiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(apiPort), bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	e := &emulator{cmd: cmd, url: "http://" + addr + "/2015-03-31/functions/function/invocations"}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			e.mu.Lock()
			e.logs.WriteString(sc.Text() + "\n")
			e.mu.Unlock()
		}
	}()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return e, nil
		}
		if time.Now().After(deadline) {
			e.stop()
			return nil, errors.New("emulator did not listen")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop ends the emulator and the bootstrap it started (its process group).
func (e *emulator) stop() {
	_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
	_ = e.cmd.Wait()
}

func (e *emulator) invoke(ev []byte) (int, error) {
	resp, err := http.Post(e.url, "application/json", bytes.NewReader(ev))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		StatusCode int `json:"statusCode"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
		return 0, fmt.Errorf("invoke: %d %s", resp.StatusCode, b)
	}
	return out.StatusCode, nil
}

var initRe = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)

func coldStart(rie, bootstrap string, env []string, ev []byte) (firstMs, initMs float64, status int, err error) {
	e, err := start(rie, bootstrap, env)
	if err != nil {
		return 0, 0, 0, err
	}
	defer e.stop()
	t0 := time.Now()
	status, err = e.invoke(ev)
	first := time.Since(t0)
	if err != nil {
		return 0, 0, 0, err
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		e.mu.Lock()
		m := initRe.FindStringSubmatch(e.logs.String())
		e.mu.Unlock()
		if m != nil {
			initMs, _ = strconv.ParseFloat(m[1], 64)
			break
		}
	}
	return float64(first.Microseconds()) / 1000, initMs, status, nil
}

// warmRun invokes one function n times and reads the bootstrap's memory
// after the 100th and the last invocation.
func warmRun(rie, bootstrap string, env []string, ev []byte, n int, r *Result) error {
	e, err := start(rie, bootstrap, env)
	if err != nil {
		return err
	}
	defer e.stop()
	statuses := map[int]int{}
	for i := 1; i <= n; i++ {
		s, err := e.invoke(ev)
		if err != nil {
			return err
		}
		statuses[s]++
		if i == 100 || i == n {
			pid, err := child(e.cmd.Process.Pid, bootstrap)
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

// child finds the bootstrap process the emulator started.
func child(ppid int, bootstrap string) (int, error) {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", ppid))
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, f := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(f)
			if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); exe == bootstrap {
				return pid, nil
			}
		}
	}
	return 0, errors.New("bootstrap process not found")
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

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
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
