package e2e_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/client"
)

// The race suite drives random operations from 32 goroutines through the
// HTTP handlers and then checks the table itself. Concurrent requests make
// per-request before/after snapshots meaningless, so what a refusal (409)
// or a lost race must not do is checked at the end, exactly:
//   - every write bumps the client's version by one, so a client's final
//     version minus its first lies between the number of 200s it got and
//     that plus the number of ambiguous answers (5xx): a refused request
//     that wrote anything to the client shows up as a version too high;
//   - a refused request that wrote a lock shows up as a lock whose owner
//     does not hold the value, or as a value held twice;
//   - a client's email and Twilio number are values that some request for
//     it was acknowledged for (or answered ambiguously), or its first ones;
//   - a 409 or 412 is a refusal, so it counts for nothing above;
//   - plain fields and status of client i are written only by goroutine i
//     (ownership), so their final value is the last one acknowledged, or a
//     later ambiguous write.
//   - the other 12 goroutines create clients and delete their own; each
//     also keeps one client on values no one else uses, which it deletes
//     and creates again under a new id: the delete must free both values
//     at once (201, never 409), and no deleted client or lock may remain;
//   - each of those 12 also signs in as one of the first 12 clients (POST
//     /auth/login or POST /auth/token) and writes its jobTitle through PUT
//     /secure/client (it owns that field), while the client's goroutine
//     resets its secret and changes its status, revoking those tokens: a
//     401 is accepted only when a revocation was under way or began after
//     the sign-in started; a lost acknowledged write never.
// RACE_SEED replays a run's per-goroutine operation sequences (the
// interleaving is the scheduler's); RACE_OPS sets the number of operations.

const (
	raceGoroutines = 32
	raceClients    = 20
	racePool       = 32 // emails and numbers: enough free ones for swaps to succeed often
)

func raceEmail(i int) string  { return fmt.Sprintf("user%02d@race.test", i) }
func raceNumber(i int) string { return fmt.Sprintf("+1555010%04d", i) }
func raceID(i int) string     { return fmt.Sprintf("race_client_%02d", i) }

// raceSessions is what the self-service goroutines know of the clients they
// sign in as: the current secret, and the revocations (secret resets,
// status changes away from Active) begun and under way.
type raceSessions struct {
	mu       sync.Mutex
	secret   map[string]string
	started  map[string]int
	inflight map[string]int
}

// revoke marks a revoking request for id as begun; the func it returns
// marks it ended, with the new secret if the request set one.
func (s *raceSessions) revoke(id string) func(newSecret string) {
	s.mu.Lock()
	s.started[id]++
	s.inflight[id]++
	s.mu.Unlock()
	return func(newSecret string) {
		s.mu.Lock()
		s.inflight[id]--
		if newSecret != "" {
			s.secret[id] = newSecret
		}
		s.mu.Unlock()
	}
}

// signInState is what a sign-in starts from: the secret to try, and
// whether any revocation is under way or has begun since (see revokedSince).
type signInState struct {
	secret   string
	started  int
	inflight bool
}

func (s *raceSessions) state(id string) signInState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return signInState{s.secret[id], s.started[id], s.inflight[id] > 0}
}

// revokedSince reports whether a token issued after st was taken may have
// been revoked since: a revocation was under way then, or began later.
func (s *raceSessions) revokedSince(id string, st signInState) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return st.inflight || s.started[id] > st.started
}

// raceOp is one line of the operation log.
type raceOp struct {
	G, Seq   int
	Kind     string
	ClientID string
	Body     string
	IfMatch  string `json:",omitempty"`
	Status   int
	Resp     string `json:",omitempty"`
}

// fieldWrite is one write by a field's owner, in the owner's order.
type fieldWrite struct {
	value string
	acked bool // 200; false means ambiguous (5xx or no answer)
}

// raceLedger is what the goroutines learnt from the answers.
type raceLedger struct {
	mu        sync.Mutex
	ops       []raceOp
	acked     map[string]int                     // client → 200s
	ambiguous map[string]int                     // client → 5xx / transport errors
	values    map[string]map[string]bool         // client → "email:x" / "number:n" it may hold
	owned     map[string]map[string][]fieldWrite // client → field → owner's writes
	created   map[string]client.Client
	refused   []string // ids whose Create was refused
	deleted   []string // ids a DELETE removed (200)
}

func (l *raceLedger) record(op raceOp, ambiguous bool, holds []string, owned map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops = append(l.ops, op)
	if op.Status == 200 || ambiguous {
		if op.Status == 200 {
			l.acked[op.ClientID]++
		} else {
			l.ambiguous[op.ClientID]++
		}
		for _, h := range holds {
			l.values[op.ClientID][h] = true
		}
		for f, v := range owned {
			l.owned[op.ClientID][f] = append(l.owned[op.ClientID][f], fieldWrite{v, op.Status == 200})
		}
	}
}

func envInt(name string, def int64) int64 {
	if s := os.Getenv(name); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return def
}

// randomCase spells an email in a random mix of cases: locks compare
// case-insensitively.
func randomCase(r *rand.Rand, s string) string {
	b := []byte(s)
	for i := range b {
		if r.IntN(4) == 0 {
			b[i] = strings.ToUpper(string(b[i]))[0]
		}
	}
	return string(b)
}

func TestConcurrentUpdatesKeepUniqueness(t *testing.T) {
	seed := uint64(envInt("RACE_SEED", time.Now().UnixNano()))
	total := int(envInt("RACE_OPS", 512))
	e := testkit.NewEnv(t)
	token := e.AdminToken(t)
	sessions := &raceSessions{secret: map[string]string{}, started: map[string]int{}, inflight: map[string]int{}}
	l := &raceLedger{
		acked: map[string]int{}, ambiguous: map[string]int{}, values: map[string]map[string]bool{},
		owned: map[string]map[string][]fieldWrite{}, created: map[string]client.Client{},
	}
	now := time.Now().UTC()
	first := map[string]client.Client{}
	for i := range raceClients {
		c := client.Client{
			ClientID: raceID(i), Status: client.StatusActive, AgentID: "agent_" + strconv.Itoa(i),
			TwilioPhoneNumber: raceNumber(i),
			Meta:              client.Meta{FullName: "Race " + strconv.Itoa(i), Email: raceEmail(i), City: "Start", Notes: "race notes start"},
			CreatedAt:         now, UpdatedAt: now, Version: 1, TokensValidAfter: now,
		}
		sessions.secret[c.ClientID] = fmt.Sprintf("race-secret-%02d", i)
		hash, err := e.Handler.Secrets.Hash(sessions.secret[c.ClientID])
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Store.Create(t.Context(), c, hash, testkit.SetupOrigin()); err != nil {
			t.Fatal(err)
		}
		first[c.ClientID] = c
		l.values[c.ClientID] = map[string]bool{"email:" + c.Meta.Email: true, "number:" + c.TwilioPhoneNumber: true}
		l.owned[c.ClientID] = map[string][]fieldWrite{
			"status": {{string(c.Status), true}}, "agentId": {{c.AgentID, true}},
			"city": {{c.Meta.City, true}}, "notes": {{c.Meta.Notes, true}}, "jobTitle": {{"", true}},
		}
	}
	// Each of the other goroutines' client on values of its own, which it
	// deletes and creates again.
	cycled := func(g, seq int) client.Client {
		return client.Client{
			ClientID: fmt.Sprintf("race_cycle_%02d_%03d", g, seq), Status: client.StatusActive, AgentID: "agent_cycle",
			TwilioPhoneNumber: raceNumber(100 + g), Meta: client.Meta{FullName: "Cycle", Email: fmt.Sprintf("cycle%02d@race.test", g)},
			CreatedAt: now, UpdatedAt: now, Version: 1, TokensValidAfter: now,
		}
	}
	for g := raceClients; g < raceGoroutines; g++ {
		c := cycled(g, 999)
		if err := e.Store.Create(t.Context(), c, "", testkit.SetupOrigin()); err != nil {
			t.Fatal(err)
		}
		l.created[c.ClientID] = c
	}
	e.Calls()
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		f, err := os.CreateTemp("", "race-ops-*.json")
		if err == nil {
			_ = json.NewEncoder(f).Encode(l.ops)
			_ = f.Close()
			t.Logf("operation log: %s", f.Name())
		}
		t.Logf("replay the per-goroutine operations with RACE_SEED=%d RACE_OPS=%d", seed, total)
	})

	// do sends a request with exactly the headers given; send is do as
	// the admin, with a JSON body.
	do := func(method, path, body string, headers ...string) (int, string, error) {
		req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		e.Bodies.Write(append(b, '\n'))
		return resp.StatusCode, string(b), err
	}
	send := func(method, path, body string, headers ...string) (int, string, error) {
		return do(method, path, body, append([]string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}, headers...)...)
	}
	// Against moto, .ci/with-moto.sh serves one request at a time (moto's
	// transactions are not isolated from each other), so the goroutines
	// still race through the handlers and the store's retries, while the
	// emulator applies each request alone.
	unexpected := make(chan string, total)
	var wg sync.WaitGroup
	for g := range raceGoroutines {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(g)))
			var mine []string // clients this goroutine created and has not deleted
			cycle := cycled(g, 999).ClientID
			for seq := range total / raceGoroutines {
				op := raceOp{G: g, Seq: seq}
				var holds []string
				owned := map[string]string{}
				kinds := []string{"email", "number", "both", "create", "create", "delete", "cycle", "login", "oauth", "oauth"}
				if g < raceClients {
					// Goroutine g alone writes client g's status and plain fields.
					kinds = []string{"email", "number", "both", "status", "plain", "plain", "ifmatch", "reset"}
				}
				op.Kind = kinds[r.IntN(len(kinds))]
				if len(mine) > 0 && r.IntN(4) == 0 {
					// Creates succeed rarely (their values are mostly taken), so
					// a drawn "delete" alone often found nothing of its own to
					// delete and a whole run deleted nothing: a goroutine that
					// holds a client it created deletes one soon after.
					op.Kind = "delete"
				}
				target := r.IntN(raceClients)
				switch op.Kind {
				case "email":
					em := randomCase(r, raceEmail(r.IntN(racePool)))
					op.Body, holds = fmt.Sprintf(`{"clientMeta":{"email":%q}}`, em), []string{"email:" + em}
				case "number":
					n := raceNumber(r.IntN(racePool))
					op.Body, holds = fmt.Sprintf(`{"twilioPhoneNumber":%q}`, n), []string{"number:" + n}
				case "both":
					em, n := randomCase(r, raceEmail(r.IntN(racePool))), raceNumber(r.IntN(racePool))
					op.Body = fmt.Sprintf(`{"twilioPhoneNumber":%q,"clientMeta":{"email":%q}}`, n, em)
					holds = []string{"email:" + em, "number:" + n}
				case "status":
					target = g
					s := []string{"Active", "Inactive", "Suspended"}[r.IntN(3)]
					op.Body, owned["status"] = fmt.Sprintf(`{"status":%q}`, s), s
				case "plain":
					target = g
					v := fmt.Sprintf("g%d-%d", g, seq)
					switch r.IntN(3) {
					case 0:
						op.Body, owned["agentId"] = fmt.Sprintf(`{"agentId":"agent_%s"}`, v), "agent_"+v
					case 1:
						op.Body, owned["city"] = fmt.Sprintf(`{"clientMeta":{"city":"City %s"}}`, v), "City "+v
					default:
						op.Body, owned["city"], owned["notes"] = fmt.Sprintf(`{"clientMeta":{"city":"Town %s","notes":"race notes %s"}}`, v, v), "Town "+v, "race notes "+v
					}
				case "ifmatch":
					// A version that may or may not be current: 200 or 412.
					target = g
					v := fmt.Sprintf("g%d-%d", g, seq)
					op.Body, owned["agentId"] = fmt.Sprintf(`{"agentId":"agent_%s"}`, v), "agent_"+v
					op.IfMatch = fmt.Sprintf(`"%d"`, 1+r.IntN(8))
				case "reset":
					target = g
				case "login", "oauth":
					// Sign in as client g-raceClients, then write its jobTitle.
					id := raceID(g - raceClients)
					st := sessions.state(id)
					op.ClientID = id
					var status int
					var body string
					var err error
					if op.Kind == "login" {
						status, body, err = do(http.MethodPost, "/auth/login",
							fmt.Sprintf(`{"clientId":%q,"clientSecret":%q}`, id, st.secret), "Content-Type", "application/json")
					} else {
						status, body, err = do(http.MethodPost, "/auth/token",
							"grant_type=client_credentials&client_id="+id+"&client_secret="+st.secret, "Content-Type", "application/x-www-form-urlencoded")
					}
					var tok struct {
						Token       string
						AccessToken string `json:"access_token"`
					}
					_ = json.Unmarshal([]byte(body), &tok)
					if tok.AccessToken != "" {
						tok.Token = tok.AccessToken
					}
					op.Status = status
					signedIn := err == nil && status == 200 && tok.Token != ""
					switch {
					case signedIn:
					case err == nil && (status == 401 || status == 503):
						op.Resp = body // an inactive client, or a secret reset since
					default:
						op.Resp = fmt.Sprint(body, err)
						unexpected <- fmt.Sprintf("%s sign-in as %s: %d %s %v", op.Kind, id, status, body, err)
					}
					l.mu.Lock()
					l.ops = append(l.ops, op)
					l.mu.Unlock()
					if !signedIn {
						continue
					}
					v := fmt.Sprintf("Job g%d-%d", g, seq)
					op = raceOp{G: g, Seq: seq, Kind: "self", ClientID: id, Body: fmt.Sprintf(`{"clientMeta":{"jobTitle":%q}}`, v)}
					status, body, err = do(http.MethodPut, "/secure/client", op.Body, "Authorization", "Bearer "+tok.Token, "Content-Type", "application/json")
					op.Status = status
					if status != 200 {
						op.Resp = fmt.Sprint(body, err)
					}
					switch {
					case err != nil, status == 200, status == 503:
					case status == 401 && sessions.revokedSince(id, st):
					default:
						unexpected <- fmt.Sprintf("self update of %s: %d %s (no revocation since sign-in: %v)", id, status, body, !sessions.revokedSince(id, st))
					}
					l.record(op, err != nil || status >= 500, nil, map[string]string{"jobTitle": v})
					continue
				case "delete":
					if len(mine) == 0 {
						continue
					}
					i := r.IntN(len(mine))
					id := mine[i]
					mine = append(mine[:i], mine[i+1:]...)
					op.ClientID = id
					status, body, err := send(http.MethodDelete, "/admin/clients/"+id, "")
					op.Status = status
					l.mu.Lock()
					delete(l.created, id) // ambiguous: it may be there or not
					switch {
					case err == nil && status == 200:
						l.deleted = append(l.deleted, id)
					case err != nil || status == 503:
						op.Resp = fmt.Sprint(body, err)
					default:
						op.Resp = body
						unexpected <- fmt.Sprintf("delete %s: %d %s", id, status, body)
					}
					l.ops = append(l.ops, op)
					l.mu.Unlock()
					continue
				case "cycle":
					// Delete this goroutine's own client, then create another
					// on the same email and number: the delete freed them.
					if cycle == "" {
						continue // an earlier step was ambiguous
					}
					op.ClientID = cycle
					status, body, err := send(http.MethodDelete, "/admin/clients/"+cycle, "")
					op.Status, op.Resp = status, body
					l.mu.Lock()
					delete(l.created, cycle)
					if err == nil && status == 200 {
						l.deleted = append(l.deleted, cycle)
					}
					l.ops = append(l.ops, op)
					l.mu.Unlock()
					if err != nil || status != 200 {
						if err != nil || status != 503 {
							unexpected <- fmt.Sprintf("delete %s: %d %s %v", cycle, status, body, err)
						}
						cycle = ""
						continue
					}
					c := cycled(g, seq)
					op = raceOp{G: g, Seq: seq, Kind: "recreate", ClientID: c.ClientID,
						Body: fmt.Sprintf(`{"clientId":%q,"status":"Active","agentId":"agent_cycle","twilioPhoneNumber":%q,"clientMeta":{"fullName":"Cycle","email":%q,"phone":"+12125550100"}}`,
							c.ClientID, c.TwilioPhoneNumber, c.Meta.Email)}
					status, body, err = send(http.MethodPost, "/admin/clients", op.Body)
					op.Status = status
					l.mu.Lock()
					if err == nil && status == 201 {
						l.created[c.ClientID] = c
						cycle = c.ClientID
					} else {
						op.Resp = fmt.Sprint(body, err)
						unexpected <- fmt.Sprintf("create %s on the values of deleted %s: %d %s %v", c.ClientID, op.ClientID, status, body, err)
						cycle = ""
					}
					l.ops = append(l.ops, op)
					l.mu.Unlock()
					continue
				case "create":
					c := client.Client{
						ClientID: fmt.Sprintf("race_new_%02d_%03d", g, seq), Status: client.StatusActive, AgentID: "agent_new",
						// Creates also draw from a few values swaps never use,
						// so that some succeed.
						TwilioPhoneNumber: raceNumber(r.IntN(racePool + 8)),
						Meta:              client.Meta{FullName: "New", Email: raceEmail(r.IntN(racePool + 8))},
						CreatedAt:         now, UpdatedAt: now, Version: 1, TokensValidAfter: now,
					}
					op.ClientID = c.ClientID
					op.Body = fmt.Sprintf(`{"clientId":%q,"status":"Active","agentId":"agent_new","twilioPhoneNumber":%q,"clientMeta":{"fullName":"New","email":%q,"phone":"+12125550100"}}`,
						c.ClientID, c.TwilioPhoneNumber, c.Meta.Email)
					status, body, err := send(http.MethodPost, "/admin/clients", op.Body)
					op.Status = status
					l.mu.Lock()
					switch {
					case err == nil && status == 201:
						l.created[c.ClientID] = c
						mine = append(mine, c.ClientID)
					case err == nil && status == 409:
						op.Resp = body
						l.refused = append(l.refused, c.ClientID)
					default:
						op.Resp = fmt.Sprint(body, err)
						unexpected <- fmt.Sprintf("create %s: %d %s %v", c.ClientID, status, body, err)
					}
					l.ops = append(l.ops, op)
					l.mu.Unlock()
					continue
				}
				op.ClientID = raceID(target)
				var status int
				var body string
				var err error
				switch {
				case op.Kind == "reset":
					done := sessions.revoke(op.ClientID)
					status, body, err = send(http.MethodPost, "/admin/clients/"+op.ClientID+"/reset-secret", "")
					var reset struct{ Client struct{ ClientSecret string } }
					_ = json.Unmarshal([]byte(body), &reset)
					done(reset.Client.ClientSecret)
				case op.Kind == "status" && owned["status"] != "Active":
					done := sessions.revoke(op.ClientID)
					status, body, err = send(http.MethodPut, "/admin/clients/"+op.ClientID, op.Body)
					done("")
				case op.IfMatch != "":
					status, body, err = send(http.MethodPut, "/admin/clients/"+op.ClientID, op.Body, "If-Match", op.IfMatch)
				default:
					status, body, err = send(http.MethodPut, "/admin/clients/"+op.ClientID, op.Body)
				}
				op.Status = status
				if status != 200 && op.Kind != "reset" {
					op.Resp = body // a reset's 200 holds the new secret: not logged
				}
				ambiguous := err != nil || status >= 500
				switch {
				case err != nil:
					op.Resp = err.Error()
				case status == 200, status == 503,
					status == 409 && (op.Kind == "email" || op.Kind == "number" || op.Kind == "both"),
					status == 412 && op.Kind == "ifmatch":
				default:
					unexpected <- fmt.Sprintf("%s %s: %d %s", op.ClientID, op.Body, status, body)
				}
				l.record(op, ambiguous, holds, owned)
			}
		})
	}
	wg.Wait()
	close(unexpected)
	for u := range unexpected {
		t.Errorf("unexpected answer: %s", u)
	}
	checkRaceTable(t, e, l, first)
	counts, succeeded := map[int]int{}, map[string]int{}
	for _, op := range l.ops {
		counts[op.Status]++
		if op.Status == 200 || op.Status == 201 {
			succeeded[op.Kind]++
		}
	}
	t.Logf("seed %d: %d operations, answers by status %v, successes by kind %v", seed, len(l.ops), counts, succeeded)
	// A run where no swap succeeded would prove nothing about them.
	for _, kind := range []string{"email", "number", "status", "plain", "reset", "create", "delete", "cycle", "recreate", "login", "oauth", "self"} {
		if total >= 320 && succeeded[kind] == 0 {
			t.Errorf("no %s operation succeeded", kind)
		}
	}
}

// checkRaceTable reads the table and checks every invariant.
func checkRaceTable(t *testing.T, e *testkit.Env, l *raceLedger, first map[string]client.Client) {
	t.Helper()
	type item struct {
		PK                string            `json:"pk"`
		ClientID          string            `json:"clientId"`
		Status            string            `json:"status"`
		AgentID           string            `json:"agentId"`
		TwilioPhoneNumber string            `json:"twilioPhoneNumber"`
		Meta              map[string]string `json:"clientMeta"`
		Version           int64             `json:"version"`
	}
	clients := map[string]item{}
	emailLocks, numberLocks := map[string]string{}, map[string]string{}
	counts := map[string]int{} // Snapshot's sum of the counter shards
	for _, line := range e.Snapshot(t) {
		var it item
		if err := json.Unmarshal([]byte(line), &it); err != nil {
			t.Fatal(err)
		}
		switch {
		case it.PK == "COUNT#*":
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatal(err)
			}
			for k, v := range m {
				if n, ok := v.(float64); ok {
					counts[k] = int(n)
				}
			}
		case it.PK == "COUNT#ready":
			// The counts' ready marker.
		case strings.HasPrefix(it.PK, "CLIENT#"):
			clients[it.ClientID] = it
		case strings.HasPrefix(it.PK, "EMAIL#"):
			emailLocks[strings.TrimPrefix(it.PK, "EMAIL#")] = it.ClientID
		case strings.HasPrefix(it.PK, "PHONE#"):
			numberLocks[strings.TrimPrefix(it.PK, "PHONE#")] = it.ClientID
		case strings.HasPrefix(it.PK, "ATTEMPT#"):
			// Failed sign-in counters: the race's refused sign-ins write them.
		case strings.HasPrefix(it.PK, "EVENT#"):
			// History events: creates and deletes write theirs
			// (history_test.go checks them).
		default:
			t.Errorf("unknown item %s", line)
		}
	}
	// The counts moved with every create, delete and status change that
	// took effect, and with nothing else: they equal a full count.
	byStatus := map[string]int{}
	for _, c := range clients {
		byStatus["n"+c.Status]++
	}
	if counts["all"] != len(clients) {
		t.Errorf("count of all clients %d, but the table holds %d", counts["all"], len(clients))
	}
	for _, st := range []string{"nActive", "nInactive", "nSuspended"} {
		if counts[st] != byStatus[st] {
			t.Errorf("count %s %d, but the table holds %d", st, counts[st], byStatus[st])
		}
	}
	emailOwner, numberOwner := map[string]string{}, map[string]string{}
	for id, c := range clients {
		em := strings.ToLower(c.Meta["email"])
		if o, dup := emailOwner[em]; dup {
			t.Errorf("clients %s and %s share the email %s", o, id, em)
		}
		emailOwner[em] = id
		if o, dup := numberOwner[c.TwilioPhoneNumber]; dup && c.TwilioPhoneNumber != "" {
			t.Errorf("clients %s and %s share the Twilio number %s", o, id, c.TwilioPhoneNumber)
		}
		numberOwner[c.TwilioPhoneNumber] = id
		if emailLocks[em] != id {
			t.Errorf("client %s holds %s but the lock names %q", id, em, emailLocks[em])
		}
		if c.TwilioPhoneNumber != "" && numberLocks[c.TwilioPhoneNumber] != id {
			t.Errorf("client %s holds %s but the lock names %q", id, c.TwilioPhoneNumber, numberLocks[c.TwilioPhoneNumber])
		}
	}
	for v, owner := range emailLocks {
		if c, ok := clients[owner]; !ok || strings.ToLower(c.Meta["email"]) != v {
			t.Errorf("lock EMAIL#%s names %s, which does not hold it", v, owner)
		}
	}
	for v, owner := range numberLocks {
		if c, ok := clients[owner]; !ok || c.TwilioPhoneNumber != v {
			t.Errorf("lock PHONE#%s names %s, which does not hold it", v, owner)
		}
	}
	for id := range first {
		c, ok := clients[id]
		if !ok {
			t.Errorf("client %s disappeared", id)
			continue
		}
		if !l.values[id]["email:"+c.Meta["email"]] {
			t.Errorf("client %s holds email %s, which no acknowledged or ambiguous request gave it", id, c.Meta["email"])
		}
		if !l.values[id]["number:"+c.TwilioPhoneNumber] {
			t.Errorf("client %s holds number %s, which no acknowledged or ambiguous request gave it", id, c.TwilioPhoneNumber)
		}
		writes := c.Version - first[id].Version
		if lo, hi := int64(l.acked[id]), int64(l.acked[id]+l.ambiguous[id]); writes < lo || writes > hi {
			t.Errorf("client %s: %d writes applied, but %d were acknowledged and %d ambiguous (a refused request wrote, or an acknowledged one was lost)",
				id, writes, l.acked[id], l.ambiguous[id])
		}
		got := map[string]string{"status": c.Status, "agentId": c.AgentID, "city": c.Meta["city"], "notes": c.Meta["notes"], "jobTitle": c.Meta["jobTitle"]}
		for field, ws := range l.owned[id] {
			last := 0
			for i, w := range ws {
				if w.acked {
					last = i
				}
			}
			ok := false
			for _, w := range ws[last:] {
				ok = ok || w.value == got[field]
			}
			if !ok {
				t.Errorf("client %s lost %s: holds %q, last acknowledged %q", id, field, got[field], ws[last].value)
			}
		}
	}
	for id, want := range l.created {
		c, ok := clients[id]
		if !ok || c.Meta["email"] != want.Meta.Email || c.TwilioPhoneNumber != want.TwilioPhoneNumber || c.Version != 1 {
			t.Errorf("created client %s: stored %+v", id, c)
		}
	}
	for _, id := range l.deleted {
		if _, ok := clients[id]; ok {
			t.Errorf("deleted client %s is still in the table", id)
		}
	}
	for _, id := range l.refused {
		if _, ok := clients[id]; ok {
			t.Errorf("refused create %s left a client", id)
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("%d clients, %d email locks, %d number locks", len(clients), len(emailLocks), len(numberLocks))
}
