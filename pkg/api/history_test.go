package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/client"
)

type historyBody struct {
	ClientID string `json:"clientId"`
	Events   []struct {
		EventID   string                        `json:"eventId"`
		At        string                        `json:"at"`
		Action    string                        `json:"action"`
		Actor     client.Actor                  `json:"actor"`
		RequestID string                        `json:"requestId"`
		SourceIP  string                        `json:"sourceIp"`
		Changes   map[string]client.FieldChange `json:"changes"`
	} `json:"events"`
	NextCursor *string `json:"nextCursor"`
}

// readHistory delivers the stream to the history writer and reads a page
// of id's history as an admin.
func readHistory(t *testing.T, e *testkit.Env, id, query string) (int, historyBody) {
	t.Helper()
	e.DrainHistory(t)
	r := e.Do(t, http.MethodGet, "/admin/clients/"+id+"/history"+query, "", "Authorization", "Bearer "+e.AdminToken(t))
	var b historyBody
	if r.Status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
			t.Fatalf("history body: %v: %s", err, r.Body)
		}
	}
	return r.Status, b
}

func s(v string) *string { return &v }

// changesJSON renders changes for comparison.
func changesJSON(t *testing.T, c map[string]client.FieldChange) string {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEveryActionRecordsItsExactChanges(t *testing.T) {
	e := testkit.Seeded(t)
	admin := "Bearer " + e.AdminToken(t)
	created := e.Do(t, http.MethodPost, "/admin/clients", `{"clientId":"client_hist_1","agentId":"agent_a","twilioPhoneNumber":"+15550001111",
		"clientMeta":{"fullName":"Ann Lee","email":"ann@example.com","phone":"+15550002222","city":"Oslo"}}`,
		"Authorization", admin, "Content-Type", "application/json")
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	var secret struct {
		Client struct {
			ClientSecret string `json:"clientSecret"`
		} `json:"client"`
	}
	_ = json.Unmarshal([]byte(created.Body), &secret)
	const path = "/admin/clients/client_hist_1"
	steps := []struct {
		name   string
		do     func() testkit.Result
		action string
		role   string
		want   map[string]client.FieldChange
	}{
		{"update", func() testkit.Result {
			return put(t, e, path, `{"agentId":"agent_b","clientMeta":{"city":null,"jobTitle":"CTO"}}`)
		}, "update", "admin", map[string]client.FieldChange{
			"agentId":             {From: s("agent_a"), To: s("agent_b")},
			"clientMeta.city":     {From: s("Oslo"), To: nil},
			"clientMeta.jobTitle": {From: nil, To: s("CTO")},
		}},
		{"status", func() testkit.Result { return put(t, e, path, `{"status":"Suspended"}`) }, "update", "admin",
			map[string]client.FieldChange{"status": {From: s("Active"), To: s("Suspended")}}},
		{"back to active", func() testkit.Result { return put(t, e, path, `{"status":"Active"}`) }, "update", "admin",
			map[string]client.FieldChange{"status": {From: s("Suspended"), To: s("Active")}}},
		{"email moves its lock", func() testkit.Result { return put(t, e, path, `{"clientMeta":{"email":"ann.lee@example.com"}}`) }, "update", "admin",
			map[string]client.FieldChange{"clientMeta.email": {From: s("ann@example.com"), To: s("ann.lee@example.com")}}},
		{"self-update", func() testkit.Result {
			tok := testkit.Login(t, e, "client_hist_1", secret.Client.ClientSecret)
			return putOwn(t, e, tok, `{"clientMeta":{"businessName":"Lee AS"}}`)
		}, "self-update", "client", map[string]client.FieldChange{"clientMeta.businessName": {From: nil, To: s("Lee AS")}}},
		{"reset-secret", func() testkit.Result {
			return e.Do(t, http.MethodPost, path+"/reset-secret", "", "Authorization", admin)
		}, "reset-secret", "admin", map[string]client.FieldChange{client.SecretPath: {Hidden: true}}},
	}
	for i, st := range steps {
		if r := st.do(); r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", st.name, r.Status, r.Body)
		}
		status, h := readHistory(t, e, "client_hist_1", "")
		if status != http.StatusOK || len(h.Events) != i+2 {
			t.Fatalf("%s: history %d with %d events, want %d", st.name, status, len(h.Events), i+2)
		}
		ev := h.Events[0]
		if ev.Action != st.action || ev.Actor.Role != st.role || changesJSON(t, ev.Changes) != changesJSON(t, st.want) {
			t.Errorf("%s: newest event %s by %+v: %s, want %s by %s: %s", st.name, ev.Action, ev.Actor,
				changesJSON(t, ev.Changes), st.action, st.role, changesJSON(t, st.want))
		}
		if ev.RequestID == "" || ev.SourceIP == "" || ev.EventID == "" || !updatedAtPattern.MatchString(ev.At) {
			t.Errorf("%s: event %+v lacks its request, address, id or time", st.name, ev)
		}
		wantSub := "admin-tester"
		if st.role == "client" {
			wantSub = "client_hist_1"
		}
		if ev.Actor.Sub != wantSub {
			t.Errorf("%s: actor %q, want %q", st.name, ev.Actor.Sub, wantSub)
		}
	}
	if r := e.Do(t, http.MethodDelete, path, "", "Authorization", admin); r.Status != http.StatusOK {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	status, h := readHistory(t, e, "client_hist_1", "?limit=100")
	if status != http.StatusOK || len(h.Events) != len(steps)+2 {
		t.Fatalf("after delete: %d with %d events", status, len(h.Events))
	}
	del, first := h.Events[0], h.Events[len(h.Events)-1]
	wantDelete := map[string]client.FieldChange{
		"status": {From: s("Active")}, "agentId": {From: s("agent_b")}, "twilioPhoneNumber": {From: s("+15550001111")},
		"clientMeta.fullName": {From: s("Ann Lee")}, "clientMeta.email": {From: s("ann.lee@example.com")},
		"clientMeta.phone": {From: s("+15550002222")}, "clientMeta.businessName": {From: s("Lee AS")},
		"clientMeta.jobTitle": {From: s("CTO")},
	}
	if del.Action != "delete" || changesJSON(t, del.Changes) != changesJSON(t, wantDelete) {
		t.Errorf("delete event %s: %s, want %s", del.Action, changesJSON(t, del.Changes), changesJSON(t, wantDelete))
	}
	wantCreate := map[string]client.FieldChange{
		"status": {To: s("Active")}, "agentId": {To: s("agent_a")}, "twilioPhoneNumber": {To: s("+15550001111")},
		"clientMeta.fullName": {To: s("Ann Lee")}, "clientMeta.email": {To: s("ann@example.com")},
		"clientMeta.phone": {To: s("+15550002222")}, "clientMeta.city": {To: s("Oslo")}, client.SecretPath: {Hidden: true},
	}
	if first.Action != "create" || changesJSON(t, first.Changes) != changesJSON(t, wantCreate) {
		t.Errorf("create event %s: %s, want %s", first.Action, changesJSON(t, first.Changes), changesJSON(t, wantCreate))
	}
	for i := 1; i < len(h.Events); i++ {
		if h.Events[i-1].At < h.Events[i].At {
			t.Errorf("events not newest first: %s before %s", h.Events[i-1].At, h.Events[i].At)
		}
	}
}

func TestRequestsThatChangeNothingRecordNothing(t *testing.T) {
	e := testkit.Seeded(t)
	_, before := readHistory(t, e, testkit.JohnID, "")
	admin := "Bearer " + e.AdminToken(t)
	for _, tc := range []struct {
		name string
		do   func() testkit.Result
		want int
	}{
		{"same values", func() testkit.Result {
			return put(t, e, testkit.JohnPath, `{"status":"Active","agentId":"agent_demo_001"}`)
		}, 200},
		{"invalid", func() testkit.Result { return put(t, e, testkit.JohnPath, `{"agentId":""}`) }, 400},
		{"no token", func() testkit.Result { return e.Do(t, http.MethodPut, testkit.JohnPath, `{"agentId":"x_1"}`) }, 401},
		{"client token", func() testkit.Result {
			tok := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
			return e.Do(t, http.MethodPut, testkit.JohnPath, `{"agentId":"x_1"}`, "Authorization", "Bearer "+tok, "Content-Type", "application/json")
		}, 403},
		{"email taken", func() testkit.Result {
			return put(t, e, testkit.JohnPath, `{"clientMeta":{"email":"jane.doe@example.com"}}`)
		}, 409},
		{"stale If-Match", func() testkit.Result {
			return e.Do(t, http.MethodPut, testkit.JohnPath, `{"agentId":"x_1"}`, "Authorization", admin,
				"Content-Type", "application/json", "If-Match", `"999"`)
		}, 412},
		{"sign-in (its hash rewrite is no change)", func() testkit.Result {
			return postJSON(t, e, "/auth/login", `{"clientId":"`+testkit.JohnID+`","clientSecret":"`+testkit.JohnSecret+`"}`)
		}, 200},
	} {
		if r := tc.do(); r.Status != tc.want {
			t.Fatalf("%s: %d, want %d: %s", tc.name, r.Status, tc.want, r.Body)
		}
		if _, after := readHistory(t, e, testkit.JohnID, ""); len(after.Events) != len(before.Events) {
			t.Errorf("%s recorded %d events", tc.name, len(after.Events)-len(before.Events))
		}
	}
}

func TestHistoryPagesAndAnswers(t *testing.T) {
	e := testkit.Seeded(t)
	for i := range 5 {
		if r := put(t, e, testkit.JohnPath, `{"agentId":"agent_page_`+strconv.Itoa(i)+`"}`); r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
	var all []string
	query := "?limit=2"
	for range 10 {
		status, h := readHistory(t, e, testkit.JohnID, query)
		if status != http.StatusOK || len(h.Events) > 2 {
			t.Fatalf("page: %d, %d events", status, len(h.Events))
		}
		for _, ev := range h.Events {
			all = append(all, ev.EventID)
		}
		if h.NextCursor == nil {
			break
		}
		query = "?limit=2&cursor=" + *h.NextCursor
	}
	_, whole := readHistory(t, e, testkit.JohnID, "?limit=100")
	if len(all) != 6 || len(whole.Events) != 6 {
		t.Fatalf("paged %d events, whole %d, want 6 (create + 5 updates)", len(all), len(whole.Events))
	}
	for i, ev := range whole.Events {
		if all[i] != ev.EventID {
			t.Errorf("event %d: paged %s, whole %s", i, all[i], ev.EventID)
		}
	}
	if whole.NextCursor != nil {
		t.Error("the last page has a nextCursor")
	}
	for _, tc := range []struct {
		name, path, auth string
		status           int
		body             string
	}{
		{"never existed", "/admin/clients/client_never_was/history", "admin", 404, `{"error":"Client not found","statusCode":404}`},
		{"client token", "/admin/clients/" + testkit.JohnID + "/history", "client", 403, ""},
		{"limit 0", "/admin/clients/" + testkit.JohnID + "/history?limit=0", "admin", 400, ""},
		{"limit 101", "/admin/clients/" + testkit.JohnID + "/history?limit=101", "admin", 400, ""},
		{"forged cursor", "/admin/clients/" + testkit.JohnID + "/history?cursor=bm90LWEta2V5", "admin", 400, ""},
		{"unknown parameter", "/admin/clients/" + testkit.JohnID + "/history?offset=2", "admin", 400, ""},
	} {
		tok := e.AdminToken(t)
		if tc.auth == "client" {
			tok = testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
		}
		r := e.Do(t, http.MethodGet, tc.path, "", "Authorization", "Bearer "+tok)
		if r.Status != tc.status || (tc.body != "" && r.Body != tc.body) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Body, tc.status, tc.body)
		}
	}
}

func TestEventsExpireAfterTheRetention(t *testing.T) {
	e := testkit.Seeded(t)
	if r := put(t, e, testkit.JohnPath, `{"agentId":"agent_retained"}`); r.Status != 200 {
		t.Fatal(r.Body)
	}
	_, h := readHistory(t, e, testkit.JohnID, "?limit=1")
	at, err := time.Parse(time.RFC3339, h.Events[0].At)
	if err != nil {
		t.Fatal(err)
	}
	items := e.Snapshot(t)
	found := false
	for _, it := range items {
		var m map[string]any
		_ = json.Unmarshal([]byte(it), &m)
		if m["eventId"] != h.Events[0].EventID {
			continue
		}
		found = true
		exp, _ := m["expiresAt"].(float64)
		if want := at.Add(400 * 24 * time.Hour).Unix(); int64(exp) != want {
			t.Errorf("expiresAt %v, want at + 400 days = %d", m["expiresAt"], want)
		}
	}
	if !found {
		t.Fatalf("event %s not in the table", h.Events[0].EventID)
	}
}
