package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/truora/minidyn/server"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/api"
)

// Faults are injected two ways, neither a fake DynamoDB: minidyn's own
// failure injection (InternalServerError; it has no throttling or timeout
// condition), and testkit's Fault hook at the transport edge of the
// handler's SDK client, placed inside the SDK's retry loop, which throttles
// (a ThrottlingException-coded smithy.GenericAPIError, as DynamoDB would
// answer), withholds answers until the deadline, or loses the answer of a
// request the store did apply. Each case says whether the table must end
// in the state before the request or in the state after it.

const (
	// faultPlain is one UpdateItem: it names John's status as he has it
	// (a status change moves the counts in a transaction, like faultMove).
	faultPlain = `{"status":"Active","clientMeta":{"city":"Fault City","notes":"fault notes"}}`
	faultMove  = `{"twilioPhoneNumber":"+18005550000","clientMeta":{"email":"fault.move@example.com"}}`
)

var (
	internalBody    = `{"error":"Failed to update client","details":"Internal error","statusCode":500}`
	unavailableBody = `{"error":"Failed to update client","details":"Service temporarily unavailable, retry shortly","statusCode":503}`
)

func throttled() error {
	return &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate of requests exceeds the allowed throughput.", Fault: smithy.FaultServer}
}

// on applies fault to the operations named (all when none are).
func on(fault testkit.Fault, ops ...string) testkit.Fault {
	return func(ctx context.Context, op string, send func() error) error {
		if len(ops) > 0 && !slices.Contains(ops, op) {
			return send()
		}
		return fault(ctx, op, send)
	}
}

var (
	// throttle answers every attempt with a throttling error; the request
	// never reaches the store.
	throttle testkit.Fault = func(context.Context, string, func() error) error { return throttled() }
	// throttleAfterWrite lets the store apply the request, then loses the
	// answer to throttling (the SDK retries what was already done).
	throttleAfterWrite testkit.Fault = func(_ context.Context, _ string, send func() error) error {
		_ = send()
		return throttled()
	}
	// hang never answers: the store is not reached and the call ends with
	// the context.
	hang testkit.Fault = func(ctx context.Context, _ string, _ func() error) error {
		<-ctx.Done()
		return ctx.Err()
	}
	// hangAfterWrite applies the request, then withholds the answer until
	// the deadline.
	hangAfterWrite testkit.Fault = func(ctx context.Context, _ string, send func() error) error {
		_ = send()
		<-ctx.Done()
		return ctx.Err()
	}
)

// stampsOut drops what names a moment or a request rather than a state:
// a client's lastChange time and request id, and the parts of a history
// event derived from its time (its keys, id and expiry) or its request.
func stampsOut(m map[string]any) {
	if lc, ok := m["lastChange"].(map[string]any); ok {
		delete(lc, "at")
		delete(lc, "requestId")
		delete(lc, "sourceIp")
	}
	if pk, _ := m["pk"].(string); strings.HasPrefix(pk, "EVENT#") {
		for _, k := range []string{"pk", "hsk", "eventId", "at", "expiresAt", "requestId", "sourceIp", "version"} {
			delete(m, k)
		}
	}
}

// normalised drops what differs between two applications of one update
// (stamps and the write counter), so "the state after" can be compared.
func normalised(t *testing.T, snap []string) []string {
	t.Helper()
	out := make([]string, 0, len(snap))
	for _, line := range snap {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"updatedAt", "version", "tokensValidAfter"} {
			delete(m, k)
		}
		stampsOut(m)
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

func TestFaultsAnswer5xxAndNeverHalfApply(t *testing.T) {
	type outcome string
	const before, after outcome = "before", "after"
	cases := []struct {
		name     string
		body     string
		minidyn  bool                               // uses minidyn's failure injection
		fault    func(e *testkit.Env) testkit.Fault // the transport-edge fault, if any
		lambda   bool                               // call the handler with a Lambda deadline
		status   int
		response string
		table    outcome
	}{
		{"internal error, plain update", faultPlain, true, nil, false, 500, internalBody, before},
		{"internal error, lock move", faultMove, true, nil, false, 500, internalBody, before},
		{"internal error on the transaction after the read", faultMove, false, func(e *testkit.Env) testkit.Fault {
			return on(func(_ context.Context, _ string, send func() error) error {
				e.Embedded.EmulateFailure(server.FailureConditionInternalServerError)
				defer e.Embedded.EmulateFailure(server.FailureConditionNone)
				return send()
			}, "TransactWriteItems")
		}, false, 500, internalBody, before},
		{"throttled past the SDK's retries, plain update", faultPlain, false, func(*testkit.Env) testkit.Fault { return throttle }, false, 503, unavailableBody, before},
		{"throttled past the SDK's retries, transaction", faultMove, false, func(*testkit.Env) testkit.Fault { return on(throttle, "TransactWriteItems") }, false, 503, unavailableBody, before},
		{"throttled after the store applied, plain update", faultPlain, false, func(*testkit.Env) testkit.Fault { return throttleAfterWrite }, false, 503, unavailableBody, after},
		{"throttled after the store applied, transaction", faultMove, false, func(*testkit.Env) testkit.Fault { return on(throttleAfterWrite, "TransactWriteItems") }, false, 503, unavailableBody, after},
		{"deadline shorter than the retries, plain update", faultPlain, false, func(*testkit.Env) testkit.Fault { return throttle }, true, 503, unavailableBody, before},
		{"deadline shorter than the retries, in-place write (the read) of a lock move", faultMove, false, func(*testkit.Env) testkit.Fault { return on(throttle, "UpdateItem") }, true, 503, unavailableBody, before},
		{"deadline shorter than the retries, transaction", faultMove, false, func(*testkit.Env) testkit.Fault { return on(throttle, "TransactWriteItems") }, true, 503, unavailableBody, before},
		{"store never answers, plain update", faultPlain, false, func(*testkit.Env) testkit.Fault { return hang }, true, 503, unavailableBody, before},
		{"store never answers, transaction", faultMove, false, func(*testkit.Env) testkit.Fault { return on(hang, "TransactWriteItems") }, true, 503, unavailableBody, before},
		{"answer withheld after the write, plain update", faultPlain, false, func(*testkit.Env) testkit.Fault { return hangAfterWrite }, true, 503, unavailableBody, after},
		{"answer withheld after the write, transaction", faultMove, false, func(*testkit.Env) testkit.Fault { return on(hangAfterWrite, "TransactWriteItems") }, true, 503, unavailableBody, after},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := faultEnv(t)
			// Every internal error comes from minidyn's failure injection.
			if tc.status == 500 && e.Embedded == nil {
				t.Skip("minidyn's failure injection needs the embedded store")
			}
			token := e.AdminToken(t)
			s0 := normalised(t, e.Snapshot(t))
			if tc.minidyn {
				e.Embedded.EmulateFailure(server.FailureConditionInternalServerError)
			}
			if tc.fault != nil {
				e.SetFault(tc.fault(e))
			}
			var status int
			var body, retryAfter string
			if tc.lambda {
				status, body, retryAfter = invokeWithDeadline(t, e, tc.body)
			} else {
				r := e.Do(t, http.MethodPut, testkit.JohnPath, tc.body, "Authorization", "Bearer "+token, "Content-Type", "application/json")
				status, body, retryAfter = r.Status, r.Body, r.Header.Get("Retry-After")
			}
			if tc.minidyn {
				e.Embedded.EmulateFailure(server.FailureConditionNone)
			}
			e.SetFault(nil)
			if status != tc.status || body != tc.response {
				t.Errorf("got %d %s, want %d %s", status, body, tc.status, tc.response)
			}
			if tc.status == 503 && retryAfter != "1" {
				t.Errorf("503 without Retry-After (got %q)", retryAfter)
			}
			s1 := normalised(t, e.Snapshot(t))
			// The state after: the same update, applied without a fault
			// (updates are repeatable, so applying it again is harmless).
			if r := e.Do(t, http.MethodPut, testkit.JohnPath, tc.body, "Authorization", "Bearer "+token, "Content-Type", "application/json"); r.Status != 200 {
				t.Fatalf("replay without the fault: %d %s", r.Status, r.Body)
			}
			s2 := normalised(t, e.Snapshot(t))
			want := map[outcome][]string{before: s0, after: s2}[tc.table]
			if d := testkit.TableDiff(want, s1); d != "" {
				other := map[outcome][]string{before: s2, after: s0}[tc.table]
				t.Errorf("after the fault the table is not the state %s:\n%s\n(and against the other state:\n%s)", tc.table, d, testkit.TableDiff(other, s1))
			}
		})
	}
}

// faultMargin replaces the production DeadlineMargin in the fault tests. The
// property checked is the same (the handler gives up on the database early
// enough to answer before the invocation deadline), but a wider margin keeps
// a CPU-starved CI machine (-race, packages in parallel) from turning the
// few milliseconds of answering into a false failure.
const faultMargin = 2 * time.Second

func faultEnv(t *testing.T) *testkit.Env {
	t.Helper()
	e := testkit.Seeded(t)
	e.Handler.DeadlineMargin = faultMargin
	return e
}

// invokeWithDeadline sends body to the update route as Lambda would; see
// invokeRoute.
func invokeWithDeadline(t *testing.T, e *testkit.Env, body string) (int, string, string) {
	t.Helper()
	return invokeRoute(t, e, faultRoute{
		method: http.MethodPut, key: "/admin/clients/{clientId}", params: map[string]string{"clientId": testkit.JohnID},
		body: body, ctype: "application/json", handle: func(h *api.Handler) api.HandlerFunc { return h.Serve(api.UpdateClient) },
	})
}

// faultRoute is one route as the fault matrix drives it.
type faultRoute struct {
	name         string
	method, path string            // the request path, for e.Do
	key          string            // the route's path template
	params       map[string]string // its path parameters
	body, ctype  string
	client       bool // a client token, else the admin's
	handle       func(*api.Handler) api.HandlerFunc
	failed       string // the route's words for a failure (its operation's "failed")
	oauth        bool   // answers failures in RFC 6749's shape instead
	readOp       string // the DynamoDB operation of its read (a sign-in: its first call), if any
	writeOp      string // the DynamoDB operation of its write, if it writes
	okStatus     int
}

func faultRoutes() []faultRoute {
	const id = testkit.JohnID
	p := map[string]string{"clientId": id}
	return []faultRoute{
		{name: "create", method: http.MethodPost, path: "/admin/clients", key: "/admin/clients",
			body:  `{"clientId":"client_faultnew01","status":"Active","agentId":"agent_f","twilioPhoneNumber":"+18005550111","clientMeta":{"fullName":"Fault New","email":"fault.new@example.com","phone":"+12125550100"}}`,
			ctype: "application/json", handle: func(h *api.Handler) api.HandlerFunc { return h.Serve(api.CreateClient) },
			failed: "Failed to create client", writeOp: "TransactWriteItems", okStatus: 201},
		{name: "delete", method: http.MethodDelete, path: testkit.JohnPath, key: "/admin/clients/{clientId}", params: p,
			handle: func(h *api.Handler) api.HandlerFunc { return h.Serve(api.DeleteClient) },
			failed: "Failed to delete client", readOp: "GetItem", writeOp: "TransactWriteItems", okStatus: 200},
		{name: "reset-secret", method: http.MethodPost, path: testkit.JohnPath + "/reset-secret", key: "/admin/clients/{clientId}/reset-secret", params: p,
			handle: func(h *api.Handler) api.HandlerFunc { return h.Serve(api.ResetSecret) },
			failed: "Failed to reset client secret", writeOp: "UpdateItem", okStatus: 200},
		{name: "list", method: http.MethodGet, path: "/admin/clients", key: "/admin/clients",
			handle: func(h *api.Handler) api.HandlerFunc { return h.Serve(api.ListClients) },
			failed: "Failed to fetch clients", readOp: "Query", okStatus: 200},
		{name: "get", method: http.MethodGet, path: testkit.JohnPath, key: "/admin/clients/{clientId}", params: p,
			handle: func(h *api.Handler) api.HandlerFunc { return h.Serve(api.GetClient) },
			failed: "Failed to fetch client", readOp: "GetItem", okStatus: 200},
		{name: "client login", method: http.MethodPost, path: "/auth/login", key: "/auth/login",
			body:  fmt.Sprintf(`{"clientId":%q,"clientSecret":%q}`, id, localdb.DemoSecrets()[id]),
			ctype: "application/json", handle: func(h *api.Handler) api.HandlerFunc { return h.Serve(api.ClientLogin) },
			// A sign-in's first call is the conditional UpdateItem that
			// counts the attempt (issue 23); a fault there changes nothing.
			failed: "Login failed", readOp: "UpdateItem", okStatus: 200},
		{name: "oauth token", method: http.MethodPost, path: "/auth/token", key: "/auth/token",
			body:  "grant_type=client_credentials&client_id=" + id + "&client_secret=" + localdb.DemoSecrets()[id],
			ctype: "application/x-www-form-urlencoded", handle: func(h *api.Handler) api.HandlerFunc { return h.Serve(api.OAuthToken) },
			oauth: true, readOp: "UpdateItem", okStatus: 200},
		{name: "own profile", method: http.MethodGet, path: "/secure/client", key: "/secure/client", client: true,
			handle: func(h *api.Handler) api.HandlerFunc { return h.Serve(api.GetOwnClient) },
			failed: "Failed to get client", readOp: "GetItem", okStatus: 200},
		{name: "own update", method: http.MethodPut, path: "/secure/client", key: "/secure/client", client: true,
			body: `{"clientMeta":{"city":"Fault Town","notes":"fault notes"}}`, ctype: "application/json",
			handle: func(h *api.Handler) api.HandlerFunc { return h.Serve(api.UpdateOwnClient) },
			failed: "Failed to update client", writeOp: "UpdateItem", okStatus: 200},
	}
}

// headers are the route's request headers, as alternating names and values.
func (r faultRoute) headers(t *testing.T, e *testkit.Env) []string {
	tok := e.AdminToken(t)
	if r.client {
		tok = testkit.ClientToken(t, e.Issuer, testkit.JohnID)
	}
	h := testkit.AuthHeader(tok)
	if r.ctype != "" {
		h = append(h, "Content-Type", r.ctype)
	}
	return h
}

// comparable normalises a snapshot of one Env so that it compares with a
// snapshot of another seeded alike: stamps, versions and the sort keys that
// embed them go, and a secret hash becomes whether it verifies the demo
// secret (a reset replaces it, with a salt no two Envs share).
func comparable(t *testing.T, e *testkit.Env, snap []string) []string {
	t.Helper()
	out := make([]string, 0, len(snap))
	for _, line := range snap {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"updatedAt", "createdAt", "version", "tokensValidAfter", "gsi1sk"} {
			delete(m, k)
		}
		stampsOut(m)
		if h, ok := m["secretHash"].(string); ok {
			id, _ := m["clientId"].(string)
			m["secretHash"] = e.Handler.Secrets.Verify(h, localdb.DemoSecrets()[id])
		}
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

// TestFaultsOnEveryRouteAnswer5xxAndNeverHalfApply puts every route that
// reads or writes the table (the update route has its own table above)
// through internal errors, throttling, deadlines and lost answers: each
// answers its own failure words with a 500 or a 503 (Retry-After: 1) before
// the Lambda deadline, and leaves the table in the state before the request
// or the one the same request makes without a fault (measured on a second
// Env seeded alike), as the case says.
func TestFaultsOnEveryRouteAnswer5xxAndNeverHalfApply(t *testing.T) {
	type fault struct {
		name    string
		minidyn bool                                     // minidyn's internal error on every operation
		edge    func(r faultRoute) (testkit.Fault, bool) // the transport-edge fault; false: not for this route
		lambda  bool
		status  int
		after   bool // the table must be in the state after the request
	}
	firstOp := func(r faultRoute) string {
		if r.readOp != "" {
			return r.readOp
		}
		return r.writeOp
	}
	writes := func(f testkit.Fault) func(r faultRoute) (testkit.Fault, bool) {
		return func(r faultRoute) (testkit.Fault, bool) { return on(f, r.writeOp), r.writeOp != "" }
	}
	faults := []fault{
		{name: "internal error", minidyn: true, status: 500},
		{name: "throttled past the SDK's retries", edge: func(r faultRoute) (testkit.Fault, bool) { return on(throttle, firstOp(r)), true }, status: 503},
		{name: "deadline shorter than the retries", edge: func(r faultRoute) (testkit.Fault, bool) { return on(throttle, firstOp(r)), true }, lambda: true, status: 503},
		{name: "deadline shorter than the retries of the write", edge: func(r faultRoute) (testkit.Fault, bool) {
			return on(throttle, r.writeOp), r.writeOp != "" && r.readOp != ""
		}, lambda: true, status: 503},
		{name: "store never answers", edge: func(r faultRoute) (testkit.Fault, bool) { return on(hang, firstOp(r)), true }, lambda: true, status: 503},
		{name: "answer lost to throttling after the write", edge: writes(throttleAfterWrite), status: 503, after: true},
		{name: "answer withheld after the write until the deadline", edge: writes(hangAfterWrite), lambda: true, status: 503, after: true},
	}
	// The cases mostly wait (for retries and deadlines): they run in
	// goroutines of their own rather than as t.Parallel subtests, so that
	// -parallel (the number of CPUs) does not serialise the waiting, but
	// no more than 8 at once, so that starting their Envs does not starve
	// the deadline cases (here and in the other tests) of CPU.
	t.Parallel()
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, 8)
	for _, r := range faultRoutes() {
		for _, f := range faults {
			var edge testkit.Fault
			if f.edge != nil {
				var ok bool
				if edge, ok = f.edge(r); !ok {
					continue
				}
			}
			wg.Go(func() {
				slots <- struct{}{}
				defer func() { <-slots }()
				t.Run(r.name+"/"+f.name, func(t *testing.T) {
					e := faultEnv(t)
					if f.minidyn && e.Embedded == nil {
						t.Skip("minidyn's failure injection needs the embedded store")
					}
					want := comparable(t, e, e.Snapshot(t))
					if f.after {
						ref := testkit.Seeded(t)
						if got := ref.Do(t, r.method, r.path, r.body, r.headers(t, ref)...); got.Status != r.okStatus {
							t.Fatalf("without a fault: %d %s", got.Status, got.Body)
						}
						want = comparable(t, ref, ref.Snapshot(t))
					}
					if f.minidyn {
						e.Embedded.EmulateFailure(server.FailureConditionInternalServerError)
					}
					e.SetFault(edge)
					var status int
					var body, retryAfter string
					if f.lambda {
						status, body, retryAfter = invokeRoute(t, e, r)
					} else {
						got := e.Do(t, r.method, r.path, r.body, r.headers(t, e)...)
						status, body, retryAfter = got.Status, got.Body, got.Header.Get("Retry-After")
					}
					if f.minidyn {
						e.Embedded.EmulateFailure(server.FailureConditionNone)
					}
					e.SetFault(nil)
					details := map[int]string{500: "Internal error", 503: "Service temporarily unavailable, retry shortly"}[f.status]
					wantBody := fmt.Sprintf(`{"error":%q,"details":%q,"statusCode":%d}`, r.failed, details, f.status)
					if r.oauth {
						code := map[int]string{500: "server_error", 503: "temporarily_unavailable"}[f.status]
						wantBody = fmt.Sprintf(`{"error":%q,"error_description":%q}`, code, details)
					}
					if status != f.status || body != wantBody {
						t.Errorf("got %d %s, want %d %s", status, body, f.status, wantBody)
					}
					if (status == 503) != (retryAfter == "1") {
						t.Errorf("%d with Retry-After %q", status, retryAfter)
					}
					if d := testkit.TableDiff(want, comparable(t, e, e.Snapshot(t))); d != "" {
						t.Errorf("after the fault the table is not the state %s:\n%s",
							map[bool]string{false: "before the request", true: "after the request"}[f.after], d)
					}
				})
			})
		}
	}
}

// invokeRoute calls r's handler as Lambda would, with a context whose
// deadline is the invocation's, and checks that the answer comes back
// before that deadline.
func invokeRoute(t *testing.T, e *testkit.Env, r faultRoute) (int, string, string) {
	t.Helper()
	h := r.headers(t, e)
	headers := map[string]string{}
	for i := 0; i+1 < len(h); i += 2 {
		headers[strings.ToLower(h[i])] = h[i+1]
	}
	budget := e.Handler.DeadlineMargin + 700*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	resp, err := r.handle(e.Handler)(ctx, testkit.Event(r.method, r.key, r.params, headers, r.body))
	if err != nil {
		t.Fatalf("handler error %v", err)
	}
	e.Bodies.Write([]byte(resp.Body + "\n"))
	if ctx.Err() != nil {
		t.Errorf("the handler answered after the invocation deadline (%v for a %v budget)", time.Since(start), budget)
	}
	return resp.StatusCode, resp.Body, resp.Headers["Retry-After"]
}
