package api_test

import (
	"net/http"
	"slices"
	"testing"
)

// TestRoundTrips pins the DynamoDB calls each kind of request makes: the
// count is the physical cost of a request on Lambda, so a change that adds
// a call must fail here. Refused requests must make none. New routes add
// rows (sign-in = [GetItem] when it lands).
func TestRoundTrips(t *testing.T) {
	const admin = "admin" // placeholder for "a valid admin token"
	cases := []struct {
		name         string
		method, path string
		body         string
		auth         string // admin, "" for none, or a literal header value
		status       int
		calls        []string
	}{
		{"plain update", http.MethodPut, john, `{"status":"Active","clientMeta":{"city":"Paris","notes":null}}`, admin, 200, []string{"UpdateItem"}},
		{"plain update of a missing client", http.MethodPut, "/admin/clients/client_missing", `{"status":"Active"}`, admin, 404, []string{"UpdateItem"}},
		{"email change", http.MethodPut, john, `{"clientMeta":{"email":"john.rt@example.com"}}`, admin, 200, []string{"GetItem", "TransactWriteItems"}},
		{"email taken", http.MethodPut, john, `{"clientMeta":{"email":"jane.doe@example.com"}}`, admin, 409, []string{"GetItem", "TransactWriteItems"}},
		{"Twilio number change", http.MethodPut, john, `{"twilioPhoneNumber":"+18005550001"}`, admin, 200, []string{"GetItem", "TransactWriteItems"}},
		{"email and Twilio number change together", http.MethodPut, john, `{"twilioPhoneNumber":"+18005550002","clientMeta":{"email":"john.rt2@example.com"}}`, admin, 200, []string{"GetItem", "TransactWriteItems"}},
		{"create", http.MethodPost, "/admin/clients", `{"clientId":"client_rt_new","clientSecret":"client_secure_secret_key_0123456789","clientMeta":{"fullName":"RT New","email":"rt.new@example.com","phone":"+12125550100"},"agentId":"agent_rt","twilioPhoneNumber":"+18005550099","status":"Active"}`, admin, 201, []string{"TransactWriteItems"}},
		{"create refused by validation", http.MethodPost, "/admin/clients", `{"clientId":"client_rt_bad"}`, admin, 400, nil},
		{"get", http.MethodGet, john, "", admin, 200, []string{"GetItem"}},
		{"get refused by auth", http.MethodGet, john, "", "", 401, nil},
		{"list: a count and one page", http.MethodGet, "/admin/clients?limit=5", "", admin, 200, []string{"Query", "Query"}},
		{"reset secret", http.MethodPost, john + "/reset-secret", "", admin, 200, []string{"UpdateItem"}},
		{"delete", http.MethodDelete, jane, "", admin, 200, []string{"GetItem", "TransactWriteItems"}},
		{"refused by auth: no token", http.MethodPut, john, `{"status":"Active"}`, "", 401, nil},
		{"refused by auth: bad token", http.MethodPut, john, `{"status":"Active"}`, "Bearer a.b.c", 401, nil},
		{"refused by validation: bad status", http.MethodPut, john, `{"status":"active"}`, admin, 400, nil},
		{"refused by validation: bad email", http.MethodPut, john, `{"clientMeta":{"email":"nope"}}`, admin, 400, nil},
		{"refused by validation: not JSON", http.MethodPut, john, `{`, admin, 400, nil},
	}
	e := newSeeded(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := []string{"Content-Type", "application/json"}
			switch tc.auth {
			case "":
			case admin:
				hdr = append(hdr, "Authorization", "Bearer "+e.AdminToken(t))
			default:
				hdr = append(hdr, "Authorization", tc.auth)
			}
			e.Calls()
			r := e.Do(t, tc.method, tc.path, tc.body, hdr...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if calls := e.Calls(); !slices.Equal(calls, tc.calls) {
				t.Errorf("DynamoDB calls = %v, want %v", calls, tc.calls)
			}
		})
	}
}
