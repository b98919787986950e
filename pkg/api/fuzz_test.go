package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/client"
)

// idRoutes are the routes with a path clientId, as FuzzClientID drives
// them; a successful call answers 200 on each.
func idRoutes(h *api.Handler) []struct {
	method, path, body string
	handle             api.HandlerFunc
} {
	return []struct {
		method, path, body string
		handle             api.HandlerFunc
	}{
		{http.MethodPut, "/admin/clients/{clientId}", `{"status":"Active"}`, h.Serve(api.UpdateClient)},
		{http.MethodGet, "/admin/clients/{clientId}", "", h.Serve(api.GetClient)},
		{http.MethodDelete, "/admin/clients/{clientId}", "", h.Serve(api.DeleteClient)},
		{http.MethodPost, "/admin/clients/{clientId}/reset-secret", "", h.Serve(api.ResetSecret)},
	}
}

// FuzzClientID drives every route with a path clientId (update, get,
// delete, reset-secret) with arbitrary ids: the answer is 200 for a seeded
// client, otherwise the contract's 404 with the table unchanged, and an id
// client.ValidID refuses costs no DynamoDB call. A deleted demo client is
// seeded again, so later inputs find it.
func FuzzClientID(f *testing.F) {
	for _, id := range []string{testkit.JohnID, testkit.JaneID, "client_missing", "no such", "../CLIENT#x", "EMAIL#john.smith@example.com", "ab", "", "client_12345abcde\x00", "é"} {
		for r := range uint8(4) {
			f.Add(r, id)
		}
	}
	e := testkit.NewEnv(f)
	if err := localdb.Seed(f.Context(), e.Store, time.Now()); err != nil {
		f.Fatal(err)
	}
	seeded := map[string]bool{testkit.JohnID: true, testkit.JaneID: true}
	token := e.AdminToken(f)
	routes := idRoutes(e.Handler)
	f.Fuzz(func(t *testing.T, route uint8, id string) {
		rt := routes[int(route)%len(routes)]
		before := e.Snapshot(t)
		req := testkit.Event(rt.method, rt.path, map[string]string{"clientId": id},
			map[string]string{"authorization": "Bearer " + token, "content-type": "application/json"}, rt.body)
		resp, err := rt.handle(context.Background(), req)
		if err != nil {
			t.Fatalf("handler error %v", err)
		}
		e.Bodies.Write([]byte(resp.Body + "\n"))
		calls := e.Calls()
		if !client.ValidID(id) && len(calls) != 0 {
			t.Fatalf("%s: id %q is invalid but reached DynamoDB: %v", rt.method, id, calls)
		}
		switch {
		case seeded[id]:
			if resp.StatusCode != 200 {
				t.Fatalf("%s: id %q: %d %s", rt.method, id, resp.StatusCode, resp.Body)
			}
			if rt.method == http.MethodDelete {
				if err := localdb.Seed(context.Background(), e.Store, time.Now()); err != nil {
					t.Fatal(err)
				}
				e.Calls()
				return
			}
			var ok struct {
				ClientID string
				Client   struct{ ClientID string }
			}
			if json.Unmarshal([]byte(resp.Body), &ok) != nil || (ok.Client.ClientID != id && ok.ClientID != id) {
				t.Fatalf("%s: id %q: body %s", rt.method, id, resp.Body)
			}
		case resp.StatusCode != 404 || resp.Body != `{"error":"Client not found","statusCode":404}`:
			t.Fatalf("%s: id %q: %d %s", rt.method, id, resp.StatusCode, resp.Body)
		default:
			if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
				t.Fatalf("%s: id %q: a 404 changed the table:\n%s", rt.method, id, d)
			}
		}
	})
}

// FuzzListQuery drives GET /admin/clients with arbitrary values of its
// query parameters (each present or not, by a bit of mask) and an arbitrary
// extra parameter: never a panic or a 5xx; either a 200 list of at most
// limit clients, or the contract's 400, which costs no DynamoDB call.
func FuzzListQuery(f *testing.F) {
	e := testkit.NewEnv(f)
	if err := localdb.Seed(f.Context(), e.Store, time.Now()); err != nil {
		f.Fatal(err)
	}
	token := e.AdminToken(f)
	handle := func(params map[string]string) api.Response {
		req := testkit.Event(http.MethodGet, "/admin/clients", nil, map[string]string{"authorization": "Bearer " + token}, "")
		req.QueryStringParameters = params
		resp, err := e.Handler.Serve(api.ListClients)(context.Background(), req)
		if err != nil {
			f.Fatalf("handler error %v", err)
		}
		return resp
	}
	// A cursor the codec signed, for limit=1 and for status=Active&limit=1.
	var page struct{ NextCursor string }
	for _, p := range []map[string]string{{"limit": "1"}, {"limit": "1", "status": "Active"}} {
		if err := json.Unmarshal([]byte(handle(p).Body), &page); err != nil || page.NextCursor == "" {
			f.Fatalf("no cursor to seed with: %v", err)
		}
		f.Add(uint8(0b10001), p["limit"], "", p["status"], "", page.NextCursor, "")
		f.Add(uint8(0b10101), p["limit"], "", p["status"], "", page.NextCursor, "")
		f.Add(uint8(0b10011), p["limit"], "0", p["status"], "", page.NextCursor, "")
	}
	f.Add(uint8(0), "", "", "", "", "", "")
	f.Add(uint8(0b11111), "10", "0", "Active", "john", "", "")
	f.Add(uint8(0b01111), "100", "1", "Suspended", "  Acme ", "", "")
	f.Add(uint8(0b00011), "0", "-1", "", "", "", "")
	f.Add(uint8(0b00001), "101", "", "", "", "", "")
	f.Add(uint8(0b00001), "1e1", "", "", "", "", "")
	f.Add(uint8(0b00010), "", "99999999999999999999", "", "", "", "")
	f.Add(uint8(0b00100), "", "", "active", "", "", "")
	f.Add(uint8(0b01000), "", "", "", strings.Repeat("é", 201), "", "")
	f.Add(uint8(0b10000), "", "", "", "", "!!notbase64", "")
	f.Add(uint8(0b100000), "", "", "", "", "", "Limit")
	e.Calls()
	names := []string{"limit", "offset", "status", "search", "cursor"}
	f.Fuzz(func(t *testing.T, mask uint8, limit, offset, status, search, cursor, extra string) {
		params := map[string]string{}
		for i, v := range []string{limit, offset, status, search, cursor} {
			if mask&(1<<i) != 0 {
				params[names[i]] = v
			}
		}
		if mask&(1<<5) != 0 {
			params[extra] = "x"
		}
		resp := handle(params)
		e.Bodies.Write([]byte(resp.Body + "\n"))
		calls := e.Calls()
		switch valid := listParamsValid(params); {
		case valid == "no" && resp.StatusCode != 400:
			t.Fatalf("%v: the contract refuses these parameters, got %d %s", params, resp.StatusCode, resp.Body)
		case valid == "yes" && resp.StatusCode != 200:
			t.Fatalf("%v: the contract accepts these parameters, got %d %s", params, resp.StatusCode, resp.Body)
		}
		switch resp.StatusCode {
		case http.StatusOK:
			var b struct {
				Total, Count int
				Clients      []json.RawMessage
			}
			n := 10
			if v, ok := params["limit"]; ok {
				n, _ = strconv.Atoi(v)
			}
			if err := json.Unmarshal([]byte(resp.Body), &b); err != nil || b.Count != len(b.Clients) || b.Count > n {
				t.Fatalf("%v: 200 with body %s", params, resp.Body)
			}
		case http.StatusBadRequest:
			var b struct {
				Error, Details, Field string
				StatusCode            int
			}
			dec := json.NewDecoder(strings.NewReader(resp.Body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&b); err != nil || b.Error != "Invalid query parameters" || b.Details == "" || b.StatusCode != 400 {
				t.Fatalf("%v: 400 not in the contract's shape: %s", params, resp.Body)
			}
			named := false
			for k := range params {
				// A name that is not UTF-8 comes back with U+FFFD in place
				// of its bad bytes.
				named = named || strings.ToValidUTF8(k, "\uFFFD") == b.Field
			}
			if !named {
				t.Fatalf("%v: the 400 names no parameter of the request: %s", params, resp.Body)
			}
			if len(calls) != 0 {
				t.Fatalf("%v: a 400 reached DynamoDB: %v", params, calls)
			}
		default:
			t.Fatalf("%v: %d %s", params, resp.StatusCode, resp.Body)
		}
	})
}

// listParamsValid says from the contract alone whether GET /admin/clients
// accepts params: "yes", "no", or "cursor" when that depends on whether the
// cursor is one the server signed.
func listParamsValid(params map[string]string) string {
	verdict := "yes"
	for k, v := range params {
		n, err := strconv.Atoi(v)
		switch k {
		case "limit":
			if err != nil || n < 1 || n > 100 {
				return "no"
			}
		case "offset":
			if err != nil || n < 0 {
				return "no"
			}
		case "status":
			if v != "Active" && v != "Inactive" && v != "Suspended" {
				return "no"
			}
		case "search":
			if utf8.RuneCountInString(strings.TrimSpace(v)) > 200 {
				return "no"
			}
		case "cursor":
			if _, both := params["offset"]; both {
				return "no"
			}
			verdict = "cursor"
		default:
			return "no"
		}
	}
	return verdict
}
