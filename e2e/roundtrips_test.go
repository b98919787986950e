package e2e_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

// johnFullBody is a full update body with John's seeded values: what an
// admin form sends back after a GET.
const johnFullBody = `{"status":"Active","agentId":"agent_demo_001","twilioPhoneNumber":"+18005551234","clientMeta":{"fullName":"John Smith","email":"john.smith@example.com","phone":"+12125551234","businessName":"Acme Corporation","city":"Chicago","jobTitle":"CTO","notes":"Demo client"}}`

// TestRoundTrips pins the DynamoDB calls each kind of request makes: the
// count is the physical cost of a request on Lambda, so a change that adds
// a call must fail here. Refused requests must make none. Rows run in order
// on one table: the sign-in rows come before the row that resets John's
// secret, and Jane is suspended before she signs in and is deleted.
func TestRoundTrips(t *testing.T) {
	const (
		admin  = "admin"  // placeholder for "a valid admin token"
		client = "client" // placeholder for "a valid token of John, just signed in"
	)
	johnSecret, janeSecret := testkit.JohnSecret, testkit.JaneSecret
	creds := func(id, secret string) string {
		return `{"clientId":"` + id + `","clientSecret":"` + secret + `"}`
	}
	grant := func(id, secret string) string {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
	}
	const (
		adminLogin  = "/auth/admin/login"
		clientLogin = "/auth/login"
		tokenURL    = "/auth/token"
		own         = "/secure/client"
	)
	cases := []struct {
		name         string
		method, path string
		body         string
		auth         string // admin, client, "" for none, or a literal header value
		status       int
		calls        []string
	}{
		{"plain update", http.MethodPut, testkit.JohnPath, `{"status":"Active","clientMeta":{"city":"Paris","notes":null}}`, admin, 200, []string{"UpdateItem"}},
		{"plain update of a missing client", http.MethodPut, "/admin/clients/client_missing", `{"status":"Active"}`, admin, 404, []string{"UpdateItem"}},
		// An update naming a lock-bearing value that keeps its lock is one
		// conditional UpdateItem; a real move adds one transaction, the
		// refused UpdateItem's ALL_OLD item being the read.
		{"full-body PUT, email and number unchanged", http.MethodPut, testkit.JohnPath, johnFullBody, admin, 200, []string{"UpdateItem"}},
		{"case-only email change", http.MethodPut, testkit.JohnPath, `{"clientMeta":{"email":"John.Smith@Example.COM"}}`, admin, 200, []string{"UpdateItem"}},
		{"Twilio number named unchanged", http.MethodPut, testkit.JohnPath, `{"twilioPhoneNumber":"+18005551234"}`, admin, 200, []string{"UpdateItem"}},
		{"email change of a missing client", http.MethodPut, "/admin/clients/client_missing", `{"clientMeta":{"email":"x.rt@example.com"}}`, admin, 404, []string{"UpdateItem"}},
		{"email change", http.MethodPut, testkit.JohnPath, `{"clientMeta":{"email":"john.rt@example.com"}}`, admin, 200, []string{"UpdateItem", "TransactWriteItems"}},
		{"email taken", http.MethodPut, testkit.JohnPath, `{"clientMeta":{"email":"jane.doe@example.com"}}`, admin, 409, []string{"UpdateItem", "TransactWriteItems"}},
		{"Twilio number change", http.MethodPut, testkit.JohnPath, `{"twilioPhoneNumber":"+18005550001"}`, admin, 200, []string{"UpdateItem", "TransactWriteItems"}},
		{"email and Twilio number change together", http.MethodPut, testkit.JohnPath, `{"twilioPhoneNumber":"+18005550002","clientMeta":{"email":"john.rt2@example.com"}}`, admin, 200, []string{"UpdateItem", "TransactWriteItems"}},
		{"full-body PUT after the move, unchanged again", http.MethodPut, testkit.JohnPath,
			strings.NewReplacer("john.smith@example.com", "John.RT2@example.com", "+18005551234", "+18005550002").Replace(johnFullBody), admin, 200, []string{"UpdateItem"}},
		{"create", http.MethodPost, "/admin/clients", `{"clientId":"client_rt_new","clientSecret":"client_secure_secret_key_0123456789","clientMeta":{"fullName":"RT New","email":"rt.new@example.com","phone":"+12125550100"},"agentId":"agent_rt","twilioPhoneNumber":"+18005550099","status":"Active"}`, admin, 201, []string{"TransactWriteItems"}},
		{"create refused by validation", http.MethodPost, "/admin/clients", `{"clientId":"client_rt_bad"}`, admin, 400, nil},
		{"create refused by auth", http.MethodPost, "/admin/clients", `{"clientId":"client_rt_bad"}`, "", 401, nil},
		{"get", http.MethodGet, testkit.JohnPath, "", admin, 200, []string{"GetItem"}},
		{"get refused by auth", http.MethodGet, testkit.JohnPath, "", "", 401, nil},
		{"get refused to a client token", http.MethodGet, testkit.JohnPath, "", client, 403, nil},
		// total is the sum of the counter shards (one BatchGetItem), the
		// page one Query of limit+1 index items.
		{"list: the counts and one page", http.MethodGet, "/admin/clients?limit=5", "", admin, 200, []string{"BatchGetItem", "Query"}},
		{"search: one bounded Query", http.MethodGet, "/admin/clients?limit=5&search=acme", "", admin, 200, []string{"Query"}},
		{"list refused by auth", http.MethodGet, "/admin/clients?limit=5", "", "", 401, nil},
		{"list refused by validation: bad limit", http.MethodGet, "/admin/clients?limit=0", "", admin, 400, nil},

		// Every sign-in first counts its attempt for the account and the
		// source address in one conditional UpdateItem that also decides
		// whether the pair may try (issue 23: however many arrive at once,
		// at most 10 guesses per window reach the hash); a locked-out pair
		// stops there. A client sign-in then reads the client (GetItem); a
		// failure is already counted; a success clears the count (one more
		// UpdateItem). A sign-in is therefore two round trips, a client's
		// success three, before the hash and after it.
		{"admin sign-in", http.MethodPost, adminLogin, `{"username":"admin","password":"local-admin-password"}`, "", 200, []string{"UpdateItem", "UpdateItem", "UpdateItem", "UpdateItem"}},
		{"admin sign-in refused: wrong password", http.MethodPost, adminLogin, `{"username":"admin","password":"wrong"}`, "", 401, []string{"UpdateItem", "UpdateItem"}},
		{"admin sign-in refused by validation: missing password", http.MethodPost, adminLogin, `{"username":"admin"}`, "", 400, nil},
		{"client sign-in", http.MethodPost, clientLogin, creds(testkit.JohnID, johnSecret), "", 200, []string{"UpdateItem", "GetItem", "UpdateItem"}},
		{"client sign-in refused: wrong secret", http.MethodPost, clientLogin, creds(testkit.JohnID, "wrong-secret"), "", 401, []string{"UpdateItem", "GetItem"}},
		{"client sign-in refused: unknown client", http.MethodPost, clientLogin, creds("client_unknown", johnSecret), "", 401, []string{"UpdateItem", "GetItem"}},
		{"client sign-in refused: malformed id, nothing to read", http.MethodPost, clientLogin, creds("not an id", johnSecret), "", 401, []string{"UpdateItem"}},
		{"client sign-in refused by validation: missing secret", http.MethodPost, clientLogin, `{"clientId":"client_12345abcde"}`, "", 400, nil},
		// A PUT naming the status the client has is one UpdateItem (the
		// rows above); one that changes it moves the counts with it: the
		// refused UpdateItem's ALL_OLD item is the read, then one
		// transaction (the GUIDE's "round trips with counts").
		{"suspend Jane (a status change: the counts move)", http.MethodPut, testkit.JanePath, `{"status":"Suspended"}`, admin, 200, []string{"UpdateItem", "TransactWriteItems"}},
		{"client sign-in refused: suspended client", http.MethodPost, clientLogin, creds(testkit.JaneID, janeSecret), "", 401, []string{"UpdateItem", "GetItem"}},
		{"OAuth token", http.MethodPost, tokenURL, grant(testkit.JohnID, johnSecret), "", 200, []string{"UpdateItem", "GetItem", "UpdateItem"}},
		{"OAuth token refused: wrong secret", http.MethodPost, tokenURL, grant(testkit.JohnID, "wrong-secret"), "", 401, []string{"UpdateItem", "GetItem"}},
		{"OAuth token refused: suspended client", http.MethodPost, tokenURL, grant(testkit.JaneID, janeSecret), "", 401, []string{"UpdateItem", "GetItem"}},
		{"OAuth token refused: unsupported grant", http.MethodPost, tokenURL, "grant_type=password&client_id=" + testkit.JohnID + "&client_secret=x", "", 400, nil},
		{"OAuth token refused: no client authentication", http.MethodPost, tokenURL, "grant_type=client_credentials", "", 401, nil},
		{"own client", http.MethodGet, own, "", client, 200, []string{"GetItem"}},
		{"own client refused by auth", http.MethodGet, own, "", "", 401, nil},
		{"own client refused to an admin token", http.MethodGet, own, "", admin, 403, nil},
		{"own update", http.MethodPut, own, `{"clientMeta":{"city":"Lyon","notes":null}}`, client, 200, []string{"UpdateItem"}},
		{"own update refused by auth", http.MethodPut, own, `{"clientMeta":{"city":"Lyon"}}`, "", 401, nil},
		{"own update refused to an admin token", http.MethodPut, own, `{"clientMeta":{"city":"Lyon"}}`, admin, 403, nil},
		{"own update of every contact field", http.MethodPut, own, `{"clientMeta":{"fullName":"John Smith","phone":"+12125551234","businessName":"Acme Corporation","city":"Chicago","jobTitle":"CTO","notes":"Demo client"}}`, client, 200, []string{"UpdateItem"}},
		// A client never names its email or number (admin-only): refused
		// before any I/O, whether or not the value is the stored one.
		{"own update refused by validation: email is admin-only, even unchanged", http.MethodPut, own, `{"clientMeta":{"email":"john.smith@example.com"}}`, client, 400, nil},
		{"own update refused by validation: number is admin-only, even unchanged", http.MethodPut, own, `{"twilioPhoneNumber":"+18005551234"}`, client, 400, nil},
		{"own update refused by validation: email is admin-only", http.MethodPut, own, `{"clientMeta":{"email":"john.own@example.com"}}`, client, 400, nil},
		{"own update refused by validation: not JSON", http.MethodPut, own, `{`, client, 400, nil},

		{"reset secret", http.MethodPost, testkit.JohnPath + "/reset-secret", "", admin, 200, []string{"UpdateItem"}},
		{"reset secret refused by auth", http.MethodPost, testkit.JohnPath + "/reset-secret", "", "", 401, nil},
		{"reset secret of a malformed id: 404 without a read", http.MethodPost, "/admin/clients/bad%20id/reset-secret", "", admin, 404, nil},
		{"delete", http.MethodDelete, testkit.JanePath, "", admin, 200, []string{"GetItem", "TransactWriteItems"}},
		{"delete refused by auth", http.MethodDelete, testkit.JohnPath, "", "", 401, nil},
		{"delete of a malformed id: 404 without a read", http.MethodDelete, "/admin/clients/bad%20id", "", admin, 404, nil},
		{"refused by auth: no token", http.MethodPut, testkit.JohnPath, `{"status":"Active"}`, "", 401, nil},
		{"refused by auth: bad token", http.MethodPut, testkit.JohnPath, `{"status":"Active"}`, "Bearer a.b.c", 401, nil},
		{"refused by validation: bad status", http.MethodPut, testkit.JohnPath, `{"status":"active"}`, admin, 400, nil},
		{"refused by validation: bad email", http.MethodPut, testkit.JohnPath, `{"clientMeta":{"email":"nope"}}`, admin, 400, nil},
		{"refused by validation: not JSON", http.MethodPut, testkit.JohnPath, `{`, admin, 400, nil},
	}
	e := testkit.Seeded(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The token endpoint takes a form (RFC 6749 §4.4.2); every
			// other route takes JSON.
			ct := "application/json"
			if tc.path == tokenURL {
				ct = "application/x-www-form-urlencoded"
			}
			hdr := []string{"Content-Type", ct}
			switch tc.auth {
			case "":
			case admin:
				hdr = append(hdr, "Authorization", "Bearer "+e.AdminToken(t))
			case client:
				hdr = append(hdr, "Authorization", "Bearer "+testkit.Login(t, e, testkit.JohnID, johnSecret))
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

// TestRoundTripsOfItemsWithoutEmailKey: a client item written before the
// emailKey attribute existed still updates correctly. Its email's key is
// unknown to the in-place condition, so the first update naming the email
// takes the two-step path even when nothing moves, and that write stores
// the key: the next such update is one round trip. Its locks stay where
// they were.
func TestRoundTripsOfItemsWithoutEmailKey(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		lock       string // the email lock John must hold after the first update
	}{
		{"email unchanged", johnFullBody, "EMAIL#john.smith@example.com"},
		{"case-only email change", `{"clientMeta":{"email":"JOHN.smith@example.com"}}`, "EMAIL#john.smith@example.com"},
		{"real email change", `{"clientMeta":{"email":"john.legacy@example.com"}}`, "EMAIL#john.legacy@example.com"},
		{"number named, email not", `{"twilioPhoneNumber":"+18005551234"}`, "EMAIL#john.smith@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testkit.Seeded(t)
			// The item as an older version wrote it: rewritten whole, as
			// minidyn ignores REMOVE of a top-level attribute.
			key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "CLIENT#" + testkit.JohnID}}
			out, err := e.DB.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: &e.Table, Key: key, ConsistentRead: aws.Bool(true)})
			if err != nil {
				t.Fatal(err)
			}
			delete(out.Item, "emailKey")
			if _, err := e.DB.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &e.Table, Item: out.Item}); err != nil {
				t.Fatal(err)
			}
			if _, ok := e.Item(t, "CLIENT#"+testkit.JohnID)["emailKey"]; ok {
				t.Fatal("emailKey still stored after the rewrite: this test would test nothing")
			}
			hdr := []string{"Content-Type", "application/json", "Authorization", "Bearer " + e.AdminToken(t)}
			r := e.Do(t, http.MethodPut, testkit.JohnPath, tc.body, hdr...)
			if r.Status != 200 {
				t.Fatalf("first update: %d %s", r.Status, r.Body)
			}
			wantFirst := []string{"UpdateItem", "TransactWriteItems"}
			if tc.name == "number named, email not" {
				wantFirst = []string{"UpdateItem"} // the email's key is not asked for
			}
			if calls := e.Calls(); !slices.Equal(calls, wantFirst) {
				t.Errorf("first update: DynamoDB calls = %v, want %v", calls, wantFirst)
			}
			item := e.Item(t, "CLIENT#"+testkit.JohnID)
			if tc.name != "number named, email not" && item["emailKey"] != strings.TrimPrefix(tc.lock, "EMAIL#") {
				t.Errorf("emailKey after the two-step write = %v, want %s", item["emailKey"], strings.TrimPrefix(tc.lock, "EMAIL#"))
			}
			if l := e.Item(t, tc.lock); l == nil || l["clientId"] != testkit.JohnID {
				t.Errorf("lock %s = %v, want John's", tc.lock, l)
			}
			if tc.lock != "EMAIL#john.smith@example.com" && e.Item(t, "EMAIL#john.smith@example.com") != nil {
				t.Error("the old email lock survived the move")
			}
			if tc.name == "number named, email not" {
				return
			}
			r = e.Do(t, http.MethodPut, testkit.JohnPath, tc.body, hdr...)
			if r.Status != 200 {
				t.Fatalf("second update: %d %s", r.Status, r.Body)
			}
			if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem"}) {
				t.Errorf("second update: DynamoDB calls = %v, want one UpdateItem", calls)
			}
		})
	}
}
