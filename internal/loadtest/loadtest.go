// Package loadtest sends a fixed mix of requests at fixed concurrency for a
// fixed time and reports throughput, latency percentiles and errors;
// cmd/bench/loadgen runs it and cmd/bench/benchreport reads its Report.
//
// Without a URL it starts the API in-process exactly as `make run` does
// (the same handlers behind api.NewHTTPHandler) over the embedded store, or
// over an endpoint (for example moto), seeds one client per worker so that
// workers do not race each other for the same item, and targets those.
// With a URL it targets a running server and the demo client.
//
// It uses only the standard library: a closed loop of workers is all this
// needs, so a load-testing library would add a dependency for nothing.
package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/outbound-caller/admin-api/internal/gateway"
	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/app"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// Report is what one run measured.
type Report struct {
	Store       string         `json:"store"`
	Mix         string         `json:"mix"`
	Concurrency int            `json:"concurrency"`
	DurationS   float64        `json:"durationSeconds"`
	Requests    int            `json:"requests"`
	RPS         float64        `json:"throughputRps"`
	P50Ms       float64        `json:"p50Ms"`
	P90Ms       float64        `json:"p90Ms"`
	P99Ms       float64        `json:"p99Ms"`
	Errors      int            `json:"errors"` // transport errors and statuses other than 200 and the mix's 409s
	Conflicts   int            `json:"conflicts409"`
	Statuses    map[string]int `json:"statuses"`
	Note        string         `json:"note,omitempty"`
}

type kind int

const (
	plainUpdate kind = iota
	emailChange
	get
)

// Options configure a run.
type Options struct {
	URL         string        // base URL of a running API; "" starts one in-process
	Endpoint    string        // DynamoDB endpoint for the in-process API; "" for embedded minidyn
	Token       string        // admin token for URL; "" signs one with ADMIN_JWT_SECRET or the dev secret
	Mix         string        // percent by kind: "update=70,email=10,get=20"
	Concurrency int           // workers
	Duration    time.Duration // how long the workers send requests
}

// parseMix reads "update=70,email=10,get=20" into percentages by kind.
func parseMix(s string) (map[kind]int, error) {
	names := map[string]kind{"update": plainUpdate, "email": emailChange, "get": get}
	mix, total := map[kind]int{}, 0
	for part := range strings.SplitSeq(s, ",") {
		name, pct, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(pct)
		k, known := names[name]
		if !ok || err != nil || !known || n < 0 {
			return nil, fmt.Errorf("bad -mix %q", s)
		}
		mix[k] += n
		total += n
	}
	if total != 100 {
		return nil, fmt.Errorf("-mix %q does not add up to 100", s)
	}
	return mix, nil
}

func mixString(m map[kind]int) string {
	return fmt.Sprintf("update=%d,email=%d,get=%d", m[plainUpdate], m[emailChange], m[get])
}

// schedule spreads the mix over 100 slots.
func schedule(m map[kind]int) [100]kind {
	var table [100]kind
	i := 0
	for _, k := range []kind{plainUpdate, emailChange, get} {
		for range m[k] {
			table[i] = k
			i++
		}
	}
	return table
}

// Run sends o's mix for o.Duration and reports what it measured.
func Run(ctx context.Context, o Options) (Report, error) {
	target, endpoint, token, mixFlag, conc, dur := o.URL, o.Endpoint, o.Token, o.Mix, o.Concurrency, o.Duration
	rep := Report{Concurrency: conc, Mix: mixFlag, Statuses: map[string]int{}}
	ids := make([]string, conc)
	for w := range ids {
		ids[w] = "client_12345abcde"
	}
	if target == "" {
		url, stop, seeded, err := startAPI(ctx, endpoint, conc)
		if err != nil {
			return rep, err
		}
		defer stop()
		target, ids = url, seeded
		rep.Store = "embedded minidyn (in-process API)"
		if endpoint != "" {
			rep.Store = "emulator at " + endpoint + " (in-process API)"
		}
	} else {
		rep.Store = target
	}
	weights, err := parseMix(mixFlag)
	if err != nil {
		return rep, err
	}
	rep.Mix = mixString(weights)
	mix := schedule(weights)
	if token == "" {
		sec := os.Getenv("ADMIN_JWT_SECRET")
		if sec == "" {
			sec = config.DevSecret
		}
		token, err = auth.Issuer{Secret: []byte(sec)}.Sign("loadgen", auth.RoleAdmin, time.Hour)
		if err != nil {
			return rep, err
		}
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	var mu sync.Mutex
	var lat []time.Duration
	deadline := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			var mine []time.Duration
			statuses := map[string]int{}
			for i := 0; time.Now().Before(deadline); i++ {
				k := mix[(i*37+w*11)%100] // a fixed, interleaved order
				t0 := time.Now()
				status := do(hc, target, token, ids[w], k, w, i)
				mine = append(mine, time.Since(t0))
				statuses[status]++
			}
			mu.Lock()
			lat = append(lat, mine...)
			for s, n := range statuses {
				rep.Statuses[s] += n
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	for s, n := range rep.Statuses {
		switch s {
		case "200":
		case "409":
			rep.Conflicts += n
		default:
			rep.Errors += n
		}
	}
	slices.Sort(lat)
	rep.Requests, rep.DurationS = len(lat), elapsed.Seconds()
	rep.RPS = float64(len(lat)) / elapsed.Seconds()
	rep.P50Ms, rep.P90Ms, rep.P99Ms = pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99)
	return rep, nil
}

// do sends one request and returns its status ("error" for transport
// failures). Email changes alternate between two addresses of the worker's
// own, so each one moves a lock.
func do(hc *http.Client, base, token, id string, k kind, w, i int) string {
	path := base + "/admin/clients/" + id
	var req *http.Request
	switch k {
	case get:
		req, _ = http.NewRequest(http.MethodGet, path, nil)
	case emailChange:
		body := fmt.Sprintf(`{"clientMeta":{"email":"loadgen.%d.%d@example.com"}}`, w, i%2)
		req, _ = http.NewRequest(http.MethodPut, path, strings.NewReader(body))
	default:
		body := fmt.Sprintf(`{"status":"Active","agentId":"agent_lg_%d","clientMeta":{"city":"City %d"}}`, i%10, w)
		req, _ = http.NewRequest(http.MethodPut, path, strings.NewReader(body))
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if req.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "error"
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return strconv.Itoa(resp.StatusCode)
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return float64(sorted[max(i, 0)].Microseconds()) / 1000
}

// startAPI serves the routes the way cmd/local does and seeds one client
// per worker on a fresh table.
func startAPI(ctx context.Context, endpoint string, n int) (string, func(), []string, error) {
	var closeDB func()
	if endpoint == "" {
		emb := localdb.Start()
		endpoint, closeDB = emb.URL, emb.Close
	}
	db, err := localdb.Client(ctx, endpoint)
	if err != nil {
		return "", nil, nil, err
	}
	id := make([]byte, 4)
	_, _ = rand.Read(id)
	table := "loadgen-" + hex.EncodeToString(id)
	if err := store.CreateTable(ctx, db, table); err != nil {
		return "", nil, nil, err
	}
	st := store.New(db, table, nil)
	now := time.Now()
	ids := make([]string, n)
	for w := range n {
		ids[w] = fmt.Sprintf("client_loadgen_%03d", w)
		c := client.Client{
			ClientID: ids[w], Status: client.StatusActive, AgentID: "agent_lg",
			TwilioPhoneNumber: fmt.Sprintf("+1800555%04d", w),
			Meta:              client.Meta{FullName: "Load Gen", Email: fmt.Sprintf("loadgen.%d.1@example.com", w)},
			CreatedAt:         now, UpdatedAt: now, UpdatedBy: "loadgen", Version: 1, TokensValidAfter: now,
		}
		if err := st.Create(ctx, c, "", client.Origin{Action: client.ActionCreate, Actor: client.Actor{Sub: "loadtest", Role: client.RoleAdmin}}); err != nil && !errors.Is(err, client.ErrIDTaken) {
			return "", nil, nil, err
		}
	}
	cfg := config.Config{TableName: table, JWTSecret: config.DevSecret, Skew: 30 * time.Second}
	if s := os.Getenv("ADMIN_JWT_SECRET"); s != "" {
		cfg.JWTSecret = s
	}
	// Request logs are formatted as in production, then dropped.
	h, err := app.NewHandler(ctx, cfg, db, app.NewLogger(io.Discard, 0))
	if err != nil {
		return "", nil, nil, err
	}
	srv := httptest.NewServer(gateway.New(h))
	stop := func() {
		srv.Close()
		if closeDB != nil {
			closeDB()
		}
	}
	return srv.URL, stop, ids, nil
}
