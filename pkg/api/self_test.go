package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/config"
)

const (
	clientRequired = `{"error":"Forbidden","message":"Client access required","statusCode":403}`
	adminRequired  = `{"error":"Forbidden","message":"Admin access required","statusCode":403}`
	invalidToken   = `{"error":"Unauthorized","message":"Invalid token","statusCode":401}`
)

func putOwn(t *testing.T, e *testkit.Env, tok, body string) testkit.Result {
	t.Helper()
	return e.Do(t, http.MethodPut, "/secure/client", body, append(testkit.AuthHeader(tok), "Content-Type", jsonHeader)...)
}

func TestGetOwnClient(t *testing.T) {
	e := testkit.Seeded(t)
	tok := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
	e.Calls()
	r := e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(tok)...)
	if r.Status != 200 {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
	if calls := e.Calls(); !slices.Equal(calls, []string{"GetItem"}) {
		t.Errorf("DynamoDB calls = %v, want one GetItem", calls)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"agentId", "clientId", "clientMeta", "createdAt", "status", "twilioPhoneNumber", "updatedAt", "updatedBy"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys = %v, want %v", keys, want)
	}
	meta := got["clientMeta"].(map[string]any)
	if got["clientId"] != testkit.JohnID || meta["email"] != "john.smith@example.com" || meta["notes"] != "Demo client" ||
		!updatedAtPattern.MatchString(got["createdAt"].(string)) {
		t.Errorf("body %s", r.Body)
	}
	for _, secret := range []string{"secret", "Secret", "argon2", "tokensValidAfter", seedStamp} {
		if strings.Contains(r.Body, secret) {
			t.Errorf("body shows %q: %s", secret, r.Body)
		}
	}
}

func TestOwnClientRefusals(t *testing.T) {
	e := testkit.Seeded(t)
	good := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
	stale, err := e.Issuer.SignClient(testkit.JohnID, "2024-12-31T23:59:59.999Z", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ghost, _ := e.Issuer.SignClient("client_ghost", seedStamp, time.Hour)
	noSession := testkit.Signed(t, e.Issuer, testkit.JohnID, map[string]any{"role": auth.RoleClient, "clientId": testkit.JohnID})
	otherSub := testkit.Signed(t, e.Issuer, testkit.JaneID, map[string]any{"role": auth.RoleClient, "clientId": testkit.JohnID, auth.SessionClaim: testkit.SeedSession()})
	expired, _ := e.Issuer.SignClient(testkit.JohnID, seedStamp, -time.Hour)
	admin := e.AdminToken(t)
	invalid := func(field, details string) string {
		return fmt.Sprintf(`{"error":"Invalid update data","details":%q,%s"statusCode":400}`, details, fieldKey(field))
	}
	for _, tc := range []struct {
		name, method, token, body string
		status                    int
		want                      string
		calls                     []string
	}{
		{"GET admin token", http.MethodGet, admin, "", 403, clientRequired, nil},
		{"PUT admin token", http.MethodPut, admin, `{"clientMeta":{"city":"X"}}`, 403, clientRequired, nil},
		{"GET no token", http.MethodGet, "", "", 401, `{"error":"Unauthorized","message":"Missing bearer token","statusCode":401}`, nil},
		{"GET expired", http.MethodGet, expired, "", 401, invalidToken, nil},
		{"GET token without session", http.MethodGet, noSession, "", 401, invalidToken, nil},
		{"PUT token without session", http.MethodPut, noSession, `{"clientMeta":{"city":"X"}}`, 401, invalidToken, nil},
		{"GET sub and clientId differ", http.MethodGet, otherSub, "", 401, invalidToken, nil},
		{"GET stale session", http.MethodGet, stale, "", 401, invalidToken, []string{"GetItem"}},
		{"PUT stale session", http.MethodPut, stale, `{"clientMeta":{"city":"X"}}`, 401, invalidToken, []string{"UpdateItem"}},
		{"GET client gone", http.MethodGet, ghost, "", 401, invalidToken, []string{"GetItem"}},
		{"PUT client gone", http.MethodPut, ghost, `{"clientMeta":{"city":"X"}}`, 401, invalidToken, []string{"UpdateItem"}},
		{"PUT email", http.MethodPut, good, `{"clientMeta":{"email":"john@elsewhere.example"}}`, 400,
			invalid("clientMeta.email", "clientMeta.email cannot be changed by the client; an admin changes it"), nil},
		{"PUT status", http.MethodPut, good, `{"status":"Active"}`, 400, invalid("status", "status cannot be changed by the client; an admin changes it"), nil},
		{"PUT invalid status", http.MethodPut, good, `{"status":"Bogus"}`, 400, invalid("status", "status cannot be changed by the client; an admin changes it"), nil},
		{"PUT agentId", http.MethodPut, good, `{"agentId":"mine"}`, 400, invalid("agentId", "agentId cannot be changed by the client; an admin changes it"), nil},
		{"PUT twilioPhoneNumber", http.MethodPut, good, `{"twilioPhoneNumber":"+15550001234"}`, 400,
			invalid("twilioPhoneNumber", "twilioPhoneNumber cannot be changed by the client; an admin changes it"), nil},
		{"PUT allowed beside forbidden", http.MethodPut, good, `{"clientMeta":{"city":"X","email":"a@b.example"}}`, 400,
			invalid("clientMeta.email", "clientMeta.email cannot be changed by the client; an admin changes it"), nil},
		{"PUT clientSecret", http.MethodPut, good, `{"clientSecret":"0123456789abcdef0123456789abcdef"}`, 400,
			invalid("clientSecret", "clientSecret cannot be changed here; use POST /admin/clients/{clientId}/reset-secret"), nil},
		{"PUT unknown field", http.MethodPut, good, `{"clientMeta":{"nickname":"J"}}`, 400, invalid("clientMeta.nickname", "Unknown field: clientMeta.nickname"), nil},
		{"PUT bad phone", http.MethodPut, good, `{"clientMeta":{"phone":"555"}}`, 400,
			invalid("clientMeta.phone", "clientMeta.phone must be an E.164 phone number such as +12125551234"), nil},
		{"PUT nothing", http.MethodPut, good, `{}`, 400, invalid("", "No updatable fields provided"), nil},
		{"PUT not JSON", http.MethodPut, good, `{`, 400, invalid("", "Request body must be valid JSON"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Snapshot(t)
			var r testkit.Result
			if tc.method == http.MethodGet {
				var h []string
				if tc.token != "" {
					h = testkit.AuthHeader(tc.token)
				}
				r = e.Do(t, tc.method, "/secure/client", "", h...)
			} else {
				r = putOwn(t, e, tc.token, tc.body)
			}
			if r.Status != tc.status || r.Body != tc.want {
				t.Errorf("got %d %s\nwant %d %s", r.Status, r.Body, tc.status, tc.want)
			}
			if calls := e.Calls(); !slices.Equal(calls, tc.calls) {
				t.Errorf("DynamoDB calls = %v, want %v", calls, tc.calls)
			}
			if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
				t.Errorf("table changed:\n%s", d)
			}
		})
	}
}

func TestUpdateOwnClient(t *testing.T) {
	e := testkit.Seeded(t)
	tok := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
	before := e.Item(t, "CLIENT#"+testkit.JohnID)
	e.Calls()
	r := putOwn(t, e, tok, `{"clientMeta":{"fullName":" Johnny Smith ","phone":"+12125559999","city":"Evanston","jobTitle":"CEO","businessName":"Acme Ltd","notes":null},"clientId":"client_other"}`)
	if r.Status != 200 {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
	if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem"}) {
		t.Errorf("DynamoDB calls = %v, want one UpdateItem", calls)
	}
	got := r.JSON(t)
	c := got["client"].(map[string]any)
	if got["message"] != "Client updated successfully" || c["clientId"] != testkit.JohnID || c["status"] != "Active" ||
		!updatedAtPattern.MatchString(c["updatedAt"].(string)) || len(c) != 3 || r.Header.Get("ETag") != `"2"` {
		t.Errorf("got %s (ETag %q)", r.Body, r.Header.Get("ETag"))
	}
	after := e.Item(t, "CLIENT#"+testkit.JohnID)
	m := after["clientMeta"].(map[string]any)
	if m["fullName"] != "Johnny Smith" || m["phone"] != "+12125559999" || m["city"] != "Evanston" ||
		m["jobTitle"] != "CEO" || m["businessName"] != "Acme Ltd" || m["email"] != "john.smith@example.com" {
		t.Errorf("clientMeta = %v", m)
	}
	if _, ok := m["notes"]; ok {
		t.Error("notes set to null was not removed")
	}
	if after["updatedBy"] != testkit.JohnID {
		t.Errorf("updatedBy = %v, want the client's id", after["updatedBy"])
	}
	for _, k := range []string{"status", "agentId", "twilioPhoneNumber", "tokensValidAfter", "secretHash"} {
		if after[k] != before[k] {
			t.Errorf("%s changed from %v to %v", k, before[k], after[k])
		}
	}
	// The token still works after the client's own change.
	if r := e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(tok)...); r.Status != 200 {
		t.Errorf("GET after own update: %d %s", r.Status, r.Body)
	}
}

// TestRevocation: an admin's status change away from Active refuses the
// client's earlier tokens and its sign-in at once; reactivation lets it
// sign in again but never revives the earlier tokens.
func TestRevocation(t *testing.T) {
	for _, status := range []string{"Suspended", "Inactive"} {
		t.Run(status, func(t *testing.T) {
			e := testkit.Seeded(t)
			old := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
			if r := e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(old)...); r.Status != 200 {
				t.Fatalf("before: %d %s", r.Status, r.Body)
			}
			if r := put(t, e, testkit.JohnPath, `{"status":"`+status+`"}`); r.Status != 200 {
				t.Fatalf("admin change: %d %s", r.Status, r.Body)
			}
			refused := func(when, tok string) {
				t.Helper()
				if r := e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(tok)...); r.Status != 401 || r.Body != invalidToken {
					t.Errorf("%s: GET with the earlier token: %d %s", when, r.Status, r.Body)
				}
				before := e.Snapshot(t)
				if r := putOwn(t, e, tok, `{"clientMeta":{"city":"Nowhere"}}`); r.Status != 401 || r.Body != invalidToken {
					t.Errorf("%s: PUT with the earlier token: %d %s", when, r.Status, r.Body)
				}
				if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
					t.Errorf("%s: refused PUT changed the table:\n%s", when, d)
				}
			}
			refused("while "+status, old)
			if r := postJSON(t, e, "/auth/login", `{"clientId":"`+testkit.JohnID+`","clientSecret":"`+testkit.JohnSecret+`"}`); r.Status != 401 || r.Body != badClient {
				t.Errorf("sign-in while %s: %d %s", status, r.Status, r.Body)
			}
			if r := oauth(t, e, "grant_type=client_credentials", testkit.JohnID+":"+testkit.JohnSecret); r.Status != 401 {
				t.Errorf("token request while %s: %d %s", status, r.Status, r.Body)
			}
			if r := put(t, e, testkit.JohnPath, `{"status":"Active"}`); r.Status != 200 {
				t.Fatalf("reactivate: %d %s", r.Status, r.Body)
			}
			fresh := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
			if r := e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(fresh)...); r.Status != 200 {
				t.Errorf("fresh token after reactivation: %d %s", r.Status, r.Body)
			}
			if r := putOwn(t, e, fresh, `{"clientMeta":{"city":"Springfield"}}`); r.Status != 200 {
				t.Errorf("PUT with the fresh token: %d %s", r.Status, r.Body)
			}
			refused("after reactivation", old)
		})
	}
}

func TestAdminRoutesRefuseClientTokens(t *testing.T) {
	e := testkit.Seeded(t)
	tok := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
	e.Calls()
	before := e.Snapshot(t)
	r := e.Do(t, http.MethodPut, testkit.JohnPath, `{"status":"Active"}`, append(testkit.AuthHeader(tok), "Content-Type", jsonHeader)...)
	if r.Status != 403 || r.Body != adminRequired {
		t.Errorf("got %d %s", r.Status, r.Body)
	}
	if calls := e.Calls(); len(calls) != 0 {
		t.Errorf("refused request reached DynamoDB: %v", calls)
	}
	if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
		t.Errorf("table changed:\n%s", d)
	}
}

// TestIdentityProviderMode: admin tokens come from a JWKS (RS256), client
// tokens are signed with CLIENT_JWT_SECRET. Each key vouches only for its
// role, and a token of the other role is still a 403.
func TestIdentityProviderMode(t *testing.T) {
	jwks := testkit.NewJWKS(t)
	const clientSecret = "client-secret-0123456789abcdef0123456789ab"
	e := testkit.Seeded(t, func(c *config.Config) { c.JWTSecret, c.JWKSURL, c.ClientJWTSecret = "", jwks.URL, clientSecret })

	idpAdmin := testkit.Token(t, jwa.RS256, jwks.PrivateJWK(t, testkit.KidRSA), func(b *jwt.Builder) *jwt.Builder { return b })
	// A token claiming admin, signed with the client-token key: that key
	// does not vouch for admins.
	forgedAdmin := testkit.Token(t, jwa.HS256, []byte(clientSecret), func(b *jwt.Builder) *jwt.Builder { return b })

	if r := postJSON(t, e, "/auth/admin/login", `{"username":"admin","password":"local-admin-password"}`); r.Status != 404 {
		t.Errorf("admin sign-in in JWKS mode: %d %s", r.Status, r.Body)
	}
	tok := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
	claimsOf := func(tok string) error {
		_, err := jwt.ParseString(tok, jwt.WithKey(jwa.HS256, []byte(clientSecret)))
		return err
	}
	if err := claimsOf(tok); err != nil {
		t.Errorf("client token not signed with CLIENT_JWT_SECRET: %v", err)
	}
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		want                            string
	}{
		{"client token on /secure", http.MethodGet, "/secure/client", tok, "", 200, ""},
		{"IdP admin token on admin route", http.MethodPut, testkit.JohnPath, idpAdmin, `{"clientMeta":{"city":"Reno"}}`, 200, ""},
		{"client token on admin route", http.MethodPut, testkit.JohnPath, tok, `{"clientMeta":{"city":"Reno"}}`, 403, adminRequired},
		{"IdP admin token on /secure", http.MethodGet, "/secure/client", idpAdmin, "", 403, clientRequired},
		{"admin claim under the client key", http.MethodPut, testkit.JohnPath, forgedAdmin, `{"clientMeta":{"city":"Reno"}}`, 401, invalidToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(t, tc.method, tc.path, tc.body, append(testkit.AuthHeader(tc.token), "Content-Type", jsonHeader)...)
			if r.Status != tc.status || (tc.want != "" && r.Body != tc.want) {
				t.Errorf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.want)
			}
		})
	}
}

// TestResetAndDeleteRevoke: a secret reset refuses the old secret and every
// earlier token at once; a deletion refuses the client's tokens.
func TestResetAndDeleteRevoke(t *testing.T) {
	e := testkit.Seeded(t)
	old := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
	admin := testkit.AuthHeader(e.AdminToken(t))
	r := e.Do(t, http.MethodPost, testkit.JohnPath+"/reset-secret", "", admin...)
	if r.Status != 200 {
		t.Fatalf("reset-secret: %d %s", r.Status, r.Body)
	}
	newSecret := r.JSON(t)["client"].(map[string]any)["clientSecret"].(string)
	if r := e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(old)...); r.Status != 401 || r.Body != invalidToken {
		t.Errorf("token from before the reset: %d %s", r.Status, r.Body)
	}
	if r := postJSON(t, e, "/auth/login", `{"clientId":"`+testkit.JohnID+`","clientSecret":"`+testkit.JohnSecret+`"}`); r.Status != 401 || r.Body != badClient {
		t.Errorf("old secret after the reset: %d %s", r.Status, r.Body)
	}
	fresh := testkit.Login(t, e, testkit.JohnID, newSecret)
	if r := e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(fresh)...); r.Status != 200 {
		t.Errorf("token from the new secret: %d %s", r.Status, r.Body)
	}
	if r := e.Do(t, http.MethodDelete, testkit.JohnPath, "", admin...); r.Status != 200 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(fresh)...); r.Status != 401 || r.Body != invalidToken {
		t.Errorf("token of a deleted client, GET: %d %s", r.Status, r.Body)
	}
	before := e.Snapshot(t)
	if r := putOwn(t, e, fresh, `{"clientMeta":{"city":"Ghost Town"}}`); r.Status != 401 || r.Body != invalidToken {
		t.Errorf("token of a deleted client, PUT: %d %s", r.Status, r.Body)
	}
	if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
		t.Errorf("PUT by a deleted client changed the table (recreated the item?):\n%s", d)
	}
	if r := postJSON(t, e, "/auth/login", `{"clientId":"`+testkit.JohnID+`","clientSecret":"`+newSecret+`"}`); r.Status != 401 || r.Body != badClient {
		t.Errorf("sign-in of a deleted client: %d %s", r.Status, r.Body)
	}
}

// TestCreatedClientSignsIn follows a new client from the admin's create to
// its own profile edit.
func TestCreatedClientSignsIn(t *testing.T) {
	e := testkit.Seeded(t)
	r := e.Do(t, http.MethodPost, "/admin/clients", `{"clientMeta":{"fullName":"Nina New","email":"nina@example.com","phone":"+14155550100"},
		"agentId":"agent_nina","twilioPhoneNumber":"+18005550100"}`, append(testkit.AuthHeader(e.AdminToken(t)), "Content-Type", jsonHeader)...)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	c := r.JSON(t)["client"].(map[string]any)
	tok := testkit.Login(t, e, c["clientId"].(string), c["clientSecret"].(string))
	if r := putOwn(t, e, tok, `{"clientMeta":{"jobTitle":"Founder"}}`); r.Status != 200 {
		t.Errorf("own update: %d %s", r.Status, r.Body)
	}
	r = e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(tok)...)
	if r.Status != 200 || r.JSON(t)["clientMeta"].(map[string]any)["jobTitle"] != "Founder" {
		t.Errorf("own read: %d %s", r.Status, r.Body)
	}
}
