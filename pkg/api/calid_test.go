package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

const (
	originalCreateBody = testkit.OriginalCreateBody
	originalID         = testkit.OriginalID
)

// calIDOf reads calId from a JSON object, and whether it is there at all.
func calIDOf(t *testing.T, obj map[string]any) (string, bool) {
	t.Helper()
	v, ok := obj["calId"]
	if !ok {
		return "", false
	}
	s, isString := v.(string)
	if !isString {
		t.Fatalf("calId is %T %v, want a string", v, v)
	}
	return s, true
}

func TestCreateWithCalIDReturnsAndStoresIt(t *testing.T) {
	e := testkit.Seeded(t)
	r := admin(t, e, http.MethodPost, "/admin/clients", originalCreateBody)
	if r.Status != 201 {
		t.Fatalf("the original's create example: %d %s", r.Status, r.Body)
	}
	c, _ := r.JSON(t)["client"].(map[string]any)
	if got, ok := calIDOf(t, c); !ok || got != testkit.OriginalCalID || c["clientId"] != originalID {
		t.Errorf("create response does not echo calId: %s", r.Body)
	}
	if item := e.Item(t, "CLIENT#"+originalID); item["calId"] != testkit.OriginalCalID {
		t.Errorf("stored calId = %v", item["calId"])
	}
	got := admin(t, e, http.MethodGet, "/admin/clients/"+originalID, "")
	if v, ok := calIDOf(t, got.JSON(t)); got.Status != 200 || !ok || v != testkit.OriginalCalID {
		t.Errorf("admin GET: %d %s", got.Status, got.Body)
	}
	// The list reads only the indexes: calId must be among their projections.
	l := admin(t, e, http.MethodGet, "/admin/clients?search=giovanatto", "")
	clients, _ := l.JSON(t)["clients"].([]any)
	if len(clients) != 1 {
		t.Fatalf("list: %d %s", l.Status, l.Body)
	}
	if v, ok := calIDOf(t, clients[0].(map[string]any)); !ok || v != testkit.OriginalCalID {
		t.Errorf("list does not show calId: %s", l.Body)
	}
}

func TestClientWithoutCalIDShowsNone(t *testing.T) {
	e := testkit.Seeded(t)
	r := admin(t, e, http.MethodPost, "/admin/clients", strings.Replace(minimalBody, `"agentId"`, `"calId":null,"agentId"`, 1))
	if r.Status != 201 {
		t.Fatalf("create with calId null: %d %s", r.Status, r.Body)
	}
	c, _ := r.JSON(t)["client"].(map[string]any)
	id, _ := c["clientId"].(string)
	for name, body := range map[string]string{
		"create response": r.Body,
		"admin GET":       admin(t, e, http.MethodGet, "/admin/clients/"+id, "").Body,
		"list":            admin(t, e, http.MethodGet, "/admin/clients?search=imal", "").Body,
	} {
		if strings.Contains(body, "calId") {
			t.Errorf("%s shows an unset calId: %s", name, body)
		}
	}
	if _, ok := e.Item(t, "CLIENT#"+id)["calId"]; ok {
		t.Error("an unset calId is stored")
	}
}

func TestUpdateCalID(t *testing.T) {
	long := strings.Repeat("c", 128)
	for _, tc := range []struct {
		name, body string
		want       string // stored calId after the update; "" when absent
	}{
		{"set", `{"calId":"cal_NEW-1"}`, "cal_NEW-1"},
		{"set the longest", `{"calId":"` + long + `"}`, long},
		{"trimmed like every field", `{"calId":"  cal_2 "}`, "cal_2"},
		{"null removes it", `{"calId":null}`, ""},
		{"empty string removes it", `{"calId":""}`, ""},
		{"beside other fields", `{"calId":"cal_3","clientMeta":{"city":"Toronto"}}`, "cal_3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testkit.Seeded(t)
			if r := admin(t, e, http.MethodPost, "/admin/clients", originalCreateBody); r.Status != 201 {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			e.Calls()
			r := admin(t, e, http.MethodPut, "/admin/clients/"+originalID, tc.body)
			if r.Status != 200 {
				t.Fatalf("update: %d %s", r.Status, r.Body)
			}
			if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem"}) {
				t.Errorf("DynamoDB calls = %v, want one UpdateItem", calls)
			}
			// A removed calId may be stored as "" (see store's updateExpr).
			if stored, _ := e.Item(t, "CLIENT#"+originalID)["calId"].(string); stored != tc.want {
				t.Errorf("stored calId = %q, want %q", stored, tc.want)
			}
			got, ok := calIDOf(t, admin(t, e, http.MethodGet, "/admin/clients/"+originalID, "").JSON(t))
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("GET calId = %q (present %v), want %q", got, ok, tc.want)
			}
		})
	}
}

func TestCalIDRefusals(t *testing.T) {
	e := testkit.Seeded(t)
	if r := admin(t, e, http.MethodPost, "/admin/clients", originalCreateBody); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	own := testkit.Login(t, e, testkit.JohnID, testkit.JohnSecret)
	e.Calls()
	const shape = "calId must be 1-128 characters of letters, digits, '_' or '-'"
	bad := func(op, field, details string) string {
		return fmt.Sprintf(`{"error":%q,"details":%q,%s"statusCode":400}`, op, details, fieldKey(field))
	}
	createWith := func(calID string) string {
		return strings.Replace(minimalBody, `"agentId"`, `"calId":`+calID+`,"agentId"`, 1)
	}
	for _, tc := range []struct {
		name string
		do   func() testkit.Result
		want string
	}{
		{"create: too long", func() testkit.Result {
			return admin(t, e, http.MethodPost, "/admin/clients", createWith(`"`+strings.Repeat("c", 129)+`"`))
		}, bad("Failed to create client", "calId", shape)},
		{"create: a space inside", func() testkit.Result {
			return admin(t, e, http.MethodPost, "/admin/clients", createWith(`"cal id"`))
		}, bad("Failed to create client", "calId", shape)},
		{"create: a number", func() testkit.Result {
			return admin(t, e, http.MethodPost, "/admin/clients", createWith(`42`))
		}, bad("Failed to create client", "calId", "calId must be a string")},
		{"update: a slash", func() testkit.Result {
			return admin(t, e, http.MethodPut, "/admin/clients/"+originalID, `{"calId":"a/b"}`)
		}, bad("Invalid update data", "calId", shape)},
		{"update: an object", func() testkit.Result {
			return admin(t, e, http.MethodPut, "/admin/clients/"+originalID, `{"calId":{}}`)
		}, bad("Invalid update data", "calId", "calId must be a string")},
		{"client on its own record", func() testkit.Result {
			return putOwn(t, e, own, `{"calId":"e0JBV5PARC9sbebxcYnY"}`)
		}, bad("Invalid update data", "calId", "calId cannot be changed by the client; an admin changes it")},
		{"client removing it", func() testkit.Result {
			return putOwn(t, e, own, `{"calId":null,"clientMeta":{"city":"X"}}`)
		}, bad("Invalid update data", "calId", "calId cannot be changed by the client; an admin changes it")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectUnchanged(t, e, nil, func() {
				if r := tc.do(); r.Status != 400 || r.Body != tc.want {
					t.Errorf("got %d %s\nwant 400 %s", r.Status, r.Body, tc.want)
				}
			})
		})
	}
}
