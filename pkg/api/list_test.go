package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/store"
)

type listBody struct {
	Total      int    `json:"total"`
	Count      int    `json:"count"`
	Clients    []view `json:"clients"`
	NextCursor string `json:"nextCursor"`
}

// listed creates 23 clients a minute apart (newest: c22), every third one
// Suspended, the even ones in "Blue Harbor Ltd", beside the two seeded
// clients (created now, so newer than all of them). It returns the ids of
// all 25, newest first.
func listed(t *testing.T) (*testkit.Env, []string) {
	t.Helper()
	e := testkit.Seeded(t)
	base := time.Now().Add(-24 * time.Hour)
	// The seeded pair, newest first: by createdAt, then by id.
	ids := []string{testkit.JohnID, testkit.JaneID}
	john, _ := e.Store.Get(t.Context(), ids[0])
	jane, _ := e.Store.Get(t.Context(), ids[1])
	if k := func(c client.Client) string { return client.FormatTime(c.CreatedAt) + "#" + c.ClientID }; k(jane) > k(john) {
		ids[0], ids[1] = ids[1], ids[0]
	}
	var made []string
	for i := range 23 {
		at := base.Add(time.Duration(i) * time.Minute)
		c := client.Client{
			ClientID: fmt.Sprintf("c%02d", i), Status: client.StatusActive, AgentID: "agent",
			TwilioPhoneNumber: fmt.Sprintf("+1415555%04d", i),
			Meta: client.Meta{
				FullName: fmt.Sprintf("Person Number%02d", i), Email: fmt.Sprintf("p%02d@Example.com", i), Phone: "+14155550000",
			},
			CreatedAt: at, UpdatedAt: at, TokensValidAfter: at, Version: 1, UpdatedBy: "test",
		}
		if i%3 == 0 {
			c.Status = client.StatusSuspended
		}
		if i%2 == 0 {
			c.Meta.BusinessName = "Blue Harbor Ltd"
		}
		if err := e.Store.Create(t.Context(), c, "", testkit.SetupOrigin()); err != nil {
			t.Fatal(err)
		}
		made = append(made, c.ClientID)
	}
	slices.Reverse(made)
	e.Calls()
	return e, append(ids, made...)
}

func list(t *testing.T, e *testkit.Env, query string) (listBody, testkit.Result) {
	t.Helper()
	r := admin(t, e, http.MethodGet, "/admin/clients"+query, "")
	var b listBody
	if r.Status == 200 {
		decodeStrict(t, r.Body, &b)
	}
	return b, r
}

func idsOf(b listBody) []string {
	var out []string
	for _, c := range b.Clients {
		out = append(out, c.ClientID)
	}
	return out
}

func TestListClients(t *testing.T) {
	e, all := listed(t)
	var suspended, blue []string
	for _, id := range all {
		var n int
		if _, err := fmt.Sscanf(id, "c%02d", &n); err != nil {
			continue
		}
		if n%3 == 0 {
			suspended = append(suspended, id)
		}
		if n%2 == 0 {
			blue = append(blue, id)
		}
	}
	var blueSuspended []string
	for _, id := range blue {
		if slices.Contains(suspended, id) {
			blueSuspended = append(blueSuspended, id)
		}
	}
	for _, tc := range []struct {
		name, query string
		total       int
		ids         []string
		more        bool
	}{
		{"defaults: 10 newest", "", 25, all[:10], true},
		{"limit and offset", "?limit=5&offset=10", 25, all[10:15], true},
		{"last page", "?limit=5&offset=20", 25, all[20:25], false},
		{"offset past the end", "?offset=40", 25, nil, false},
		{"status", "?status=Suspended&limit=100", len(suspended), suspended, false},
		{"status with offset", "?status=Suspended&limit=2&offset=2", len(suspended), suspended[2:4], true},
		{"status nobody has", "?status=Inactive", 0, nil, false},
		{"search in businessName, any case", "?search=bLUE%20harbor&limit=100", len(blue), blue, false},
		{"search in email", "?search=P07@EXAMPLE", 1, []string{"c07"}, false},
		{"search in fullName", "?search=number1&limit=3", 10, []string{"c19", "c18", "c17"}, true},
		{"search seeded client", "?search=acme", 1, []string{testkit.JohnID}, false},
		{"status and search", "?status=Suspended&search=harbor&limit=100", len(blueSuspended), blueSuspended, false},
		{"search without match", "?search=zzz", 0, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, r := list(t, e, tc.query)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if b.Total != tc.total || b.Count != len(tc.ids) || !slices.Equal(idsOf(b), tc.ids) {
				t.Errorf("total %d count %d ids %v\nwant total %d ids %v", b.Total, b.Count, idsOf(b), tc.total, tc.ids)
			}
			if (b.NextCursor != "") != tc.more {
				t.Errorf("nextCursor %q, want one: %v", b.NextCursor, tc.more)
			}
			if !strings.Contains(r.Body, `"clients":[`) {
				t.Errorf("clients must be an array even when empty: %s", r.Body)
			}
			for _, k := range []string{"secretHash", "tokensValidAfter", "gsi1", "search", "version"} {
				if strings.Contains(r.Body, `"`+k) {
					t.Errorf("body exposes %s: %s", k, r.Body)
				}
			}
			// A listing reads the counts (one BatchGetItem) and queries an
			// index; a search only queries. Nothing reads the table.
			calls := e.Calls()
			reads := calls
			if !strings.Contains(tc.query, "search=") {
				if len(calls) == 0 || calls[0] != "BatchGetItem" {
					t.Errorf("DynamoDB calls = %v, want the counts first", calls)
				} else {
					reads = calls[1:]
				}
			}
			if slices.ContainsFunc(reads, func(c string) bool { return c != "Query" }) {
				t.Errorf("DynamoDB calls = %v, want Queries only after the counts", calls)
			}
		})
	}
	t.Run("one client in full", func(t *testing.T) {
		b, _ := list(t, e, "?search=p07")
		c := b.Clients[0]
		if c.Status != "Active" || c.AgentID != "agent" || c.TwilioPhoneNumber != "+14155550007" ||
			c.ClientMeta["fullName"] != "Person Number07" || c.ClientMeta["email"] != "p07@Example.com" || !updatedAtPattern.MatchString(c.CreatedAt) {
			t.Errorf("client = %+v", c)
		}
	})
}

func TestListCursorPaging(t *testing.T) {
	e, all := listed(t)
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"all clients", "limit=4", all},
		{"status", "status=Suspended&limit=3", nil},
		{"search", "search=harbor&limit=5", nil},
		{"status and search, one per page", "status=Suspended&search=harbor&limit=1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, _ := list(t, e, "?"+regexp.MustCompile(`limit=\d+`).ReplaceAllString(tc.query, "limit=100"))
			want := idsOf(first)
			if tc.want != nil && !slices.Equal(want, tc.want) {
				t.Fatalf("one page = %v, want %v", want, tc.want)
			}
			var got []string
			query, pages := "?"+tc.query, 0
			for {
				b, r := list(t, e, query)
				if r.Status != 200 {
					t.Fatalf("page %d: %d %s", pages, r.Status, r.Body)
				}
				if b.Total != len(want) {
					t.Errorf("page %d: total %d, want %d", pages, b.Total, len(want))
				}
				pages++
				got = append(got, idsOf(b)...)
				if b.NextCursor == "" || pages > 30 {
					break
				}
				query = "?" + tc.query + "&cursor=" + url.QueryEscape(b.NextCursor)
			}
			if !slices.Equal(got, want) || pages < 2 {
				t.Errorf("%d pages gave %v\nwant %v", pages, got, want)
			}
		})
	}
}

func TestListRejectsBadParameters(t *testing.T) {
	e, _ := listed(t)
	b, _ := list(t, e, "?limit=2")
	cursor := b.NextCursor
	body, sig, _ := strings.Cut(cursor, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	var p map[string]any
	_ = json.Unmarshal(raw, &p)
	p["i"] = "c00" // jump elsewhere, keeping the signature
	forgedRaw, _ := json.Marshal(p)
	forged := base64.RawURLEncoding.EncodeToString(forgedRaw) + "." + sig
	flipped := []byte(cursor)
	flipped[len(flipped)/3] ^= 1
	bad := func(field, details string) string {
		return `{"error":"Invalid query parameters","details":"` + details + `",` + fieldKey(field) + `"statusCode":400}`
	}
	const badCursor = "cursor is invalid or belongs to another query"
	for _, tc := range []struct{ name, query, want string }{
		{"limit 0", "?limit=0", bad("limit", "limit must be an integer from 1 to 100")},
		{"limit 101", "?limit=101", bad("limit", "limit must be an integer from 1 to 100")},
		{"limit not a number", "?limit=ten", bad("limit", "limit must be an integer from 1 to 100")},
		{"negative offset", "?offset=-1", bad("offset", "offset must be an integer of 0 or more")},
		{"offset not a number", "?offset=1.5", bad("offset", "offset must be an integer of 0 or more")},
		{"status lower case", "?status=active", bad("status", "status must be one of Active, Inactive, Suspended")},
		{"search too long", "?search=" + strings.Repeat("a", 201), bad("search", "search must be at most 200 characters")},
		{"unknown parameter", "?sort=name", bad("sort", "Unknown query parameter: sort")},
		{"cursor and offset", "?offset=0&cursor=" + url.QueryEscape(cursor), bad("cursor", "cursor and offset cannot be used together")},
		{"altered cursor", "?cursor=" + url.QueryEscape(string(flipped)), bad("cursor", badCursor)},
		{"forged cursor", "?cursor=" + url.QueryEscape(forged), bad("cursor", badCursor)},
		{"cursor of another query", "?status=Active&cursor=" + url.QueryEscape(cursor), bad("cursor", badCursor)},
		{"garbage cursor", "?cursor=%00%01", bad("cursor", badCursor)},
		{"empty cursor", "?cursor=", bad("cursor", badCursor)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectUnchanged(t, e, nil, func() {
				if _, r := list(t, e, tc.query); r.Status != 400 || r.Body != tc.want {
					t.Errorf("got %d %s\nwant %s", r.Status, r.Body, tc.want)
				}
			})
		})
	}
}

func TestListFollowsWrites(t *testing.T) {
	e, all := listed(t)
	put(t, e, "/admin/clients/c07", `{"status":"Inactive","clientMeta":{"fullName":"Renamed Person","businessName":null}}`)
	admin(t, e, http.MethodDelete, "/admin/clients/c05", "")
	e.Calls()
	for _, tc := range []struct {
		query string
		ids   []string
	}{
		{"?status=Inactive", []string{"c07"}},
		{"?search=renamed", []string{"c07"}},
		{"?search=number07", nil},
		{"?limit=100", slices.DeleteFunc(slices.Clone(all), func(id string) bool { return id == "c05" })},
	} {
		if b, r := list(t, e, tc.query); r.Status != 200 || !slices.Equal(idsOf(b), tc.ids) || b.Total != len(tc.ids) {
			t.Errorf("%s: %d total %d ids %v, want %v", tc.query, r.Status, b.Total, idsOf(b), tc.ids)
		}
	}
}

// TestListSearchSaysWhenItsTotalIsPartial: over a list longer than
// store.SearchBound whose only match is the oldest client, the first
// search page answers no client, a cursor and "totalExact": false (the
// response checked against openapi.yaml by the Env); the page after it
// finds the client, and its total, exact, carries no flag.
func TestListSearchSaysWhenItsTotalIsPartial(t *testing.T) {
	e := testkit.NewEnv(t)
	n := store.SearchBound + 10
	base := time.Now().Add(-time.Duration(n) * time.Second).UTC()
	cs := make([]client.Client, n)
	for i := range cs {
		at := base.Add(time.Duration(i) * time.Second)
		cs[i] = client.Client{
			ClientID: fmt.Sprintf("client_hay_%05d", i), Status: client.StatusActive, AgentID: "agent",
			Meta:      client.Meta{FullName: fmt.Sprintf("Hay %d", i), Email: fmt.Sprintf("hay%d@example.com", i), Phone: "+14155550000"},
			CreatedAt: at, UpdatedAt: at, TokensValidAfter: at, Version: 1, UpdatedBy: "load",
		}
	}
	cs[0].Meta.FullName = "Needle"
	if err := store.Load(t.Context(), e.DB, e.Table, cs); err != nil {
		t.Fatal(err)
	}
	r := admin(t, e, http.MethodGet, "/admin/clients?search=needle", "")
	var first struct {
		listBody
		TotalExact *bool `json:"totalExact"`
	}
	decodeStrict(t, r.Body, &first)
	if r.Status != 200 || first.Count != 0 || first.Total != 0 || first.TotalExact == nil || *first.TotalExact || first.NextCursor == "" {
		t.Fatalf("first page: %d %s; want no client, total 0, totalExact false and a cursor", r.Status, r.Body)
	}
	r = admin(t, e, http.MethodGet, "/admin/clients?search=needle&cursor="+url.QueryEscape(first.NextCursor), "")
	var last listBody
	decodeStrict(t, r.Body, &last)
	if r.Status != 200 || last.Total != 1 || !slices.Equal(idsOf(last), []string{"client_hay_00000"}) || last.NextCursor != "" || strings.Contains(r.Body, "totalExact") {
		t.Errorf("second page: %d %s; want the needle, an exact total of 1, no flag and no cursor", r.Status, r.Body)
	}
}
