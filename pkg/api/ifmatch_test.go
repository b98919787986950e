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
		// send makes the request with If-Match set to tag.
		send    func(t *testing.T, e *testkit.Env, tag string) testkit.Result
		invalid string // the route's 400 error string
		calls   []string
		ok      int
	}{
		{"own update", func(t *testing.T, e *testkit.Env, tag string) testkit.Result {
			tok := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
			e.Calls()
			return e.Do(t, http.MethodPut, "/secure/client", `{"clientMeta":{"city":"Lyon"}}`,
				append(testkit.AuthHeader(tok), "Content-Type", jsonHeader, "If-Match", tag)...)
		}, "Invalid update data", []string{"UpdateItem"}, 200},
		{"delete", func(t *testing.T, e *testkit.Env, tag string) testkit.Result {
			return admin(t, e, http.MethodDelete, testkit.JohnPath, "", "If-Match", tag)
		}, "Invalid request", []string{"GetItem"}, 200},
		{"reset secret", func(t *testing.T, e *testkit.Env, tag string) testkit.Result {
			return admin(t, e, http.MethodPost, testkit.JohnPath+"/reset-secret", "", "If-Match", tag)
		}, "Invalid request", []string{"UpdateItem"}, 200},
	}
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			for _, tc := range []struct {
				name, tag string
				status    int
				body      string
				calls     []string // nil: none
			}{
				{"stale version", `"7"`, 412, precondition, rt.calls},
				{"weak tag never matches", `W/"1"`, 412, precondition, nil},
				{"version 0 never exists", `"0"`, 412, precondition, nil},
				{"malformed", `"abc"`, 400, `{"error":"` + rt.invalid + `","details":"If-Match must be an ETag such as \"3\"","statusCode":400}`, nil},
				{"list of tags", `"1", "2"`, 400, "", nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					e := testkit.Seeded(t)
					expectUnchanged(t, e, tc.calls, func() {
						r := rt.send(t, e, tc.tag)
						if r.Status != tc.status || tc.body != "" && r.Body != tc.body {
							t.Errorf("got %d %s", r.Status, r.Body)
						}
					})
				})
			}
			t.Run("current version", func(t *testing.T) {
				e := testkit.Seeded(t)
				if r := rt.send(t, e, `"1"`); r.Status != rt.ok {
					t.Errorf("got %d %s", r.Status, r.Body)
				}
			})
		})
	}
}
