package e2e_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/history"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// events of id, as the history route answers them (newest first), after
// the stream has been delivered.
func historyOf(t *testing.T, e *testkit.Env, id string) []map[string]any {
	t.Helper()
	e.DrainHistory(t)
	r := e.Do(t, http.MethodGet, "/admin/clients/"+id+"/history?limit=100", "", "Authorization", "Bearer "+e.AdminToken(t))
	if r.Status != http.StatusOK {
		t.Fatalf("history: %d %s", r.Status, r.Body)
	}
	var b struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
		t.Fatal(err)
	}
	return b.Events
}

func actions(evs []map[string]any) string {
	var out []string
	for _, e := range evs {
		out = append(out, e["action"].(string))
	}
	return strings.Join(out, ",")
}

// failing returns a fault on op that fails its first n attempts the way
// fault does, and counts them.
func failing(n int32, op string, fault testkit.Fault) (testkit.Fault, *atomic.Int32) {
	var seen atomic.Int32
	return func(ctx context.Context, o string, send func() error) error {
		if o != op || seen.Add(1) > n {
			return send()
		}
		return fault(ctx, o, send)
	}, &seen
}

// TestHistoryNeitherLosesNorInventsEvents injects the faults the history's
// design has — the history write failing, its answer lost after it was
// written (the writer "dies" between the write and the acknowledgement),
// a batch delivered twice, the client write failing, and a change the
// writer can never record — and checks that each committed change has
// exactly one event and each refused one none.
func TestHistoryNeitherLosesNorInventsEvents(t *testing.T) {
	const update = `{"agentId":"agent_fault_1"}`
	for _, tc := range []struct {
		name string
		// writer is the fault on the history writer's calls; client the one on
		// the API's.
		writer, client testkit.Fault
		status         int
		want           string // the actions of John's history, newest first
		givenUp        int    // batches sent to the failure destination
	}{
		{"history write throttled past the SDK's retries, then recorded on a retry of the batch", on(throttle, "PutItem"), nil, 200, "update,create", 0},
		{"history written but the answer lost: the retry finds it written", on(throttleAfterWrite, "PutItem"), nil, 200, "update,create", 0},
		{"client write refused by the store: no change, no event", nil, on(throttle, "UpdateItem"), 503, "create", 0},
		{"client written but the answer lost: one change, one event", nil, on(throttleAfterWrite, "UpdateItem"), 503, "update,create", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testkit.Seeded(t)
			if tc.writer != nil {
				// The writer's call fails for its first two attempts, then
				// succeeds, as after an outage.
				f, _ := failing(2, "PutItem", tc.writer)
				e.SetWriterFault(f)
			}
			e.SetFault(tc.client)
			r := e.Do(t, http.MethodPut, testkit.JohnPath, update, "Authorization", "Bearer "+e.AdminToken(t), "Content-Type", "application/json")
			e.SetFault(nil)
			if r.Status != tc.status {
				t.Fatalf("PUT: %d %s, want %d", r.Status, r.Body, tc.status)
			}
			if got := actions(historyOf(t, e, testkit.JohnID)); got != tc.want {
				t.Errorf("history %s, want %s", got, tc.want)
			}
			if len(e.HistoryGivenUp) != tc.givenUp {
				t.Errorf("%d batches given up, want %d", len(e.HistoryGivenUp), tc.givenUp)
			}
		})
	}
}

// TestARedeliveredBatchRecordsOnce hands the writer the same stream batch
// twice, as Lambda does after a timeout: the second delivery writes
// nothing.
func TestARedeliveredBatchRecordsOnce(t *testing.T) {
	e := testkit.Seeded(t)
	if r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"clientMeta":{"city":"Lisbon"}}`, "Authorization", "Bearer "+e.AdminToken(t), "Content-Type", "application/json"); r.Status != 200 {
		t.Fatal(r.Body)
	}
	var batch events.DynamoDBEvent
	capture := *e.History
	capture.Handler = func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		batch.Records = append(batch.Records, ev.Records...)
		return events.DynamoDBEventResponse{}, nil
	}
	if err := capture.Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	w := &history.Writer{Events: store.New(e.DB, e.Table, nil), Log: slog.New(slog.DiscardHandler)}
	for i := range 3 {
		resp, err := w.Handle(t.Context(), batch)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: %v %v", i, err, resp.BatchItemFailures)
		}
	}
	if got := actions(historyOf(t, e, testkit.JohnID)); got != "update,create" {
		t.Errorf("after three deliveries of one update: %s, want update,create", got)
	}
}

// TestAChangeThatCannotBeRecordedGoesToTheFailureDestination: a writer
// that keeps failing gives the batch up after the mapping's retries, to
// the failure destination, and records nothing it did not write; the
// changes after it are recorded.
func TestAChangeThatCannotBeRecordedGoesToTheFailureDestination(t *testing.T) {
	e := testkit.Seeded(t)
	admin := "Bearer " + e.AdminToken(t)
	e.DrainHistory(t) // the seed's records
	e.SetWriterFault(on(throttle, "PutItem"))
	if r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"agentId":"agent_lost_1"}`, "Authorization", admin, "Content-Type", "application/json"); r.Status != 200 {
		t.Fatal(r.Body)
	}
	e.DrainHistory(t)
	e.SetWriterFault(nil)
	if len(e.HistoryGivenUp) != 1 {
		t.Fatalf("given up: %v, want one batch", e.HistoryGivenUp)
	}
	if r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"agentId":"agent_after_1"}`, "Authorization", admin, "Content-Type", "application/json"); r.Status != 200 {
		t.Fatal(r.Body)
	}
	if got := actions(historyOf(t, e, testkit.JohnID)); got != "update,create" {
		t.Errorf("history %s, want the later update and the create", got)
	}
	if !strings.Contains(e.HistoryLogs.String(), `"msg":"history event not recorded"`) {
		t.Error("the writer did not log the failure")
	}
}
