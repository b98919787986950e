package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/auth"
)

// TestEveryAdminRouteDeclaresAScope holds the route table to the rule the
// router enforces: every admin route names one scope of this API, and no
// other route names one (it would never be checked).
func TestEveryAdminRouteDeclaresAScope(t *testing.T) {
	for _, r := range api.Routes() {
		switch {
		case r.Role == auth.RoleAdmin && !auth.KnownScope(r.Scope):
			t.Errorf("%s: admin route declares scope %q, want one of %v", r.Key(), r.Scope, auth.APIScopes())
		case r.Role != auth.RoleAdmin && r.Scope != "":
			t.Errorf("%s: a %q route declares scope %q, which the router never checks", r.Key(), r.Role, r.Scope)
		}
	}
}

// scopedRequest is a request to an admin route that the route answers
// with success when the token may make it; n makes it unique.
type scopedRequest func(t *testing.T, e *testkit.Env, n int) (method, path, body string, status int)

// scopedRequests has one request per admin route, by function: a route
// added to the table without one fails TestScopesOnEveryAdminRoute.
var scopedRequests = map[string]scopedRequest{
	"update-client": func(*testing.T, *testkit.Env, int) (string, string, string, int) {
		return http.MethodPut, testkit.JohnPath, `{"agentId":"agent_scoped"}`, 200
	},
	"create-client": func(_ *testing.T, _ *testkit.Env, n int) (string, string, string, int) {
		return http.MethodPost, "/admin/clients", fmt.Sprintf(`{"clientId":"client_scoped_%d","agentId":"agent_s","twilioPhoneNumber":"+1415556%04d",`+
			`"clientMeta":{"fullName":"Scoped %d","email":"scoped%d@example.com","phone":"+14155550100"}}`, n, n, n, n), 201
	},
	"list-clients": func(*testing.T, *testkit.Env, int) (string, string, string, int) {
		return http.MethodGet, "/admin/clients", "", 200
	},
	"get-client": func(*testing.T, *testkit.Env, int) (string, string, string, int) {
		return http.MethodGet, testkit.JohnPath, "", 200
	},
	"get-client-history": func(*testing.T, *testkit.Env, int) (string, string, string, int) {
		return http.MethodGet, testkit.JohnPath + "/history", "", 200
	},
	"delete-client": func(t *testing.T, e *testkit.Env, n int) (string, string, string, int) {
		id := fmt.Sprintf("client_doomed_%d", n)
		r := admin(t, e, http.MethodPost, "/admin/clients", fmt.Sprintf(`{"clientId":"%s","agentId":"agent_d","twilioPhoneNumber":"+1415557%04d",`+
			`"clientMeta":{"fullName":"Doomed","email":"doomed%d@example.com","phone":"+14155550100"}}`, id, n, n))
		if r.Status != 201 {
			t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
		}
		e.Calls()
		return http.MethodDelete, "/admin/clients/" + id, "", 200
	},
	"reset-secret": func(*testing.T, *testkit.Env, int) (string, string, string, int) {
		return http.MethodPost, testkit.JohnPath + "/reset-secret", "", 200
	},
}

// TestScopesOnEveryAdminRoute: every admin route × every shape of grant.
// A token without scope or permissions may do everything, as before
// scopes; one with either may do exactly what they name together; a
// refusal is the contract's 403 naming the route's scope, before any
// DynamoDB call, with the table unchanged.
func TestScopesOnEveryAdminRoute(t *testing.T) {
	e := testkit.Seeded(t)
	n := 0
	for _, rt := range api.Routes() {
		if rt.Role != auth.RoleAdmin {
			continue
		}
		req, ok := scopedRequests[rt.Function]
		if !ok {
			t.Errorf("%s: no request in scopedRequests", rt.Key())
			continue
		}
		var others []string
		for _, s := range auth.APIScopes() {
			if s != rt.Scope {
				others = append(others, s)
			}
		}
		type grant struct {
			name    string
			claims  map[string]any
			allowed bool
		}
		grants := []grant{
			{"no scope claim", nil, true},
			{"exactly its scope", map[string]any{"scope": rt.Scope}, true},
			{"its scope among others", map[string]any{"scope": "openid " + strings.Join(auth.APIScopes(), " ")}, true},
			{"every other scope", map[string]any{"scope": strings.Join(others, " ")}, false},
			{"empty scope string", map[string]any{"scope": ""}, false},
			{"identity provider's scopes only", map[string]any{"scope": "openid profile email"}, false},
			{"permissions only, its scope", map[string]any{"permissions": []string{rt.Scope}}, true},
			{"permissions only, every other", map[string]any{"permissions": others}, false},
			{"permissions empty", map[string]any{"permissions": []string{}}, false},
			{"both, its scope in permissions", map[string]any{"scope": strings.Join(others, " "), "permissions": []string{rt.Scope}}, true},
			{"both, its scope in scope", map[string]any{"scope": rt.Scope, "permissions": others}, true},
			{"both, neither names it", map[string]any{"scope": "", "permissions": others}, false},
		}
		for _, o := range others {
			grants = append(grants, grant{"only " + o, map[string]any{"scope": o}, false})
		}
		for _, g := range grants {
			t.Run(rt.Key()+"/"+g.name, func(t *testing.T) {
				n++
				claims := map[string]any{"role": auth.RoleAdmin}
				for k, v := range g.claims {
					claims[k] = v
				}
				tok := testkit.Signed(t, e.Issuer, "scoped-admin", claims)
				method, path, body, status := req(t, e, n)
				do := func() testkit.Result {
					return e.Do(t, method, path, body, "Authorization", testkit.Bearer(tok), "Content-Type", "application/json")
				}
				if g.allowed {
					if r := do(); r.Status != status {
						t.Errorf("got %d %s, want %d", r.Status, r.Body, status)
					}
					if len(e.Calls()) == 0 {
						t.Error("an allowed request made no DynamoDB call")
					}
					return
				}
				expectUnchanged(t, e, nil, func() {
					want := `{"error":"Forbidden","message":"Missing scope: ` + rt.Scope + `","statusCode":403}`
					if r := do(); r.Status != 403 || r.Body != want {
						t.Errorf("got %d %s, want 403 %s", r.Status, r.Body, want)
					}
				})
			})
		}
	}
	for f := range scopedRequests {
		if !slices.ContainsFunc(api.Routes(), func(r api.Route) bool { return r.Function == f && r.Role == auth.RoleAdmin }) {
			t.Errorf("scopedRequests has %s, which is no admin route", f)
		}
	}
}

// TestScopesDoNotTouchClientTokens: a client token is judged as before,
// whatever scope or permissions it carries (they are admin grants).
func TestScopesDoNotTouchClientTokens(t *testing.T) {
	e := testkit.Seeded(t)
	for _, claims := range []map[string]any{
		{"scope": ""},
		{"scope": "openid"},
		{"permissions": []string{}},
	} {
		c := map[string]any{"role": auth.RoleClient, "clientId": testkit.JohnID, auth.SessionClaim: testkit.SeedSession()}
		for k, v := range claims {
			c[k] = v
		}
		tok := testkit.Signed(t, e.Issuer, testkit.JohnID, c)
		if r := e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(tok)...); r.Status != 200 {
			t.Errorf("%v: GET /secure/client = %d %s", claims, r.Status, r.Body)
		}
		if r := e.Do(t, http.MethodGet, testkit.JohnPath, "", testkit.AuthHeader(tok)...); r.Status != 403 || !strings.Contains(r.Body, "Admin access required") {
			t.Errorf("%v: GET %s = %d %s, want the role's 403", claims, testkit.JohnPath, r.Status, r.Body)
		}
	}
}
