package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/truora/minidyn/server"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

// newClientBody is the client-creation document's example request.
const newClientBody = `{
  "clientId": "client_unique_id",
  "clientSecret": "client_secure_secret_key_0123456789",
  "clientMeta": {
    "fullName": "John Doe",
    "email": "john@example.com",
    "phone": "+12125551234",
    "businessName": "Acme Corp",
    "city": "New York",
    "jobTitle": "CEO",
    "notes": "Prefers morning calls"
  },
  "agentId": "agent_id_here",
  "twilioPhoneNumber": "+18001234567",
  "status": "Active"
}`

// minimalBody has only the required fields.
const minimalBody = `{"clientMeta":{"fullName":"Min Imal","email":"min@example.com","phone":"+14155550100"},"agentId":"agent_min","twilioPhoneNumber":"+14155550101"}`

// admin sends a request with an admin token and a JSON content type.
func admin(t *testing.T, e *testkit.Env, method, path, body string, headers ...string) testkit.Result {
	t.Helper()
	return e.Do(t, method, path, body, append([]string{"Authorization", "Bearer " + e.AdminToken(t), "Content-Type", "application/json"}, headers...)...)
}

// expectUnchanged runs do and checks that it made the given DynamoDB calls
// and left the table as it was.
func expectUnchanged(t *testing.T, e *testkit.Env, calls []string, do func()) {
	t.Helper()
	before := e.Snapshot(t)
	do()
	if got := e.Calls(); !slices.Equal(got, calls) {
		t.Errorf("DynamoDB calls = %v, want %v", got, calls)
	}
	if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
		t.Errorf("refused request changed the table:\n%s", d)
	}
}

func decodeStrict(t *testing.T, body string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
}

type view struct {
	ClientID          string            `json:"clientId"`
	Status            string            `json:"status"`
	AgentID           string            `json:"agentId"`
	TwilioPhoneNumber string            `json:"twilioPhoneNumber"`
	ClientMeta        map[string]string `json:"clientMeta"`
	CreatedAt         string            `json:"createdAt"`
	UpdatedAt         string            `json:"updatedAt"`
	UpdatedBy         string            `json:"updatedBy"`
}

type created struct {
	Message string `json:"message"`
	Client  struct {
		ClientID          string            `json:"clientId"`
		Status            string            `json:"status"`
		AgentID           string            `json:"agentId"`
		TwilioPhoneNumber string            `json:"twilioPhoneNumber"`
		ClientMeta        map[string]string `json:"clientMeta"`
		CreatedAt         string            `json:"createdAt"`
		UpdatedAt         string            `json:"updatedAt"`
		ClientSecret      string            `json:"clientSecret"`
	} `json:"client"`
}

var generatedID = regexp.MustCompile(`^client_[0-9A-Za-z]{16,}$`)

func TestCreateClient(t *testing.T) {
	for _, tc := range []struct {
		name, body     string
		id, secret     string // "" when generated
		status, agent  string
		email, twilio  string
		metaFieldCount int
	}{
		{"document example with id and secret", newClientBody, "client_unique_id", "client_secure_secret_key_0123456789", "Active", "agent_id_here", "john@example.com", "+18001234567", 7},
		{"required fields only: id, secret and status generated or defaulted", minimalBody, "", "", "Active", "agent_min", "min@example.com", "+14155550101", 3},
		{"status given", strings.Replace(minimalBody, `"agentId"`, `"status":"Suspended","agentId"`, 1), "", "", "Suspended", "agent_min", "min@example.com", "+14155550101", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testkit.Seeded(t)
			start := time.Now().Add(-time.Millisecond)
			r := admin(t, e, http.MethodPost, "/admin/clients", tc.body)
			if r.Status != 201 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if calls := e.Calls(); !slices.Equal(calls, []string{"TransactWriteItems"}) {
				t.Errorf("DynamoDB calls = %v, want one TransactWriteItems", calls)
			}
			var got created
			decodeStrict(t, r.Body, &got)
			c := got.Client
			if got.Message != "Client created successfully" || c.Status != tc.status || c.AgentID != tc.agent ||
				c.TwilioPhoneNumber != tc.twilio || c.ClientMeta["email"] != tc.email || len(c.ClientMeta) != tc.metaFieldCount {
				t.Errorf("body = %s", r.Body)
			}
			if tc.id != "" && c.ClientID != tc.id || tc.id == "" && !generatedID.MatchString(c.ClientID) {
				t.Errorf("clientId = %q", c.ClientID)
			}
			if tc.secret != "" && c.ClientSecret != tc.secret || tc.secret == "" && len(c.ClientSecret) < 43 {
				t.Errorf("clientSecret = %q", c.ClientSecret)
			}
			if !updatedAtPattern.MatchString(c.CreatedAt) || c.CreatedAt != c.UpdatedAt {
				t.Errorf("createdAt %q, updatedAt %q", c.CreatedAt, c.UpdatedAt)
			}
			if at, _ := time.Parse(time.RFC3339, c.CreatedAt); at.Before(start) {
				t.Errorf("createdAt %q is before the request", c.CreatedAt)
			}
			item := e.Item(t, "CLIENT#"+c.ClientID)
			hash, _ := item["secretHash"].(string)
			if !strings.HasPrefix(hash, "$hmac-sha256$v=1$") || strings.Contains(fmt.Sprint(item), c.ClientSecret) {
				t.Errorf("stored secret is not only a keyed hash: %v", item)
			}
			if !e.Handler.Secrets.Verify(hash, c.ClientSecret) {
				t.Error("the returned secret does not verify against the stored hash")
			}
			for k, want := range map[string]any{
				"version": float64(1), "updatedBy": "admin-tester", "createdAt": c.CreatedAt, "updatedAt": c.CreatedAt,
				"tokensValidAfter": c.CreatedAt, "status": tc.status,
			} {
				if item[k] != want {
					t.Errorf("stored %s = %v, want %v", k, item[k], want)
				}
			}
			for _, lock := range []string{"EMAIL#" + tc.email, "PHONE#" + tc.twilio} {
				if l := e.Item(t, lock); l == nil || l["clientId"] != c.ClientID {
					t.Errorf("lock %s = %v", lock, l)
				}
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("a response with a secret may be cached: %q", r.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestCreateClientEmailIsLowerCasedInLockOnly(t *testing.T) {
	e := testkit.Seeded(t)
	r := admin(t, e, http.MethodPost, "/admin/clients", strings.Replace(minimalBody, "min@example.com", "Min.Case@Example.com", 1))
	if r.Status != 201 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got created
	decodeStrict(t, r.Body, &got)
	if got.Client.ClientMeta["email"] != "Min.Case@Example.com" || e.Item(t, "EMAIL#min.case@example.com") == nil {
		t.Errorf("email %q, lock missing", got.Client.ClientMeta["email"])
	}
}

func TestCreateClientRejectsBadInput(t *testing.T) {
	e := testkit.Seeded(t)
	missing := func(fields ...string) string {
		b, _ := json.Marshal(fields)
		return `{"error":"Missing required client information","requiredFields":` + string(b) + `,"statusCode":400}`
	}
	invalid := func(field, details string) string {
		return `{"error":"Failed to create client","details":"` + details + `",` + fieldKey(field) + `"statusCode":400}`
	}
	with := func(old, new string) string { return strings.Replace(minimalBody, old, new, 1) }
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"empty object", `{}`, 400, missing("clientMeta.fullName", "clientMeta.email", "clientMeta.phone", "agentId", "twilioPhoneNumber")},
		{"phone missing", with(`,"phone":"+14155550100"`, ``), 400, missing("clientMeta.phone")},
		{"phone null", with(`"+14155550100"`, `null`), 400, missing("clientMeta.phone")},
		{"agentId empty", with(`"agent_min"`, `""`), 400, missing("agentId")},
		{"twilio and name missing", `{"clientMeta":{"email":"a@example.com","phone":"+14155550100"},"agentId":"a"}`, 400, missing("clientMeta.fullName", "twilioPhoneNumber")},
		{"invalid email", with("min@example.com", "not-an-email"), 400, invalid("clientMeta.email", "Email format is invalid")},
		{"invalid twilio number", with("+14155550101", "555-0101"), 400, invalid("twilioPhoneNumber", "twilioPhoneNumber must be an E.164 phone number such as +12125551234")},
		{"invalid status", with(`"agentId"`, `"status":"active","agentId"`), 400, invalid("status", "status must be one of Active, Inactive, Suspended")},
		{"agentId with spaces", with(`"agent_min"`, `"agent min"`), 400, invalid("agentId", "agentId must be 1-128 characters of letters, digits, '_' or '-'")},
		{"clientId too short", with(`{`, `{"clientId":"ab",`), 400, invalid("clientId", "clientId must be 3-64 characters of letters, digits, '_' or '-'")},
		{"clientId with a slash", with(`{`, `{"clientId":"a/b/c",`), 400, invalid("clientId", "clientId must be 3-64 characters of letters, digits, '_' or '-'")},
		{"clientId a number", with(`{`, `{"clientId":12345,`), 400, invalid("clientId", "clientId must be a string")},
		{"secret too short", with(`{`, `{"clientSecret":"short",`), 400, invalid("clientSecret", "clientSecret must be 32 to 256 characters")},
		{"secret not a string", with(`{`, `{"clientSecret":true,`), 400, invalid("clientSecret", "clientSecret must be a string")},
		{"unknown field", with(`{`, `{"role":"admin",`), 400, invalid("role", "Unknown field: role")},
		{"unknown clientMeta field", with(`"fullName"`, `"age":3,"fullName"`), 400, invalid("clientMeta.age", "Unknown field: clientMeta.age")},
		{"not JSON", `{"clientMeta":`, 400, invalid("", "Request body must be valid JSON")},
		{"array", `[]`, 400, invalid("", "Request body must be a JSON object")},
		{"notes too long", with(`"Min Imal"`, `"Min Imal","notes":"`+strings.Repeat("n", 2001)+`"`), 400, invalid("clientMeta.notes", "clientMeta.notes must be at most 2000 characters")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectUnchanged(t, e, nil, func() {
				r := admin(t, e, http.MethodPost, "/admin/clients", tc.body)
				if r.Status != tc.status || r.Body != tc.want {
					t.Errorf("got %d %s\nwant %d %s", r.Status, r.Body, tc.status, tc.want)
				}
			})
		})
	}
	t.Run("not JSON content type", func(t *testing.T) {
		expectUnchanged(t, e, nil, func() {
			r := e.Do(t, http.MethodPost, "/admin/clients", minimalBody, "Authorization", "Bearer "+e.AdminToken(t), "Content-Type", "text/plain")
			if r.Status != 415 {
				t.Errorf("got %d %s", r.Status, r.Body)
			}
		})
	})
}

func TestCreateClientConflicts(t *testing.T) {
	e := testkit.Seeded(t)
	conflict := func(name, field string) string {
		return `{"error":"Client already exists with this ID or email","details":"` + name + `",` + fieldKey(field) + `"statusCode":409}`
	}
	for _, tc := range []struct{ name, body, want string }{
		{"id taken", strings.Replace(minimalBody, `{`, `{"clientId":"client_12345abcde",`, 1), conflict("clientId", "clientId")},
		{"email taken, other case", strings.Replace(minimalBody, "min@example.com", "JOHN.Smith@example.com", 1), conflict("email", "clientMeta.email")},
		{"twilio number taken", strings.Replace(minimalBody, "+14155550101", "+18005556789", 1), conflict("twilioPhoneNumber", "twilioPhoneNumber")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectUnchanged(t, e, []string{"TransactWriteItems"}, func() {
				r := admin(t, e, http.MethodPost, "/admin/clients", tc.body)
				if r.Status != 409 || r.Body != tc.want {
					t.Errorf("got %d %s, want %s", r.Status, r.Body, tc.want)
				}
			})
		})
	}
}

func TestGetClient(t *testing.T) {
	e := testkit.Seeded(t)
	r := admin(t, e, http.MethodGet, testkit.JohnPath, "")
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if calls := e.Calls(); !slices.Equal(calls, []string{"GetItem"}) {
		t.Errorf("DynamoDB calls = %v, want one GetItem", calls)
	}
	var v view
	decodeStrict(t, r.Body, &v)
	if v.ClientID != testkit.JohnID || v.Status != "Active" || v.AgentID != "agent_demo_001" || v.TwilioPhoneNumber != "+18005551234" ||
		v.ClientMeta["email"] != "john.smith@example.com" || v.ClientMeta["jobTitle"] != "CTO" || v.UpdatedBy != "seed" ||
		!updatedAtPattern.MatchString(v.CreatedAt) || !updatedAtPattern.MatchString(v.UpdatedAt) {
		t.Errorf("body = %s", r.Body)
	}
	if r.Header.Get("ETag") != `"1"` {
		t.Errorf("ETag = %q", r.Header.Get("ETag"))
	}
	put(t, e, testkit.JohnPath, `{"clientMeta":{"city":"Boston"}}`)
	if r := admin(t, e, http.MethodGet, testkit.JohnPath, ""); r.Header.Get("ETag") != `"2"` || !strings.Contains(r.Body, `"city":"Boston"`) {
		t.Errorf("after an update: ETag %q, body %s", r.Header.Get("ETag"), r.Body)
	}
}

func TestGetClientNotFound(t *testing.T) {
	e := testkit.Seeded(t)
	const notFound = `{"error":"Client not found","statusCode":404}`
	for _, tc := range []struct {
		name, path string
		calls      []string
	}{
		{"unknown id", "/admin/clients/client_nobody", []string{"GetItem"}},
		{"id that cannot exist", "/admin/clients/a%20b", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectUnchanged(t, e, tc.calls, func() {
				if r := admin(t, e, http.MethodGet, tc.path, ""); r.Status != 404 || r.Body != notFound {
					t.Errorf("got %d %s", r.Status, r.Body)
				}
			})
		})
	}
}

// TestAdminRoutesRequireAdmin: every admin route refuses a missing token
// (401) and a client token (403) before any I/O.
func TestAdminRoutesRequireAdmin(t *testing.T) {
	e := testkit.Seeded(t)
	clientTok, err := e.Issuer.SignClient(testkit.JohnID, testkit.SeedSession(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	routes := []struct{ method, path, body string }{
		{http.MethodPost, "/admin/clients", minimalBody},
		{http.MethodGet, "/admin/clients", ""},
		{http.MethodGet, testkit.JohnPath, ""},
		{http.MethodDelete, testkit.JohnPath, ""},
		{http.MethodPost, testkit.JohnPath + "/reset-secret", ""},
		{http.MethodPut, testkit.JohnPath, `{"status":"Suspended"}`},
	}
	for _, rt := range routes {
		for _, tc := range []struct {
			name, auth string
			status     int
			body       string
		}{
			{"no token", "", 401, `{"error":"Unauthorized","message":"Missing bearer token","statusCode":401}`},
			{"bad token", "Bearer x.y.z", 401, `{"error":"Unauthorized","message":"Invalid token","statusCode":401}`},
			{"client token", "Bearer " + clientTok, 403, `{"error":"Forbidden","message":"Admin access required","statusCode":403}`},
		} {
			t.Run(rt.method+" "+rt.path+" "+tc.name, func(t *testing.T) {
				var h []string
				if tc.auth != "" {
					h = []string{"Authorization", tc.auth}
				}
				expectUnchanged(t, e, nil, func() {
					r := e.Do(t, rt.method, rt.path, rt.body, append(h, "Content-Type", "application/json")...)
					if r.Status != tc.status || r.Body != tc.body {
						t.Errorf("got %d %s", r.Status, r.Body)
					}
				})
			})
		}
	}
}

func TestDeleteClient(t *testing.T) {
	e := testkit.Seeded(t)
	r := admin(t, e, http.MethodDelete, testkit.JanePath, "")
	if r.Status != 200 || r.Body != `{"message":"Client deleted successfully"}` {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
	if calls := e.Calls(); !slices.Equal(calls, []string{"GetItem", "TransactWriteItems"}) {
		t.Errorf("DynamoDB calls = %v, want GetItem then TransactWriteItems", calls)
	}
	for _, k := range []string{"CLIENT#" + testkit.JaneID, "EMAIL#jane.doe@example.com", "PHONE#+18005556789"} {
		if e.Item(t, k) != nil {
			t.Errorf("%s survived the delete", k)
		}
	}
	if e.Item(t, "CLIENT#"+testkit.JohnID) == nil || e.Item(t, "EMAIL#john.smith@example.com") == nil {
		t.Error("the delete touched another client")
	}
	// Her email and number are free at once, for a new client and for an update.
	reuse := strings.NewReplacer("min@example.com", "Jane.Doe@example.com", "+14155550101", "+18005556789").Replace(minimalBody)
	if r := admin(t, e, http.MethodPost, "/admin/clients", reuse); r.Status != 201 {
		t.Errorf("re-using the deleted client's email and number: %d %s", r.Status, r.Body)
	}
	t.Run("again", func(t *testing.T) {
		expectUnchanged(t, e, []string{"GetItem"}, func() {
			if r := admin(t, e, http.MethodDelete, testkit.JanePath, ""); r.Status != 404 || r.Body != `{"error":"Client not found","statusCode":404}` {
				t.Errorf("got %d %s", r.Status, r.Body)
			}
		})
	})
	t.Run("id that cannot exist", func(t *testing.T) {
		expectUnchanged(t, e, nil, func() {
			if r := admin(t, e, http.MethodDelete, "/admin/clients/x", ""); r.Status != 404 {
				t.Errorf("got %d %s", r.Status, r.Body)
			}
		})
	})
}

func TestResetSecret(t *testing.T) {
	e := testkit.Seeded(t)
	r := admin(t, e, http.MethodPost, "/admin/clients", newClientBody)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	const path, oldSecret = "/admin/clients/client_unique_id/reset-secret", "client_secure_secret_key_0123456789"
	before := e.Item(t, "CLIENT#client_unique_id")
	time.Sleep(2 * time.Millisecond) // the new token stamp must be later than the creation's
	r = admin(t, e, http.MethodPost, path, "")
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem"}) {
		t.Errorf("DynamoDB calls = %v, want one UpdateItem", calls)
	}
	var got struct {
		Message string `json:"message"`
		Client  struct {
			ClientID     string `json:"clientId"`
			ClientSecret string `json:"clientSecret"`
		} `json:"client"`
	}
	decodeStrict(t, r.Body, &got)
	if got.Message != "Client secret reset successfully" || got.Client.ClientID != "client_unique_id" || len(got.Client.ClientSecret) < 43 {
		t.Errorf("body = %s", r.Body)
	}
	after := e.Item(t, "CLIENT#client_unique_id")
	oldHash, newHash := before["secretHash"].(string), after["secretHash"].(string)
	switch {
	case newHash == oldHash:
		t.Error("the hash did not change")
	case e.Handler.Secrets.Verify(newHash, oldSecret):
		t.Error("the old secret still verifies")
	case !e.Handler.Secrets.Verify(newHash, got.Client.ClientSecret):
		t.Error("the new secret does not verify")
	}
	if !(after["tokensValidAfter"].(string) > before["tokensValidAfter"].(string)) || after["version"] != float64(2) || after["updatedBy"] != "admin-tester" {
		t.Errorf("tokensValidAfter %v → %v, version %v, updatedBy %v", before["tokensValidAfter"], after["tokensValidAfter"], after["version"], after["updatedBy"])
	}
	if strings.Contains(e.Logs.String(), got.Client.ClientSecret) || strings.Contains(e.Logs.String(), oldSecret) {
		t.Error("a secret reached the logs")
	}
	t.Run("unknown client", func(t *testing.T) {
		expectUnchanged(t, e, []string{"UpdateItem"}, func() {
			r := admin(t, e, http.MethodPost, "/admin/clients/client_nobody/reset-secret", "")
			if r.Status != 404 || r.Body != `{"error":"Client not found","statusCode":404}` {
				t.Errorf("got %d %s", r.Status, r.Body)
			}
		})
	})
}

func TestUpdateIfMatch(t *testing.T) {
	const precondition = `{"error":"Precondition Failed","message":"Client was modified by another request","statusCode":412}`
	e := testkit.Seeded(t)
	for _, tc := range []struct {
		name, ifMatch string
		status        int
		body          string // exact, when set
		calls         []string
		etag          string // expected after success
	}{
		{"current version", `"1"`, 200, "", []string{"UpdateItem"}, `"2"`},
		{"stale version", `"1"`, 412, precondition, []string{"UpdateItem"}, ""},
		{"bare number", `2`, 200, "", []string{"UpdateItem"}, `"3"`},
		{"any version", `*`, 200, "", []string{"UpdateItem"}, `"4"`},
		{"stale version, email change", `"3"`, 412, precondition, []string{"UpdateItem"}, ""},
		{"weak tag never matches", `W/"5"`, 412, precondition, nil, ""},
		{"version 0 never exists", `"0"`, 412, precondition, nil, ""},
		{"malformed", `"abc"`, 400, `{"error":"Invalid update data","details":"If-Match must be an ETag such as \"3\"","statusCode":400}`, nil, ""},
		{"list of tags", `"4", "5"`, 400, "", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"clientMeta":{"city":"Paris"}}`
			if strings.Contains(tc.name, "email") {
				body = `{"clientMeta":{"email":"john.new@example.com"}}`
			}
			do := func() {
				r := admin(t, e, http.MethodPut, testkit.JohnPath, body, "If-Match", tc.ifMatch)
				if r.Status != tc.status || tc.body != "" && r.Body != tc.body {
					t.Errorf("got %d %s", r.Status, r.Body)
				}
				if tc.etag != "" && r.Header.Get("ETag") != tc.etag {
					t.Errorf("ETag = %q, want %s", r.Header.Get("ETag"), tc.etag)
				}
			}
			if tc.status == 200 {
				do()
				if calls := e.Calls(); !slices.Equal(calls, tc.calls) {
					t.Errorf("DynamoDB calls = %v, want %v", calls, tc.calls)
				}
				return
			}
			expectUnchanged(t, e, tc.calls, do)
		})
	}
}

func TestAdminWritesAreAudited(t *testing.T) {
	e := testkit.Seeded(t)
	steps := []struct {
		method, path, body string
		fields             []string
	}{
		{http.MethodPost, "/admin/clients", newClientBody, []string{"status", "agentId", "twilioPhoneNumber",
			"clientMeta.fullName", "clientMeta.email", "clientMeta.phone", "clientMeta.businessName", "clientMeta.city",
			"clientMeta.jobTitle", "clientMeta.notes", "clientId", "clientSecret"}},
		{http.MethodPut, "/admin/clients/client_unique_id", `{"status":"Inactive","clientMeta":{"email":"jd@example.com","notes":null}}`,
			[]string{"status", "clientMeta.email", "clientMeta.notes"}},
		{http.MethodPost, "/admin/clients/client_unique_id/reset-secret", "", []string{"clientSecret"}},
		{http.MethodDelete, "/admin/clients/client_unique_id", "", []string{}},
		{http.MethodPut, "/admin/clients/client_unique_id", `{"status":"Active"}`, nil}, // 404: nothing written, no audit
		{http.MethodGet, testkit.JohnPath, "", nil},                                     // a read is not audited
	}
	for _, s := range steps {
		admin(t, e, s.method, s.path, s.body)
	}
	type auditLine struct {
		Msg, Route, Sub, ClientID string
		Fields                    []string
	}
	var audits []auditLine
	for _, l := range strings.Split(strings.TrimSpace(e.Logs.String()), "\n") {
		var a auditLine
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		if a.Msg == "audit" {
			audits = append(audits, a)
		}
	}
	var want []auditLine
	for _, s := range steps {
		if s.fields != nil {
			route := s.method + " /admin/clients"
			if s.path != "/admin/clients" {
				route += "/{clientId}" + strings.TrimPrefix(s.path, "/admin/clients/client_unique_id")
			}
			want = append(want, auditLine{Msg: "audit", Route: route, Sub: "admin-tester", ClientID: "client_unique_id", Fields: s.fields})
		}
	}
	if fmt.Sprint(audits) != fmt.Sprint(want) {
		t.Errorf("audit lines:\n%v\nwant\n%v", audits, want)
	}
	for _, value := range []string{"john@example.com", "jd@example.com", "+12125551234", "Prefers morning calls", "client_secure_secret_key_0123456789", "Inactive"} {
		if strings.Contains(e.Logs.String(), value) {
			t.Errorf("logs contain the value %q", value)
		}
	}
}

// TestAdminRoutesDatabaseFailure: a failing database is each route's 500,
// in its own words, and never the SDK's.
func TestAdminRoutesDatabaseFailure(t *testing.T) {
	e := testkit.Seeded(t)
	if e.Embedded == nil {
		t.Skip("failure injection needs the embedded store")
	}
	e.Embedded.EmulateFailure(server.FailureConditionInternalServerError)
	defer e.Embedded.EmulateFailure(server.FailureConditionNone)
	for _, tc := range []struct{ method, path, body, failed string }{
		{http.MethodPut, testkit.JohnPath, `{"status":"Inactive"}`, "Failed to update client"},
		{http.MethodPut, testkit.JohnPath, `{"clientMeta":{"email":"new@example.com"}}`, "Failed to update client"},
		{http.MethodPost, "/admin/clients", minimalBody, "Failed to create client"},
		{http.MethodGet, testkit.JohnPath, "", "Failed to fetch client"},
		{http.MethodGet, "/admin/clients?search=acme", "", "Failed to fetch clients"},
		{http.MethodDelete, testkit.JohnPath, "", "Failed to delete client"},
		{http.MethodPost, testkit.JohnPath + "/reset-secret", "", "Failed to reset client secret"},
	} {
		r := admin(t, e, tc.method, tc.path, tc.body)
		want := `{"error":"` + tc.failed + `","details":"Internal error","statusCode":500}`
		if r.Status != 500 || r.Body != want {
			t.Errorf("%s %s: got %d %s, want %s", tc.method, tc.path, r.Status, r.Body, want)
		}
	}
}
