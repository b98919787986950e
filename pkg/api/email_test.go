package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

// TestOneClientPerMailbox replays the attack: while one client
// holds kasia.X@example.com, every other spelling of that mailbox, or of
// what reads as it, is refused on create and on the admin update: 409
// where the spelling is an accepted address (it has the held address's
// key), 400 where the email rule refuses its characters. Each refusal
// leaves the table unchanged.
func TestOneClientPerMailbox(t *testing.T) {
	const held = "kasia.X@example.com"
	const invalid = `{"error":"Invalid update data","details":"Email format is invalid","field":"clientMeta.email","statusCode":400}`
	const createInvalid = `{"error":"Failed to create client","details":"Email format is invalid","field":"clientMeta.email","statusCode":400}`
	const taken = `{"error":"Failed to update client","details":"Email is already in use by another client","field":"clientMeta.email","statusCode":409}`
	const createTaken = `{"error":"Client already exists with this ID or email","details":"email","field":"clientMeta.email","statusCode":409}`
	e := testkit.Seeded(t)
	holder := strings.NewReplacer("min@example.com", held).Replace(minimalBody)
	if r := admin(t, e, http.MethodPost, "/admin/clients", holder); r.Status != 201 {
		t.Fatalf("create the holder: %d %s", r.Status, r.Body)
	}
	e.Calls()
	for _, tc := range []struct {
		name, email string
		status      int // 409: same key; 400: refused characters
	}{
		{"quoted local part", `"kasia.X"@example.com`, 400},
		{"zero-width space", "kasia.\u200bX@example.com", 400},
		{"zero-width joiner", "kasia.\u200dX@example.com", 400},
		{"soft hyphen", "kasia.\u00adX@example.com", 400},
		{"byte order mark", "\ufeffkasia.X@example.com", 400},
		{"word joiner", "kasia.\u2060X@example.com", 400},
		{"left-to-right mark", "kasia.X\u200e@example.com", 400},
		{"right-to-left override", "kasia.\u202eX@example.com", 400},
		{"other letter case", "KASIA.x@Example.COM", 409},
		{"full-width e in the domain", "kasia.X@\uff45xample.com", 409},
		{"full-width X in the local part", "kasia.\uff38@example.com", 409},
	} {
		body, _ := json.Marshal(tc.email)
		t.Run("create/"+tc.name, func(t *testing.T) {
			want := map[int]string{400: createInvalid, 409: createTaken}[tc.status]
			calls := map[int][]string{400: nil, 409: {"TransactWriteItems"}}[tc.status]
			expectUnchanged(t, e, calls, func() {
				r := admin(t, e, http.MethodPost, "/admin/clients", strings.Replace(minimalBody, `"min@example.com"`, string(body), 1))
				if r.Status != tc.status || r.Body != want {
					t.Errorf("got %d %s, want %s", r.Status, r.Body, want)
				}
			})
		})
		t.Run("update/"+tc.name, func(t *testing.T) {
			want := map[int]string{400: invalid, 409: taken}[tc.status]
			calls := map[int][]string{400: nil, 409: {"UpdateItem", "TransactWriteItems"}}[tc.status]
			expectUnchanged(t, e, calls, func() {
				r := admin(t, e, http.MethodPut, testkit.JanePath, `{"clientMeta":{"email":`+string(body)+`}}`)
				if r.Status != tc.status || r.Body != want {
					t.Errorf("got %d %s, want %s", r.Status, r.Body, want)
				}
			})
		})
	}
}

// TestUnicodeFoldingAttacks: the folding attacks on addresses
// outside ASCII: ſ for s, ς for σ, NFD for NFC. Each is a second client
// for one mailbox, refused with 409 on create and on update.
func TestUnicodeFoldingAttacks(t *testing.T) {
	for _, tc := range []struct{ name, held, attack string }{
		{"long s for s", "kasia.s@example.com", "kasia.\u017f@example.com"},
		{"final sigma for sigma", "\u03bc\u03b1\u03c3@example.com", "\u03bc\u03b1\u03c2@example.com"},
		{"NFD of an NFC address", "jos\u00e9@example.com", "jose\u0301@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testkit.Seeded(t)
			heldJSON, _ := json.Marshal(tc.held)
			attackJSON, _ := json.Marshal(tc.attack)
			if r := admin(t, e, http.MethodPost, "/admin/clients", strings.Replace(minimalBody, `"min@example.com"`, string(heldJSON), 1)); r.Status != 201 {
				t.Fatalf("create the holder: %d %s", r.Status, r.Body)
			}
			e.Calls()
			other := strings.NewReplacer(`"min@example.com"`, string(attackJSON), "+14155550101", "+14155550199").Replace(minimalBody)
			expectUnchanged(t, e, []string{"TransactWriteItems"}, func() {
				if r := admin(t, e, http.MethodPost, "/admin/clients", other); r.Status != 409 {
					t.Errorf("create: got %d %s", r.Status, r.Body)
				}
			})
			expectUnchanged(t, e, []string{"UpdateItem", "TransactWriteItems"}, func() {
				if r := admin(t, e, http.MethodPut, testkit.JanePath, `{"clientMeta":{"email":`+string(attackJSON)+`}}`); r.Status != 409 {
					t.Errorf("update: got %d %s", r.Status, r.Body)
				}
			})
			// Search finds the holder under the attack's spelling too.
			b, r := list(t, e, "?search="+url.QueryEscape(tc.attack))
			if r.Status != 200 || b.Total != 1 || b.Clients[0].ClientMeta["email"] != tc.held {
				t.Errorf("search %q: %d %s", tc.attack, r.Status, r.Body)
			}
		})
	}
}
