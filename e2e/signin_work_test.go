package e2e_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/internal/client"
	"github.com/outbound-caller/admin-api/internal/config"
	"github.com/outbound-caller/admin-api/internal/dev/testenv"
	"github.com/outbound-caller/admin-api/internal/dev/testkit"
	"github.com/outbound-caller/admin-api/internal/passhash"
)

// TestClientSignInDoesTheSameWorkWhetherOrNotTheClientExists: every client
// sign-in verifies exactly one secret, against the stored hash or the
// dummy one, and every refusal reads the same. With
// TestVerifyDoesTheSameWorkForUnknownAccounts (internal/passhash: a dummy
// verification costs what a real one does) the time of a refusal does not
// tell whether the client exists, is suspended, or had a wrong secret.
func TestClientSignInDoesTheSameWorkWhetherOrNotTheClientExists(t *testing.T) {
	e := testenv.New(t)
	counter := testkit.CountVerifies(e.Handler)
	plain := passhash.Generate()
	hash, err := e.Handler.Secrets.Hash(plain)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for id, st := range map[string]client.Status{"work_active": client.StatusActive, "work_suspended": client.StatusSuspended} {
		c := client.Client{ClientID: id, Status: st, AgentID: "agent", Meta: client.Meta{FullName: "W", Email: id + "@work.test"},
			CreatedAt: now, UpdatedAt: now, Version: 1, TokensValidAfter: now}
		if err := e.Store.Create(t.Context(), c, hash); err != nil {
			t.Fatal(err)
		}
	}
	counter.Take()
	cases := []struct {
		name, id, secret string
		ok               bool
	}{
		{"right secret", "work_active", plain, true},
		{"wrong secret", "work_active", plain + "x", false},
		{"unknown client", "work_missing", plain, false},
		{"impossible client id", "no such id", plain, false},
		{"suspended client, right secret", "work_suspended", plain, false},
	}
	// The same attempts through each way of signing in a client: POST
	// /auth/login, and POST /auth/token with form fields or HTTP Basic.
	for _, way := range []struct {
		name string
		send func(id, secret string) testenv.Result
	}{
		{"POST /auth/login", func(id, s string) testenv.Result {
			return e.Do(t, http.MethodPost, "/auth/login", fmt.Sprintf(`{"clientId":%q,"clientSecret":%q}`, id, s), "Content-Type", "application/json")
		}},
		{"POST /auth/token, form", func(id, s string) testenv.Result {
			return e.Do(t, http.MethodPost, "/auth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {s}}.Encode(),
				"Content-Type", "application/x-www-form-urlencoded")
		}},
		{"POST /auth/token, Basic", func(id, s string) testenv.Result {
			basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(s)))
			return e.Do(t, http.MethodPost, "/auth/token", "grant_type=client_credentials",
				"Content-Type", "application/x-www-form-urlencoded", "Authorization", "Basic "+basic)
		}},
	} {
		refusal := ""
		for _, tc := range cases {
			t.Run(way.name+"/"+tc.name, func(t *testing.T) {
				r := way.send(tc.id, tc.secret)
				if n := len(counter.Take()); n != 1 {
					t.Errorf("%d secret verifications, want exactly 1", n)
				}
				if tc.ok != (r.Status == 200) {
					t.Fatalf("got %d %s", r.Status, r.Body)
				}
				if tc.ok {
					return
				}
				if refusal == "" {
					refusal = fmt.Sprint(r.Status, r.Body)
				} else if got := fmt.Sprint(r.Status, r.Body); got != refusal {
					t.Errorf("refusals differ: %s vs %s", got, refusal)
				}
			})
		}
	}
}

// TestAdminSignInDoesTheSameWorkWhateverIsWrong: every admin sign-in
// verifies the password exactly once, and a wrong username, a wrong
// password or both answer the same bytes, so neither the body nor the
// work tells whether the username exists.
func TestAdminSignInDoesTheSameWorkWhateverIsWrong(t *testing.T) {
	e := testenv.New(t)
	counter := testkit.CountVerifies(e.Handler)
	var refusal string
	for _, tc := range []struct {
		name, user, password string
		ok                   bool
	}{
		{"right username and password", config.DevAdminUsername, config.DevAdminPassword, true},
		{"wrong password", config.DevAdminUsername, config.DevAdminPassword + "x", false},
		{"wrong username", config.DevAdminUsername + "x", config.DevAdminPassword, false},
		{"username of another length", "a", config.DevAdminPassword, false},
		{"username differing in case", strings.ToUpper(config.DevAdminUsername), config.DevAdminPassword, false},
		{"both wrong", "someone", "something", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(t, http.MethodPost, "/auth/admin/login", fmt.Sprintf(`{"username":%q,"password":%q}`, tc.user, tc.password), "Content-Type", "application/json")
			if n := len(counter.Take()); n != 1 {
				t.Errorf("%d password verifications, want exactly 1", n)
			}
			if tc.ok != (r.Status == 200) {
				t.Fatalf("got %d %s", r.Status, r.Body)
			}
			if tc.ok {
				return
			}
			if refusal == "" {
				refusal = fmt.Sprint(r.Status, r.Header.Get("Cache-Control"), r.Body)
			} else if got := fmt.Sprint(r.Status, r.Header.Get("Cache-Control"), r.Body); got != refusal {
				t.Errorf("refusals differ: %s vs %s", got, refusal)
			}
		})
	}
}

// TestClientSignInUpgradesAnOlderHashOnce: a client whose secret was hashed
// with argon2id (before keyed hashes) still signs in, and its first
// successful sign-in rewrites the hash as a keyed one, conditionally on
// the old hash, without moving the version or the session; later sign-ins
// are one round trip again. A wrong secret rewrites nothing.
func TestClientSignInUpgradesAnOlderHashOnce(t *testing.T) {
	e := testenv.New(t)
	pw, err := passhash.NewHasher(testenv.FastHashing())
	if err != nil {
		t.Fatal(err)
	}
	plain := passhash.Generate()
	legacy, err := pw.Hash(plain)
	if err != nil {
		t.Fatal(err)
	}
	const id = "upgrade_me"
	now := time.Now()
	c := client.Client{ClientID: id, Status: client.StatusActive, AgentID: "agent", Meta: client.Meta{FullName: "U", Email: "u@work.test"},
		CreatedAt: now, UpdatedAt: now, Version: 1, TokensValidAfter: now}
	if err := e.Store.Create(t.Context(), c, legacy); err != nil {
		t.Fatal(err)
	}
	key := "CLIENT#" + id
	before := e.Item(t, key)
	signIn := func(secret string) testenv.Result {
		e.Calls()
		return e.Do(t, http.MethodPost, "/auth/login", fmt.Sprintf(`{"clientId":%q,"clientSecret":%q}`, id, secret), "Content-Type", "application/json")
	}
	without := func(item map[string]any, k string) map[string]any {
		out := maps.Clone(item)
		delete(out, k)
		return out
	}

	if r := signIn(plain + "x"); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d %s", r.Status, r.Body)
	}
	if calls := e.Calls(); !slices.Equal(calls, []string{"GetItem"}) {
		t.Errorf("wrong secret: calls %v, want one GetItem", calls)
	}
	if got := e.Item(t, key); !reflect.DeepEqual(got, before) {
		t.Fatalf("a wrong secret changed the item:\n%v\n%v", before, got)
	}

	r := signIn(plain)
	if r.Status != http.StatusOK {
		t.Fatalf("right secret on an argon2id hash: %d %s", r.Status, r.Body)
	}
	if calls := e.Calls(); !slices.Equal(calls, []string{"GetItem", "UpdateItem"}) {
		t.Errorf("first sign-in: calls %v, want GetItem then the upgrade's UpdateItem", calls)
	}
	after := e.Item(t, key)
	upgraded, _ := after["secretHash"].(string)
	if upgraded == legacy || !e.Handler.Secrets.Current(upgraded) || !strings.HasPrefix(upgraded, "$hmac-sha256$v=1$") {
		t.Fatalf("hash after the first sign-in: %.40q, want a keyed hash", upgraded)
	}
	if !reflect.DeepEqual(without(after, "secretHash"), without(before, "secretHash")) {
		t.Errorf("the upgrade changed more than the hash:\n%v\n%v", before, after)
	}
	var login struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(r.Body), &login); err != nil {
		t.Fatal(err)
	}
	if got := e.Do(t, http.MethodGet, "/secure/client", "", "Authorization", "Bearer "+login.Token); got.Status != http.StatusOK {
		t.Errorf("the token of the upgrading sign-in: %d %s", got.Status, got.Body)
	}

	if r := signIn(plain); r.Status != http.StatusOK {
		t.Fatalf("second sign-in: %d %s", r.Status, r.Body)
	}
	if calls := e.Calls(); !slices.Equal(calls, []string{"GetItem"}) {
		t.Errorf("second sign-in: calls %v, want one GetItem", calls)
	}
	if got := e.Item(t, key)["secretHash"]; got != upgraded {
		t.Errorf("the second sign-in rewrote the hash again")
	}

	// The upgrade is conditional on the hash it replaces: after a secret
	// reset (another hash stored) it changes nothing.
	if err := e.Store.UpgradeSecretHash(t.Context(), id, legacy, "$hmac-sha256$v=1$stale$stale"); err != nil {
		t.Fatalf("UpgradeSecretHash with a stale hash: %v", err)
	}
	if got := e.Item(t, key)["secretHash"]; got != upgraded {
		t.Errorf("an upgrade conditioned on a replaced hash wrote %v", got)
	}
	if err := e.Store.UpgradeSecretHash(t.Context(), "missing_client", legacy, upgraded); err != nil {
		t.Fatalf("UpgradeSecretHash of a missing client: %v", err)
	}
	if _, ok := e.Item(t, "CLIENT#missing_client")["pk"]; ok {
		t.Error("an upgrade created a client")
	}
}
