package api_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/config"
)

const (
	badCreds   = `{"error":"Invalid credentials","statusCode":401}`
	badClient  = `{"error":"Invalid credentials or inactive client","statusCode":401}`
	seedStamp  = "2025-01-01T00:00:00.000Z"
	jsonHeader = "application/json"
)

func postJSON(t *testing.T, e *testkit.Env, path, body string) testkit.Result {
	t.Helper()
	return e.Do(t, http.MethodPost, path, body, "Content-Type", jsonHeader)
}

// claimsOf verifies tok with the test secret and returns its claims.
func claimsOf(t *testing.T, tok string, opts ...jwt.ParseOption) jwt.Token {
	t.Helper()
	parsed, err := jwt.ParseString(tok, append([]jwt.ParseOption{jwt.WithKey(jwa.HS256, []byte(testkit.TokenSecret)), jwt.WithValidate(true)}, opts...)...)
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	return parsed
}

func TestAdminLogin(t *testing.T) {
	const iss, aud = "https://issuer.test", "outbound-caller-admin"
	e := testkit.Seeded(t, func(c *config.Config) { c.Issuer, c.Audience = iss, aud })
	verifies := testkit.CountVerifies(e.Handler)
	configured := e.Handler.SignIn.Admins[0].PasswordHash
	missing := `{"error":"Missing required fields","requiredFields":["username","password"],"statusCode":400}`
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		want                    string // exact body; "" for success
		hashes                  []string
	}{
		{"right credentials", jsonHeader, `{"username":"admin","password":"local-admin-password"}`, 200, "", []string{configured}},
		{"wrong password", jsonHeader, `{"username":"admin","password":"local-admin-passwore"}`, 401, badCreds, []string{configured}},
		// A wrong username does the same hashing work, on the same hash.
		{"wrong username", jsonHeader, `{"username":"root","password":"local-admin-password"}`, 401, badCreds, []string{configured}},
		{"both wrong", jsonHeader, `{"username":"root","password":"x"}`, 401, badCreds, []string{configured}},
		{"username differs in case", jsonHeader, `{"username":"Admin","password":"local-admin-password"}`, 401, badCreds, []string{configured}},
		{"missing password", jsonHeader, `{"username":"admin"}`, 400, missing, nil},
		{"missing username", jsonHeader, `{"password":"local-admin-password"}`, 400, missing, nil},
		{"empty password", jsonHeader, `{"username":"admin","password":""}`, 400, missing, nil},
		{"null username", jsonHeader, `{"username":null,"password":"x"}`, 400, missing, nil},
		{"empty object", jsonHeader, `{}`, 400, missing, nil},
		{"empty body", jsonHeader, ``, 400, missing, nil},
		{"not JSON", jsonHeader, `{"username":`, 400, `{"error":"Invalid request","details":"Request body must be a JSON object","statusCode":400}`, nil},
		{"array", jsonHeader, `["admin"]`, 400, `{"error":"Invalid request","details":"Request body must be a JSON object","statusCode":400}`, nil},
		{"number password", jsonHeader, `{"username":"admin","password":12345}`, 400, `{"error":"Invalid request","details":"password must be a string","field":"password","statusCode":400}`, nil},
		{"form body", "application/x-www-form-urlencoded", `username=admin&password=x`, 415, `{"error":"Invalid request","details":"Content-Type must be application/json","statusCode":415}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Snapshot(t)
			verifies.Take()
			r := e.Do(t, http.MethodPost, "/auth/admin/login", tc.body, "Content-Type", tc.contentType)
			if r.Status != tc.status || (tc.want != "" && r.Body != tc.want) {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.want)
			}
			// The attempt is counted twice before the password is checked
			// (the username from the address, and the address; a failure
			// needs nothing more), a success clears both counts; a refused
			// request touches nothing.
			var want []string
			switch tc.status {
			case 200:
				want = []string{"UpdateItem", "UpdateItem", "UpdateItem", "UpdateItem"}
			case 401:
				want = []string{"UpdateItem", "UpdateItem"}
			}
			if calls := e.Calls(); !slices.Equal(calls, want) {
				t.Errorf("DynamoDB calls = %v, want %v", calls, want)
			}
			if got := verifies.Take(); !slices.Equal(got, tc.hashes) {
				t.Errorf("verified against %q, want %q", got, tc.hashes)
			}
			if d := testkit.TableDiff(withoutAttempts(before), withoutAttempts(e.Snapshot(t))); d != "" {
				t.Errorf("table changed:\n%s", d)
			}
			if tc.status != 200 {
				return
			}
			var body struct {
				Success bool   `json:"success"`
				Token   string `json:"token"`
				Admin   struct {
					Username string `json:"username"`
				} `json:"admin"`
			}
			dec := json.NewDecoder(strings.NewReader(r.Body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&body); err != nil || !body.Success || body.Admin.Username != "admin" {
				t.Fatalf("body %s (%v)", r.Body, err)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", r.Header.Get("Cache-Control"))
			}
			tok := claimsOf(t, body.Token, jwt.WithIssuer(iss), jwt.WithAudience(aud))
			if tok.Subject() != "admin" || tok.PrivateClaims()["role"] != "admin" || tok.Expiration().Sub(tok.IssuedAt()) != time.Hour {
				t.Errorf("claims: sub %q role %v iat %v exp %v", tok.Subject(), tok.PrivateClaims()["role"], tok.IssuedAt(), tok.Expiration())
			}
			// The token opens the admin routes.
			if r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"clientMeta":{"city":"Denver"}}`, "Authorization", "Bearer "+body.Token, "Content-Type", jsonHeader); r.Status != 200 {
				t.Errorf("admin route with the signed-in token: %d %s", r.Status, r.Body)
			}
		})
	}
}

func TestAdminLoginWithoutConfiguredPasswordRefusesEveryone(t *testing.T) {
	e := testkit.Seeded(t, func(c *config.Config) { c.AdminPasswordHash = "" })
	verifies := testkit.CountVerifies(e.Handler)
	r := postJSON(t, e, "/auth/admin/login", `{"username":"admin","password":"local-admin-password"}`)
	if r.Status != 401 || r.Body != badCreds {
		t.Errorf("got %d %s", r.Status, r.Body)
	}
	if got := verifies.Take(); len(got) != 1 {
		t.Errorf("verifications = %d, want 1 (the dummy hash)", len(got))
	}
}

func TestClientLogin(t *testing.T) {
	e := testkit.Seeded(t)
	verifies := testkit.CountVerifies(e.Handler)
	inactive, suspended := client.StatusInactive, client.StatusSuspended
	for id, st := range map[string]*client.Status{testkit.JaneID: &inactive} {
		if _, err := e.Store.Update(t.Context(), id, client.UpdateOf(map[string]string{"status": string(*st)}), client.Write{By: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	// A suspended client with a known secret, created directly in the store.
	const suspendedSecret = "suspended-secret-0123456789abcdefghij"
	hash, _ := e.Handler.Secrets.Hash(suspendedSecret)
	now := time.Now()
	if err := e.Store.Create(t.Context(), client.Client{
		ClientID: "client_suspended", Status: suspended, AgentID: "a", TwilioPhoneNumber: "+15550009999",
		Meta: client.Meta{FullName: "S", Email: "s@example.com"}, CreatedAt: now, UpdatedAt: now, TokensValidAfter: now,
	}, hash, testkit.SetupOrigin()); err != nil {
		t.Fatal(err)
	}
	e.Calls()
	stored := func(id string) string { return e.Item(t, "CLIENT#"+id)["secretHash"].(string) }
	johnHash, janeHash := stored(testkit.JohnID), stored(testkit.JaneID)
	missing := `{"error":"Missing required fields","requiredFields":["clientId","clientSecret"],"statusCode":400}`
	body := func(id, secret string) string { return `{"clientId":"` + id + `","clientSecret":"` + secret + `"}` }
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
		calls      []string
		hashes     []string // what the one hash verification checked against
	}{
		// The attempt is counted (UpdateItem on the counter), then the
		// client read; a success clears the count.
		{"right secret", body(testkit.JohnID, testkit.JohnSecret), 200, "", []string{"UpdateItem", "GetItem", "UpdateItem"}, []string{johnHash}},
		{"wrong secret", body(testkit.JohnID, testkit.JohnSecret+"x"), 401, badClient, []string{"UpdateItem", "GetItem"}, []string{johnHash}},
		// Unknown ids verify against the dummy hash: the same work.
		{"unknown id", body("client_nobody", testkit.JohnSecret), 401, badClient, []string{"UpdateItem", "GetItem"}, []string{""}},
		{"inactive, right secret", body(testkit.JaneID, localdb.DemoSecrets()[testkit.JaneID]), 401, badClient, []string{"UpdateItem", "GetItem"}, []string{janeHash}},
		{"suspended, right secret", body("client_suspended", suspendedSecret), 401, badClient, []string{"UpdateItem", "GetItem"}, []string{hash}},
		// No client can have this id: only the attempt is counted.
		{"impossible id", body("no such client", testkit.JohnSecret), 401, badClient, []string{"UpdateItem"}, []string{""}},
		{"missing secret", `{"clientId":"` + testkit.JohnID + `"}`, 400, missing, nil, nil},
		{"missing id", `{"clientSecret":"x"}`, 400, missing, nil, nil},
		{"empty body", ``, 400, missing, nil, nil},
		{"number id", `{"clientId":1,"clientSecret":"x"}`, 400, `{"error":"Invalid request","details":"clientId must be a string","field":"clientId","statusCode":400}`, nil, nil},
		{"not JSON", `clientId=x`, 400, `{"error":"Invalid request","details":"Request body must be a JSON object","statusCode":400}`, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Snapshot(t)
			verifies.Take()
			r := postJSON(t, e, "/auth/login", tc.body)
			if r.Status != tc.status || (tc.want != "" && r.Body != tc.want) {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.want)
			}
			if calls := e.Calls(); !slices.Equal(calls, tc.calls) {
				t.Errorf("DynamoDB calls = %v, want %v", calls, tc.calls)
			}
			if got := verifies.Take(); !slices.Equal(got, tc.hashes) {
				t.Errorf("verified against %q, want %q", got, tc.hashes)
			}
			if d := testkit.TableDiff(withoutAttempts(before), withoutAttempts(e.Snapshot(t))); d != "" {
				t.Errorf("sign-in changed the table:\n%s", d)
			}
			if tc.status != 200 {
				return
			}
			var got struct {
				Success bool   `json:"success"`
				Token   string `json:"token"`
				Client  struct {
					ClientID          string `json:"clientId"`
					Status            string `json:"status"`
					TwilioPhoneNumber string `json:"twilioPhoneNumber"`
					AgentID           string `json:"agentId"`
					ClientMeta        struct {
						FullName     string `json:"fullName"`
						BusinessName string `json:"businessName"`
						Email        string `json:"email"`
					} `json:"clientMeta"`
				} `json:"client"`
			}
			dec := json.NewDecoder(strings.NewReader(r.Body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("body %s: %v", r.Body, err)
			}
			c := got.Client
			if !got.Success || c.ClientID != testkit.JohnID || c.Status != "Active" || c.TwilioPhoneNumber != "+18005551234" ||
				c.AgentID != "agent_demo_001" || c.ClientMeta.FullName != "John Smith" ||
				c.ClientMeta.BusinessName != "Acme Corporation" || c.ClientMeta.Email != "john.smith@example.com" {
				t.Errorf("body %s", r.Body)
			}
			tok := claimsOf(t, got.Token)
			pc := tok.PrivateClaims()
			if tok.Subject() != testkit.JohnID || pc["clientId"] != testkit.JohnID || pc["role"] != "client" || pc["session"] != seedStamp ||
				tok.Expiration().Sub(tok.IssuedAt()) != 24*time.Hour {
				t.Errorf("claims: sub %q %v iat %v exp %v", tok.Subject(), pc, tok.IssuedAt(), tok.Expiration())
			}
		})
	}
}

// oauth posts a token request; basic is "id:secret" already form-encoded,
// or "" for none.
func oauth(t *testing.T, e *testkit.Env, form, basic string, extra ...string) testkit.Result {
	t.Helper()
	h := append([]string{"Content-Type", "application/x-www-form-urlencoded"}, extra...)
	if basic != "" {
		h = append(h, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(basic)))
	}
	return e.Do(t, http.MethodPost, "/auth/token", form, h...)
}

func TestOAuthToken(t *testing.T) {
	e := testkit.Seeded(t)
	verifies := testkit.CountVerifies(e.Handler)
	// A secret with characters that RFC 6749 §2.3.1 form-encodes in Basic.
	const oddID, oddSecret = "client_odd-1", "p@ss:w0rd+with/odd chars&more=0123456789"
	hash, _ := e.Handler.Secrets.Hash(oddSecret)
	now := time.Now()
	if err := e.Store.Create(t.Context(), client.Client{
		ClientID: oddID, Status: client.StatusActive, AgentID: "a", TwilioPhoneNumber: "+15550008888",
		Meta: client.Meta{FullName: "O", Email: "o@example.com"}, CreatedAt: now, UpdatedAt: now, TokensValidAfter: now,
	}, hash, testkit.SetupOrigin()); err != nil {
		t.Fatal(err)
	}
	e.Calls()
	johnBasic := testkit.JohnID + ":" + url.QueryEscape(testkit.JohnSecret)
	grant := "grant_type=client_credentials"
	oerr := func(code, desc string) string {
		return `{"error":"` + code + `","error_description":"` + desc + `"}`
	}
	failed := oerr("invalid_client", "Client authentication failed")
	for _, tc := range []struct {
		name, form, basic string
		headers           []string
		status            int
		want              string
		wwwAuth           bool
		calls             int // DynamoDB calls: the attempt's count, the client's read, a success's reset
	}{
		{"basic", grant, johnBasic, nil, 200, "", false, 3},
		{"form fields", grant + "&client_id=" + testkit.JohnID + "&client_secret=" + url.QueryEscape(testkit.JohnSecret), "", nil, 200, "", false, 3},
		{"basic, form-encoded odd secret", grant, url.QueryEscape(oddID) + ":" + url.QueryEscape(oddSecret), nil, 200, "", false, 3},
		{"basic, wrong secret", grant, testkit.JohnID + ":wrong", nil, 401, failed, true, 2},
		{"form, wrong secret", grant + "&client_id=" + testkit.JohnID + "&client_secret=wrong", "", nil, 401, failed, false, 2},
		{"basic, unknown client", grant, "client_nobody:" + url.QueryEscape(testkit.JohnSecret), nil, 401, failed, true, 2},
		{"empty form, checked before credentials", "", "", []string{"Authorization", "Basic !!!"}, 400, oerr("invalid_request", "grant_type is required"), false, 0},
		{"basic, malformed", grant, "", []string{"Authorization", "Basic !!!"}, 401, oerr("invalid_client", "Malformed Basic credentials"), true, 0},
		{"basic, no colon", grant, testkit.JohnID, nil, 401, oerr("invalid_client", "Malformed Basic credentials"), true, 0},
		{"no client authentication", grant, "", nil, 401, oerr("invalid_client", "Client authentication is required"), false, 0},
		{"basic and form both", grant + "&client_id=" + testkit.JohnID, johnBasic, nil, 400,
			oerr("invalid_request", "Use one client authentication method: HTTP Basic or form fields, not both"), false, 0},
		{"no grant_type", "client_id=x", johnBasic, nil, 400, oerr("invalid_request", "grant_type is required"), false, 0},
		{"password grant", "grant_type=password&username=a&password=b", johnBasic, nil, 400,
			oerr("unsupported_grant_type", "Only grant_type=client_credentials is supported"), false, 0},
		{"repeated parameter", grant + "&" + grant, johnBasic, nil, 400, oerr("invalid_request", "Parameter grant_type is repeated"), false, 0},
		{"scope", grant + "&scope=admin", johnBasic, nil, 400, oerr("invalid_scope", "This server defines no scopes"), false, 0},
		{"JSON body", `{"grant_type":"client_credentials"}`, johnBasic, []string{"Content-Type", jsonHeader}, 400,
			oerr("invalid_request", "Content-Type must be application/x-www-form-urlencoded"), false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Snapshot(t)
			verifies.Take()
			h := tc.headers
			var r testkit.Result
			if len(h) > 0 && h[0] == "Content-Type" {
				r = e.Do(t, http.MethodPost, "/auth/token", tc.form, append(h, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(tc.basic)))...)
			} else {
				r = oauth(t, e, tc.form, tc.basic, h...)
			}
			if r.Status != tc.status || (tc.want != "" && r.Body != tc.want) {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.want)
			}
			if got := r.Header.Get("WWW-Authenticate"); (got != "") != tc.wwwAuth || (got != "" && !strings.HasPrefix(got, "Basic ")) {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", r.Header.Get("Cache-Control"))
			}
			if calls := e.Calls(); len(calls) != tc.calls {
				t.Errorf("DynamoDB calls = %v, want %d", calls, tc.calls)
			}
			if n := len(verifies.Take()); n != min(tc.calls, 1) {
				t.Errorf("hash verifications = %d, want %d", n, min(tc.calls, 1))
			}
			if d := testkit.TableDiff(withoutAttempts(before), withoutAttempts(e.Snapshot(t))); d != "" {
				t.Errorf("token request changed the table:\n%s", d)
			}
			if tc.status != 200 {
				return
			}
			var got map[string]any
			_ = json.Unmarshal([]byte(r.Body), &got)
			if len(got) != 3 || got["token_type"] != "Bearer" || got["expires_in"] != float64(86400) {
				t.Fatalf("body %s", r.Body)
			}
			// The access token is a client token: it opens /secure/client.
			if r := e.Do(t, http.MethodGet, "/secure/client", "", "Authorization", "Bearer "+got["access_token"].(string)); r.Status != 200 {
				t.Errorf("GET /secure/client with the access token: %d %s", r.Status, r.Body)
			}
		})
	}
	t.Run("inactive client", func(t *testing.T) {
		inactive := client.StatusInactive
		if _, err := e.Store.Update(t.Context(), testkit.JaneID, client.UpdateOf(map[string]string{"status": string(inactive)}), client.Write{By: "t"}); err != nil {
			t.Fatal(err)
		}
		r := oauth(t, e, grant, testkit.JaneID+":"+url.QueryEscape(localdb.DemoSecrets()[testkit.JaneID]))
		if r.Status != 401 || r.Body != failed {
			t.Errorf("got %d %s", r.Status, r.Body)
		}
	})
}

func TestSignInLogsNoSecrets(t *testing.T) {
	e := testkit.Seeded(t)
	admin := postJSON(t, e, "/auth/admin/login", `{"username":"admin","password":"local-admin-password"}`)
	tok := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
	postJSON(t, e, "/auth/login", `{"clientId":"`+testkit.JohnID+`","clientSecret":"wrong-secret-value"}`)
	r := oauth(t, e, "grant_type=client_credentials", testkit.JohnID+":"+testkit.JohnSecret)
	putOwn(t, e, tok, `{"clientMeta":{"notes":"private note","phone":"+12125559999"}}`)
	logs := e.Logs.String()
	if n := strings.Count(strings.TrimSpace(logs), "\n") + 1; n != 5 {
		t.Errorf("%d log lines for 5 requests:\n%s", n, logs)
	}
	for _, secret := range []string{"local-admin-password", testkit.JohnSecret, "wrong-secret-value", tok,
		admin.JSON(t)["token"].(string), r.JSON(t)["access_token"].(string), "private note", "+12125559999"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

// withoutAttempts is a table snapshot without the sign-in attempt
// counters, which failed sign-ins write by design.
func withoutAttempts(snapshot []string) []string {
	return slices.DeleteFunc(slices.Clone(snapshot), func(line string) bool { return strings.Contains(line, `"ATTEMPT#`) })
}
