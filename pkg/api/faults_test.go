package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/truora/minidyn/server"

	"github.com/outbound-caller/admin-api/pkg/testenv"
)

// Faults are injected two ways, neither a fake DynamoDB: minidyn's own
// failure injection (InternalServerError; it has no throttling or timeout
// condition), and testenv's Fault hook at the transport edge of the
// handler's SDK client, placed inside the SDK's retry loop, which throttles
// (a ThrottlingException-coded smithy.GenericAPIError, as DynamoDB would
// answer), withholds answers until the deadline, or loses the answer of a
// request the store did apply. Each case says whether the table must end
// in the state before the request or in the state after it.

const (
	faultPlain = `{"status":"Suspended","clientMeta":{"city":"Fault City","notes":"fault notes"}}`
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
func on(fault testenv.Fault, ops ...string) testenv.Fault {
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
	throttle testenv.Fault = func(context.Context, string, func() error) error { return throttled() }
	// throttleAfterWrite lets the store apply the request, then loses the
	// answer to throttling (the SDK retries what was already done).
	throttleAfterWrite testenv.Fault = func(_ context.Context, _ string, send func() error) error {
		_ = send()
		return throttled()
	}
	// hang never answers: the store is not reached and the call ends with
	// the context.
	hang testenv.Fault = func(ctx context.Context, _ string, _ func() error) error {
		<-ctx.Done()
		return ctx.Err()
	}
	// hangAfterWrite applies the request, then withholds the answer until
	// the deadline.
	hangAfterWrite testenv.Fault = func(ctx context.Context, _ string, send func() error) error {
		_ = send()
		<-ctx.Done()
		return ctx.Err()
	}
)

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
		fault    func(e *testenv.Env) testenv.Fault // the transport-edge fault, if any
		lambda   bool                               // call the handler with a Lambda deadline
		status   int
		response string
		table    outcome
	}{
		{"internal error, plain update", faultPlain, true, nil, false, 500, internalBody, before},
		{"internal error, lock move", faultMove, true, nil, false, 500, internalBody, before},
		{"internal error on the transaction after the read", faultMove, false, func(e *testenv.Env) testenv.Fault {
			return on(func(_ context.Context, _ string, send func() error) error {
				e.Embedded.EmulateFailure(server.FailureConditionInternalServerError)
				defer e.Embedded.EmulateFailure(server.FailureConditionNone)
				return send()
			}, "TransactWriteItems")
		}, false, 500, internalBody, before},
		{"throttled past the SDK's retries, plain update", faultPlain, false, func(*testenv.Env) testenv.Fault { return throttle }, false, 503, unavailableBody, before},
		{"throttled past the SDK's retries, transaction", faultMove, false, func(*testenv.Env) testenv.Fault { return on(throttle, "TransactWriteItems") }, false, 503, unavailableBody, before},
		{"throttled after the store applied, plain update", faultPlain, false, func(*testenv.Env) testenv.Fault { return throttleAfterWrite }, false, 503, unavailableBody, after},
		{"throttled after the store applied, transaction", faultMove, false, func(*testenv.Env) testenv.Fault { return on(throttleAfterWrite, "TransactWriteItems") }, false, 503, unavailableBody, after},
		{"deadline shorter than the retries, plain update", faultPlain, false, func(*testenv.Env) testenv.Fault { return throttle }, true, 503, unavailableBody, before},
		{"deadline shorter than the retries, read of a lock move", faultMove, false, func(*testenv.Env) testenv.Fault { return on(throttle, "GetItem") }, true, 503, unavailableBody, before},
		{"deadline shorter than the retries, transaction", faultMove, false, func(*testenv.Env) testenv.Fault { return on(throttle, "TransactWriteItems") }, true, 503, unavailableBody, before},
		{"store never answers, plain update", faultPlain, false, func(*testenv.Env) testenv.Fault { return hang }, true, 503, unavailableBody, before},
		{"store never answers, transaction", faultMove, false, func(*testenv.Env) testenv.Fault { return on(hang, "TransactWriteItems") }, true, 503, unavailableBody, before},
		{"answer withheld after the write, plain update", faultPlain, false, func(*testenv.Env) testenv.Fault { return hangAfterWrite }, true, 503, unavailableBody, after},
		{"answer withheld after the write, transaction", faultMove, false, func(*testenv.Env) testenv.Fault { return on(hangAfterWrite, "TransactWriteItems") }, true, 503, unavailableBody, after},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSeeded(t)
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
				status, body, retryAfter = invokeWithDeadline(t, e, token, tc.body)
			} else {
				r := e.Do(t, http.MethodPut, john, tc.body, "Authorization", "Bearer "+token, "Content-Type", "application/json")
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
			if r := e.Do(t, http.MethodPut, john, tc.body, "Authorization", "Bearer "+token, "Content-Type", "application/json"); r.Status != 200 {
				t.Fatalf("replay without the fault: %d %s", r.Status, r.Body)
			}
			s2 := normalised(t, e.Snapshot(t))
			want := map[outcome][]string{before: s0, after: s2}[tc.table]
			if !slices.Equal(s1, want) {
				t.Errorf("after the fault the table is neither the state %s nor the other one:\nbefore %v\nafter  %v\ngot    %v", tc.table, s0, s2, s1)
			}
		})
	}
}

// invokeWithDeadline calls the handler as Lambda would, with a context
// whose deadline is the invocation's, and checks that the answer comes
// back before that deadline.
func invokeWithDeadline(t *testing.T, e *testenv.Env, token, body string) (int, string, string) {
	t.Helper()
	budget := e.Handler.DeadlineMargin + 700*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	resp, err := e.Handler.UpdateClient(ctx, event(http.MethodPut, "/admin/clients/{clientId}",
		map[string]string{"clientId": "client_12345abcde"},
		map[string]string{"authorization": "Bearer " + token, "content-type": "application/json"}, body))
	if err != nil {
		t.Fatalf("handler error %v", err)
	}
	e.Bodies.Write([]byte(resp.Body + "\n"))
	if ctx.Err() != nil {
		t.Errorf("the handler answered after the invocation deadline (%v for a %v budget)", time.Since(start), budget)
	}
	return resp.StatusCode, resp.Body, resp.Headers["Retry-After"]
}
