package api_test

import (
	"net/http"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

// TestClientDataIsNeverCached holds every answer that carries a client's
// data (the reads, every write's answer) and the refusals of those routes
// to Cache-Control: no-store, as the sign-in answers already are: a shared
// proxy or the browser's cache must not keep personal data.
func TestClientDataIsNeverCached(t *testing.T) {
	cases := []struct {
		name   string
		send   func(t *testing.T, e *testkit.Env) testkit.Result
		status int
	}{
		{"list", func(t *testing.T, e *testkit.Env) testkit.Result {
			return admin(t, e, http.MethodGet, "/admin/clients", "")
		}, 200},
		{"get", func(t *testing.T, e *testkit.Env) testkit.Result {
			return admin(t, e, http.MethodGet, testkit.JohnPath, "")
		}, 200},
		{"get, not found", func(t *testing.T, e *testkit.Env) testkit.Result {
			return admin(t, e, http.MethodGet, "/admin/clients/client_nobody", "")
		}, 404},
		{"update", func(t *testing.T, e *testkit.Env) testkit.Result {
			return admin(t, e, http.MethodPut, testkit.JohnPath, `{"clientMeta":{"city":"Lyon"}}`)
		}, 200},
		{"update, conflict", func(t *testing.T, e *testkit.Env) testkit.Result {
			return admin(t, e, http.MethodPut, testkit.JohnPath, `{"clientMeta":{"email":"jane.doe@example.com"}}`)
		}, 409},
		{"create", func(t *testing.T, e *testkit.Env) testkit.Result {
			return admin(t, e, http.MethodPost, "/admin/clients", minimalBody)
		}, 201},
		{"delete", func(t *testing.T, e *testkit.Env) testkit.Result {
			return admin(t, e, http.MethodDelete, testkit.JohnPath, "")
		}, 200},
		{"reset secret", func(t *testing.T, e *testkit.Env) testkit.Result {
			return admin(t, e, http.MethodPost, testkit.JohnPath+"/reset-secret", "")
		}, 200},
		{"own record", func(t *testing.T, e *testkit.Env) testkit.Result {
			tok := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
			return e.Do(t, http.MethodGet, "/secure/client", "", testkit.AuthHeader(tok)...)
		}, 200},
		{"own update", func(t *testing.T, e *testkit.Env) testkit.Result {
			tok := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
			return putOwn(t, e, tok, `{"clientMeta":{"city":"Lyon"}}`)
		}, 200},
		{"own record, no token", func(t *testing.T, e *testkit.Env) testkit.Result {
			return e.Do(t, http.MethodGet, "/secure/client", "")
		}, 401},
		{"client sign-in", func(t *testing.T, e *testkit.Env) testkit.Result {
			return postJSON(t, e, "/auth/login", `{"clientId":"`+testkit.JohnID+`","clientSecret":"`+testkit.JohnSecret+`"}`)
		}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := testkit.Seeded(t)
			r := tc.send(t, e)
			if r.Status != tc.status {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
			if got := r.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
}
