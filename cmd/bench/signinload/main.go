// Command signinload measures sign-in against a running API (make run): it
// keeps -c sign-ins in flight for -d and reports requests per second by
// status. With -pid it also reads the server's resident memory from
// /proc/<pid>/status (VmHWM, the peak, and VmRSS) after the run, which is
// how the bound on concurrent argon2id hashing is checked:
//
//	make run &                                   # the server, port 3000
//	go run ./cmd/bench/signinload -kind client -c 16 -d 10s
//	go run ./cmd/bench/signinload -kind admin -c 64 -d 10s -pid "$(pgrep -n -f 'bin/local')"
//
// client signs in a demo client (POST /auth/login, the public development
// secret); admin signs in the development admin (POST /auth/admin/login).
// The lockout counts failures only, so these successful sign-ins are never
// refused with 429.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/config"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:3000", "base URL of the running API")
	kind := flag.String("kind", "client", "client (POST /auth/login) or admin (POST /auth/admin/login)")
	c := flag.Int("c", 16, "sign-ins in flight")
	d := flag.Duration("d", 10*time.Second, "duration")
	pid := flag.Int("pid", 0, "server process id: report its VmHWM and VmRSS after the run")
	flag.Parse()
	if err := run(*url, *kind, *c, *d, *pid, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "signinload:", err)
		os.Exit(1)
	}
}

func run(base, kind string, conc int, d time.Duration, pid int, out io.Writer) error {
	var path string
	var body []byte
	switch kind {
	case "client":
		path = "/auth/login"
		body, _ = json.Marshal(map[string]string{"clientId": localdb.JohnID, "clientSecret": localdb.JohnSecret})
	case "admin":
		path = "/auth/admin/login"
		body, _ = json.Marshal(map[string]string{"username": config.DevAdminUsername, "password": config.DevAdminPassword})
	default:
		return fmt.Errorf("-kind must be client or admin, got %q", kind)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}, Timeout: time.Minute}
	send := func() (int, error) {
		resp, err := hc.Post(base+path, "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode, nil
	}
	// One sign-in first: the server is up and the credentials are right.
	if st, err := send(); err != nil || st != http.StatusOK {
		return fmt.Errorf("first sign-in: status %d, %v", st, err)
	}
	var mu sync.Mutex
	statuses := map[int]int{}
	var errs int
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range conc {
		wg.Go(func() {
			local := map[int]int{}
			var e int
			for time.Now().Before(stop) {
				st, err := send()
				if err != nil {
					e++
					continue
				}
				local[st]++
			}
			mu.Lock()
			defer mu.Unlock()
			for k, v := range local {
				statuses[k] += v
			}
			errs += e
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	total := 0
	var keys []int
	for k, v := range statuses {
		total += v
		keys = append(keys, k)
	}
	sort.Ints(keys)
	fmt.Fprintf(out, "%s sign-in, concurrency %d, %s: %d responses, %.0f/s", kind, conc, elapsed.Round(time.Millisecond), total, float64(total)/elapsed.Seconds())
	for _, k := range keys {
		fmt.Fprintf(out, ", %d: %d", k, statuses[k])
	}
	if errs > 0 {
		fmt.Fprintf(out, ", transport errors: %d", errs)
	}
	fmt.Fprintln(out)
	if pid != 0 {
		mem, err := memory(pid)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "server pid %d: %s\n", pid, mem)
	}
	return nil
}

// memory reads the peak and current resident set of pid.
func memory(pid int) (string, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", err
	}
	defer f.Close()
	var parts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && (k == "VmHWM" || k == "VmRSS") {
			parts = append(parts, k+" "+strings.TrimSpace(v))
		}
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("no VmHWM/VmRSS in /proc/%d/status", pid)
	}
	return strings.Join(parts, ", "), sc.Err()
}
