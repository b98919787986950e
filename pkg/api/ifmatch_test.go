package api_test

import (
	"net/http"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

// TestEveryWriteHonoursIfMatch holds the self-service update, the delete
// and the secret reset to the admin update's If-Match rule (RFC 9110
// §13.1.1): a stale or weak tag is a 412 that changes nothing, a malformed
// one a 400 before any I/O, the current one writes, all in the route's
// usual round trips. John is seeded at version 1.
func TestEveryWriteHonoursIfMatch(t *testing.T) {
	const precondition = `{"error":"Precondition Failed","message":"Client was modified by another request","statusCode":412}`
	routes := []struct {
		name string
		// send makes the request with the header name set to tag; tok is
		// John's token for the own update, signed in before the table's
		// snapshot (a sign-in writes its attempt counter), "" for the rest.
		send    func(t *testing.T, e *testkit.Env, tok, name, tag string) testkit.Result
		invalid string // the route's 400 error string
		calls   []string
		ok      int
		client  bool // send needs John's token
	}{
		{"update", func(t *testing.T, e *testkit.Env, _, name, tag string) testkit.Result {
			return admin(t, e, http.MethodPut, testkit.JohnPath, `{"clientMeta":{"city":"Lyon"}}`, name, tag)
		}, "Invalid update data", []string{"UpdateItem"}, 200, false},
		{"own update", func(t *testing.T, e *testkit.Env, tok, name, tag string) testkit.Result {
			return e.Do(t, http.MethodPut, "/secure/client", `{"clientMeta":{"city":"Lyon"}}`,
				append(testkit.AuthHeader(tok), "Content-Type", jsonHeader, name, tag)...)
		}, "Invalid update data", []string{"UpdateItem"}, 200, true},
		{"delete", func(t *testing.T, e *testkit.Env, _, name, tag string) testkit.Result {
			return admin(t, e, http.MethodDelete, testkit.JohnPath, "", name, tag)
		}, "Invalid request", []string{"GetItem"}, 200, false},
		{"reset secret", func(t *testing.T, e *testkit.Env, _, name, tag string) testkit.Result {
			return admin(t, e, http.MethodPost, testkit.JohnPath+"/reset-secret", "", name, tag)
		}, "Invalid request", []string{"UpdateItem"}, 200, false},
	}
	seeded := func(t *testing.T, client bool) (*testkit.Env, string) {
		e := testkit.Seeded(t)
		if !client {
			return e, ""
		}
		tok := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
		e.Calls()
		return e, tok
	}
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			for _, tc := range []struct {
				name, header, tag string
				status            int
				body              string
				calls             []string // nil: none
			}{
				{"stale version", "If-Match", `"7"`, 412, precondition, rt.calls},
				// Strong comparison is of the opaque tags: "01" is not the
				// "1" the ETag shows, so it matches no version.
				{"another spelling of the version", "If-Match", `"01"`, 412, precondition, nil},
				{"another spelling, bare", "If-Match", `01`, 412, precondition, nil},
				// The client exists, so "only if none exists" fails, in the
				// write's own condition.
				{"If-None-Match any", "If-None-Match", `*`, 412, precondition, rt.calls},
				{"weak tag never matches", "If-Match", `W/"1"`, 412, precondition, nil},
				{"version 0 never exists", "If-Match", `"0"`, 412, precondition, nil},
				{"malformed", "If-Match", `"abc"`, 400, `{"error":"` + rt.invalid + `","details":"If-Match must be an ETag such as \"3\"","statusCode":400}`, nil},
				{"list of tags", "If-Match", `"1", "2"`, 400, "", nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					e, tok := seeded(t, rt.client)
					expectUnchanged(t, e, tc.calls, func() {
						r := rt.send(t, e, tok, tc.header, tc.tag)
						if r.Status != tc.status || tc.body != "" && r.Body != tc.body {
							t.Errorf("got %d %s", r.Status, r.Body)
						}
					})
				})
			}
			t.Run("current version", func(t *testing.T) {
				e, tok := seeded(t, rt.client)
				if r := rt.send(t, e, tok, "If-Match", `"1"`); r.Status != rt.ok {
					t.Errorf("got %d %s", r.Status, r.Body)
				}
			})
			// If-None-Match names versions a write must not find; only *
			// (no version at all) is honoured, tags are ignored.
			t.Run("If-None-Match with a tag is ignored", func(t *testing.T) {
				e, tok := seeded(t, rt.client)
				if r := rt.send(t, e, tok, "If-None-Match", `"7"`); r.Status != rt.ok {
					t.Errorf("got %d %s", r.Status, r.Body)
				}
			})
		})
	}
}

// TestIfNoneMatchOnMissingClient: If-None-Match: * holds for a client that
// does not exist, so the write goes on to the answer it gives without the
// header, a 404 (RFC 9110 §13.2.1), in the same one call.
func TestIfNoneMatchOnMissingClient(t *testing.T) {
	for _, tc := range []struct {
		method, path, body string
		calls              []string
	}{
		{http.MethodPut, "/admin/clients/client_nobody", `{"clientMeta":{"city":"Lyon"}}`, []string{"UpdateItem"}},
		{http.MethodDelete, "/admin/clients/client_nobody", "", []string{"GetItem"}},
		{http.MethodPost, "/admin/clients/client_nobody/reset-secret", "", []string{"UpdateItem"}},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			e := testkit.Seeded(t)
			expectUnchanged(t, e, tc.calls, func() {
				r := admin(t, e, tc.method, tc.path, tc.body, "If-None-Match", "*")
				if r.Status != 404 {
					t.Errorf("got %d %s", r.Status, r.Body)
				}
			})
		})
	}
}
