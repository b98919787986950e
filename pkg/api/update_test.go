package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/metrics"
)

// seedBody is the seed document's full example request.
const seedBody = `{
  "status": "Active",
  "agentId": "updated_agent_id",
  "twilioPhoneNumber": "+18005559876",
  "clientMeta": {
    "fullName": "John Smith",
    "email": "john.smith@example.com",
    "phone": "+12125551234",
    "businessName": "Acme Corporation",
    "city": "Chicago",
    "jobTitle": "CTO",
    "notes": "Updated account information"
  }
}`

var updatedAtPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// put sends an update as an admin with a JSON content type.
func put(t *testing.T, e *testkit.Env, path, body string) testkit.Result {
	t.Helper()
	return e.Do(t, http.MethodPut, path, body, "Authorization", "Bearer "+e.AdminToken(t), "Content-Type", "application/json")
}

func TestUpdateSeedExample(t *testing.T) {
	e := testkit.Seeded(t)
	r := put(t, e, testkit.JohnPath, seedBody)
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got struct {
		Message string `json:"message"`
		Client  struct {
			ClientID  string `json:"clientId"`
			Status    string `json:"status"`
			UpdatedAt string `json:"updatedAt"`
		} `json:"client"`
	}
	dec := json.NewDecoder(strings.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	if got.Message != "Client updated successfully" || got.Client.ClientID != testkit.JohnID || got.Client.Status != "Active" {
		t.Errorf("body = %s", r.Body)
	}
	if !updatedAtPattern.MatchString(got.Client.UpdatedAt) {
		t.Errorf("updatedAt %q is not UTC with milliseconds", got.Client.UpdatedAt)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	item := e.Item(t, "CLIENT#"+testkit.JohnID)
	meta := item["clientMeta"].(map[string]any)
	for k, want := range map[string]any{
		"agentId": "updated_agent_id", "twilioPhoneNumber": "+18005559876", "status": "Active",
		"updatedBy": "admin-tester", "updatedAt": got.Client.UpdatedAt, "version": float64(2), "clientId": testkit.JohnID,
	} {
		if item[k] != want {
			t.Errorf("stored %s = %v, want %v", k, item[k], want)
		}
	}
	if meta["notes"] != "Updated account information" || meta["email"] != "john.smith@example.com" {
		t.Errorf("stored clientMeta = %v", meta)
	}
	if r.Header.Get("ETag") != `"2"` {
		t.Errorf("ETag = %q", r.Header.Get("ETag"))
	}
}

func TestUpdateIsPartial(t *testing.T) {
	e := testkit.Seeded(t)
	before := e.Item(t, "CLIENT#"+testkit.JohnID)
	r := put(t, e, testkit.JohnPath, `{"clientMeta":{"fullName":"  Johnny Smith ","city":"Boston","notes":null}}`)
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem"}) {
		t.Errorf("DynamoDB calls = %v, want one UpdateItem", calls)
	}
	after := e.Item(t, "CLIENT#"+testkit.JohnID)
	m0, m1 := before["clientMeta"].(map[string]any), after["clientMeta"].(map[string]any)
	if m1["fullName"] != "Johnny Smith" || m1["city"] != "Boston" {
		t.Errorf("changed fields not written (or not trimmed): %v", m1)
	}
	if _, ok := m1["notes"]; ok {
		t.Errorf("notes set to null was not removed: %v", m1)
	}
	for _, k := range []string{"email", "phone", "businessName", "jobTitle"} {
		if m1[k] != m0[k] {
			t.Errorf("clientMeta.%s changed from %v to %v", k, m0[k], m1[k])
		}
	}
	for _, k := range []string{"agentId", "twilioPhoneNumber", "status", "createdAt"} {
		if after[k] != before[k] {
			t.Errorf("%s changed from %v to %v", k, before[k], after[k])
		}
	}
}

func TestUpdateRepeatable(t *testing.T) {
	e := testkit.Seeded(t)
	strip := func(m map[string]any) map[string]any {
		delete(m, "updatedAt")
		delete(m, "version")
		delete(m, "lastChange") // the stamp of the request that wrote it
		return m
	}
	var states []string
	for range 2 {
		if r := put(t, e, testkit.JohnPath, seedBody); r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		b, _ := json.Marshal(strip(e.Item(t, "CLIENT#"+testkit.JohnID)))
		states = append(states, string(b))
	}
	if states[0] != states[1] {
		t.Errorf("repeating the PUT changed the state:\n%s\n%s", states[0], states[1])
	}
}

func TestUpdateNotFound(t *testing.T) {
	e := testkit.Seeded(t)
	for _, tc := range []struct{ name, path, body string }{
		{"plain update", "/admin/clients/client_missing", `{"status":"Active"}`},
		{"email change", "/admin/clients/client_missing", `{"clientMeta":{"email":"x@example.com"}}`},
		{"impossible id", "/admin/clients/no%20such", `{"status":"Active"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Snapshot(t)
			r := put(t, e, tc.path, tc.body)
			if r.Status != 404 || r.Body != `{"error":"Client not found","statusCode":404}` {
				t.Errorf("got %d %s", r.Status, r.Body)
			}
			if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
				t.Errorf("table changed:\n%s", d)
			}
		})
	}
}

func TestUpdateAuth(t *testing.T) {
	const iss, aud = "https://issuer.test", "outbound-caller-admin"
	e := testkit.Seeded(t, func(c *config.Config) { c.Issuer, c.Audience = iss, aud })
	secret := []byte(testkit.TokenSecret)
	good := func(b *jwt.Builder) *jwt.Builder { return b.Issuer(iss).Audience([]string{aud}) }
	with := func(f func(*jwt.Builder) *jwt.Builder) func(*jwt.Builder) *jwt.Builder {
		return func(b *jwt.Builder) *jwt.Builder { return f(good(b)) }
	}
	noneTok := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + strings.Split(testkit.Token(t, jwa.HS256, secret, good), ".")[1] + "."
	valid := testkit.Token(t, jwa.HS256, secret, good)
	parts := strings.Split(valid, ".")
	flipped := parts[0] + "." + parts[1] + "." + strings.Map(func(r rune) rune {
		if r == 'A' {
			return 'B'
		}
		return r
	}, parts[2][:4]) + parts[2][4:]
	if flipped == valid {
		flipped = parts[0] + "." + parts[1] + "." + "A" + parts[2][1:]
	}
	const unauthorized = `{"error":"Unauthorized","message":"Invalid token","statusCode":401}`
	cases := []struct {
		name, header string
		status       int
		body         string
	}{
		{"missing header", "", 401, `{"error":"Unauthorized","message":"Missing bearer token","statusCode":401}`},
		{"not bearer", "Basic " + valid, 401, unauthorized},
		{"lowercase bearer", "bearer " + valid, 401, unauthorized},
		{"garbage", "Bearer not-a-jwt", 401, unauthorized},
		{"alg none", "Bearer " + noneTok, 401, unauthorized},
		{"bad signature", "Bearer " + flipped, 401, unauthorized},
		{"other secret", "Bearer " + testkit.Token(t, jwa.HS256, []byte("another-secret-0123456789abcdef0123456789"), good), 401, unauthorized},
		{"HS512 with the right secret", "Bearer " + testkit.Token(t, jwa.HS512, secret, good), 401, unauthorized},
		{"expired", "Bearer " + testkit.Token(t, jwa.HS256, secret, with(func(b *jwt.Builder) *jwt.Builder {
			return b.Expiration(time.Now().Add(-time.Hour))
		})), 401, unauthorized},
		{"no exp", "Bearer " + testkit.Token(t, jwa.HS256, secret, func(b *jwt.Builder) *jwt.Builder {
			tok := jwt.New()
			_ = tok.Set("role", "admin")
			_ = tok.Set(jwt.IssuerKey, iss)
			_ = tok.Set(jwt.AudienceKey, aud)
			return jwt.NewBuilder().Claim("role", "admin").Issuer(iss).Audience([]string{aud})
		}), 401, unauthorized},
		{"not yet valid", "Bearer " + testkit.Token(t, jwa.HS256, secret, with(func(b *jwt.Builder) *jwt.Builder {
			return b.NotBefore(time.Now().Add(10 * time.Minute))
		})), 401, unauthorized},
		{"wrong issuer", "Bearer " + testkit.Token(t, jwa.HS256, secret, func(b *jwt.Builder) *jwt.Builder {
			return b.Issuer("https://evil.test").Audience([]string{aud})
		}), 401, unauthorized},
		{"wrong audience", "Bearer " + testkit.Token(t, jwa.HS256, secret, func(b *jwt.Builder) *jwt.Builder {
			return b.Issuer(iss).Audience([]string{"other"})
		}), 401, unauthorized},
		{"client token", "Bearer " + testkit.Token(t, jwa.HS256, secret, with(func(b *jwt.Builder) *jwt.Builder {
			return b.Claim("role", "client").Claim("clientId", testkit.JohnID)
		})), 403, `{"error":"Forbidden","message":"Admin access required","statusCode":403}`},
		{"no role", "Bearer " + testkit.Token(t, jwa.HS256, secret, with(func(b *jwt.Builder) *jwt.Builder {
			return b.Claim("role", "Admin")
		})), 403, `{"error":"Forbidden","message":"Admin access required","statusCode":403}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Snapshot(t)
			var hdr []string
			if tc.header != "" {
				hdr = []string{"Authorization", tc.header}
			}
			r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"status":"Suspended"}`, append(hdr, "Content-Type", "application/json")...)
			if r.Status != tc.status || r.Body != tc.body {
				t.Errorf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.body)
			}
			if calls := e.Calls(); len(calls) != 0 {
				t.Errorf("refused request reached DynamoDB: %v", calls)
			}
			if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
				t.Errorf("table changed:\n%s", d)
			}
		})
	}
	t.Run("valid admin token", func(t *testing.T) {
		r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"status":"Suspended"}`, "Authorization", "Bearer "+valid, "Content-Type", "application/json")
		if r.Status != 200 {
			t.Errorf("got %d %s", r.Status, r.Body)
		}
	})
}

func TestUpdateRejectsBadInput(t *testing.T) {
	e := testkit.Seeded(t)
	long := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name, body, field, details string
	}{
		{"not JSON", `{"status":`, "", "Request body must be valid JSON"},
		{"array", `[{"status":"Active"}]`, "", "Request body must be a JSON object"},
		{"string", `"Active"`, "", "Request body must be a JSON object"},
		{"empty body", ``, "", "Request body must be valid JSON"},
		{"nothing to update", `{}`, "", "No updatable fields provided"},
		{"only clientId", `{"clientId":"client_other"}`, "", "No updatable fields provided"},
		{"empty clientMeta", `{"clientMeta":{}}`, "", "No updatable fields provided"},
		{"clientSecret", `{"clientSecret":"s3cret"}`, "clientSecret", "clientSecret cannot be changed here; use POST /admin/clients/{clientId}/reset-secret"},
		{"unknown top-level", `{"status":"Active","role":"admin"}`, "role", "Unknown field: role"},
		{"unknown meta", `{"clientMeta":{"fullName":"A","nickname":"B"}}`, "clientMeta.nickname", "Unknown field: clientMeta.nickname"},
		{"status case", `{"status":"active"}`, "status", "status must be one of Active, Inactive, Suspended"},
		{"status null", `{"status":null}`, "status", "status cannot be null"},
		{"status number", `{"status":1}`, "status", "status must be a string"},
		{"agentId chars", `{"agentId":"agent 1"}`, "agentId", "agentId must be 1-128 characters of letters, digits, '_' or '-'"},
		{"agentId long", `{"agentId":"` + long(129) + `"}`, "agentId", "agentId must be 1-128 characters of letters, digits, '_' or '-'"},
		{"agentId empty", `{"agentId":"  "}`, "agentId", "agentId must be 1-128 characters of letters, digits, '_' or '-'"},
		{"twilio no plus", `{"twilioPhoneNumber":"18005559876"}`, "twilioPhoneNumber", "twilioPhoneNumber must be an E.164 phone number such as +12125551234"},
		{"twilio leading zero", `{"twilioPhoneNumber":"+08005559876"}`, "twilioPhoneNumber", "twilioPhoneNumber must be an E.164 phone number such as +12125551234"},
		{"twilio too long", `{"twilioPhoneNumber":"+1234567890123456"}`, "twilioPhoneNumber", "twilioPhoneNumber must be an E.164 phone number such as +12125551234"},
		{"twilio null", `{"twilioPhoneNumber":null}`, "twilioPhoneNumber", "twilioPhoneNumber cannot be null"},
		{"phone", `{"clientMeta":{"phone":"212-555-1234"}}`, "clientMeta.phone", "clientMeta.phone must be an E.164 phone number such as +12125551234"},
		{"email", `{"clientMeta":{"email":"not-an-email"}}`, "clientMeta.email", "Email format is invalid"},
		{"email long", `{"clientMeta":{"email":"` + long(250) + `@example.com"}}`, "clientMeta.email", "clientMeta.email must be at most 254 characters"},
		{"email null", `{"clientMeta":{"email":null}}`, "clientMeta.email", "clientMeta.email cannot be null"},
		{"fullName null", `{"clientMeta":{"fullName":null}}`, "clientMeta.fullName", "clientMeta.fullName cannot be null"},
		{"fullName empty", `{"clientMeta":{"fullName":" "}}`, "clientMeta.fullName", "clientMeta.fullName must not be empty"},
		{"fullName long", `{"clientMeta":{"fullName":"` + long(201) + `"}}`, "clientMeta.fullName", "clientMeta.fullName must be at most 200 characters"},
		{"businessName long", `{"clientMeta":{"businessName":"` + long(201) + `"}}`, "clientMeta.businessName", "clientMeta.businessName must be at most 200 characters"},
		{"city long", `{"clientMeta":{"city":"` + long(101) + `"}}`, "clientMeta.city", "clientMeta.city must be at most 100 characters"},
		{"jobTitle long", `{"clientMeta":{"jobTitle":"` + long(101) + `"}}`, "clientMeta.jobTitle", "clientMeta.jobTitle must be at most 100 characters"},
		{"notes long", `{"clientMeta":{"notes":"` + long(2001) + `"}}`, "clientMeta.notes", "clientMeta.notes must be at most 2000 characters"},
		{"notes number", `{"clientMeta":{"notes":42}}`, "clientMeta.notes", "clientMeta.notes must be a string"},
		{"fullName with a right-to-left override", `{"clientMeta":{"fullName":"Admin\u202egnp.exe"}}`, "clientMeta.fullName", "clientMeta.fullName must not contain control, zero-width or bidirectional formatting characters"},
		{"fullName with a zero-width space", `{"clientMeta":{"fullName":"John\u200bSmith"}}`, "clientMeta.fullName", "clientMeta.fullName must not contain control, zero-width or bidirectional formatting characters"},
		{"businessName with a bidi isolate", `{"clientMeta":{"businessName":"Acme\u2067x\u2069"}}`, "clientMeta.businessName", "clientMeta.businessName must not contain control, zero-width or bidirectional formatting characters"},
		{"city with a BOM", `{"clientMeta":{"city":"\ufeffBoston"}}`, "clientMeta.city", "clientMeta.city must not contain control, zero-width or bidirectional formatting characters"},
		{"jobTitle with an escape", `{"clientMeta":{"jobTitle":"\u001b[31mCEO"}}`, "clientMeta.jobTitle", "clientMeta.jobTitle must not contain control, zero-width or bidirectional formatting characters"},
		{"notes with a zero-width joiner", `{"clientMeta":{"notes":"line one\nline\u200d two"}}`, "clientMeta.notes", "clientMeta.notes must not contain control, zero-width or bidirectional formatting characters"},
		{"clientMeta null", `{"clientMeta":null}`, "clientMeta", "clientMeta cannot be null"},
		{"clientMeta string", `{"clientMeta":"x"}`, "clientMeta", "clientMeta must be a JSON object"},
		{"valid field beside a bad one", `{"status":"Active","clientMeta":{"email":"bad"}}`, "clientMeta.email", "Email format is invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Snapshot(t)
			r := put(t, e, testkit.JohnPath, tc.body)
			want := fmt.Sprintf(`{"error":"Invalid update data","details":%q,%s"statusCode":400}`, tc.details, fieldKey(tc.field))
			if r.Status != 400 || r.Body != want {
				t.Errorf("got %d %s\nwant 400 %s", r.Status, r.Body, want)
			}
			if calls := e.Calls(); len(calls) != 0 {
				t.Errorf("invalid request reached DynamoDB: %v", calls)
			}
			if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
				t.Errorf("table changed:\n%s", d)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		r := put(t, e, testkit.JohnPath, `{"clientMeta":{"notes":"`+long(70000)+`"}}`)
		if r.Status != 413 || r.JSON(t)["statusCode"] != float64(413) || r.JSON(t)["error"] != "Invalid update data" {
			t.Errorf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("not JSON content type", func(t *testing.T) {
		r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"status":"Active"}`, "Authorization", "Bearer "+e.AdminToken(t), "Content-Type", "text/plain")
		if r.Status != 415 || r.Body != `{"error":"Invalid update data","details":"Content-Type must be application/json","statusCode":415}` {
			t.Errorf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("no content type", func(t *testing.T) {
		r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"status":"Active"}`, "Authorization", "Bearer "+e.AdminToken(t))
		if r.Status != 200 {
			t.Errorf("got %d %s", r.Status, r.Body)
		}
	})
	t.Run("JSON with charset", func(t *testing.T) {
		r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"status":"Active"}`, "Authorization", "Bearer "+e.AdminToken(t), "Content-Type", "application/json; charset=utf-8")
		if r.Status != 200 {
			t.Errorf("got %d %s", r.Status, r.Body)
		}
	})
}

func TestUpdateEmailUniqueness(t *testing.T) {
	const taken = `{"error":"Failed to update client","details":"Email is already in use by another client","field":"clientMeta.email","statusCode":409}`
	t.Run("taken by another client, any case", func(t *testing.T) {
		e := testkit.Seeded(t)
		for _, email := range []string{"jane.doe@example.com", "JANE.Doe@Example.com"} {
			before := e.Snapshot(t)
			r := put(t, e, testkit.JohnPath, `{"status":"Suspended","clientMeta":{"email":"`+email+`","city":"Paris"}}`)
			if r.Status != 409 || r.Body != taken {
				t.Errorf("%s: got %d %s", email, r.Status, r.Body)
			}
			if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem", "TransactWriteItems"}) {
				t.Errorf("calls = %v", calls)
			}
			if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
				t.Errorf("a refused change altered the table:\n%s", d)
			}
		}
	})
	t.Run("change moves the lock and frees the old email", func(t *testing.T) {
		e := testkit.Seeded(t)
		r := put(t, e, testkit.JohnPath, `{"clientMeta":{"email":"John.New@Example.com"}}`)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem", "TransactWriteItems"}) {
			t.Errorf("calls = %v, want the refused in-place write (the read) and one transaction", calls)
		}
		if e.Item(t, "EMAIL#john.smith@example.com") != nil {
			t.Error("old lock still present")
		}
		if l := e.Item(t, "EMAIL#john.new@example.com"); l == nil || l["clientId"] != testkit.JohnID {
			t.Errorf("new lock = %v", l)
		}
		if got := e.Item(t, "CLIENT#"+testkit.JohnID)["clientMeta"].(map[string]any)["email"]; got != "John.New@Example.com" {
			t.Errorf("stored email = %v", got)
		}
		if r := put(t, e, testkit.JanePath, `{"clientMeta":{"email":"john.smith@example.com"}}`); r.Status != 200 {
			t.Errorf("freed email not reusable: %d %s", r.Status, r.Body)
		}
	})
	t.Run("own email in another case", func(t *testing.T) {
		e := testkit.Seeded(t)
		r := put(t, e, testkit.JohnPath, `{"clientMeta":{"email":"JOHN.SMITH@example.com"}}`)
		if r.Status != 200 {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
		if l := e.Item(t, "EMAIL#john.smith@example.com"); l == nil || l["clientId"] != testkit.JohnID {
			t.Errorf("lock = %v", l)
		}
		if r.Header.Get("ETag") != `"2"` {
			t.Errorf("ETag = %q", r.Header.Get("ETag"))
		}
	})
	t.Run("concurrent email changes of one client", func(t *testing.T) {
		e := testkit.Seeded(t)
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := range statuses {
			wg.Go(func() {
				statuses[i] = put(t, e, testkit.JohnPath, fmt.Sprintf(`{"clientMeta":{"email":"race%d@example.com"}}`, i)).Status
			})
		}
		wg.Wait()
		final := e.Item(t, "CLIENT#"+testkit.JohnID)["clientMeta"].(map[string]any)["email"].(string)
		var locks []string
		for _, it := range e.Snapshot(t) {
			if strings.Contains(it, `"EMAIL#`) && strings.Contains(it, `"client_12345abcde"`) {
				locks = append(locks, it)
			}
		}
		if len(locks) != 1 || !strings.Contains(locks[0], "EMAIL#"+final) {
			t.Errorf("final email %s, locks held %v, statuses %v", final, locks, statuses)
		}
		for _, s := range statuses {
			if s != 200 && s != 503 {
				t.Errorf("statuses = %v", statuses)
			}
		}
	})
}

func TestUpdateLogsOneSafeLinePerRequest(t *testing.T) {
	e := testkit.Seeded(t)
	token := e.AdminToken(t)
	bodies := []string{seedBody, `{"clientMeta":{"email":"jane.doe@example.com"}}`, `{"clientMeta":{"email":"bad@"}}`}
	for _, b := range bodies {
		e.Do(t, http.MethodPut, testkit.JohnPath, b, "Authorization", "Bearer "+token, "Content-Type", "application/json")
	}
	lines := testkit.RequestLines(e.Logs.String()) // successful writes add an audit line
	if len(lines) != len(bodies) {
		t.Fatalf("%d log lines for %d requests:\n%s", len(lines), len(bodies), e.Logs.String())
	}
	var colds []float64
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		for _, k := range []string{"requestId", "route", "status", "latencyMs", "clientId", "sub"} {
			if _, ok := m[k]; !ok {
				t.Errorf("log line lacks %s: %s", k, l)
			}
		}
		// The line is the request's metrics (Embedded Metric Format); the
		// client id and the admin stay members, never dimensions.
		ms, err := testkit.ParseEMF(l)
		if err != nil {
			t.Fatalf("log line is not EMF: %v: %s", err, l)
		}
		for _, mt := range ms {
			for d := range mt.Values {
				if d != metrics.Route && d != metrics.StatusClass {
					t.Errorf("%s is dimensioned by %s: %s", mt.Name, d, l)
				}
			}
		}
		colds = append(colds, m[metrics.ColdStart].(float64))
	}
	if !slices.Equal(colds, []float64{1, 0, 0}) {
		t.Errorf("coldStart per request = %v, want the handler's first request only", colds)
	}
	for _, secret := range []string{token, "john.smith@example.com", "jane.doe@example.com", "+12125551234", "+18005559876", "Updated account information", "bad@"} {
		if strings.Contains(e.Logs.String(), secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

var _ = aws.String
var _ = auth.RoleAdmin
