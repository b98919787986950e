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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/passhash"
)

// TestClientSignInDoesTheSameWorkWhetherOrNotTheClientExists: every client
// sign-in verifies exactly one secret, against the stored hash or the
// dummy one, and every refusal reads the same. With
// TestVerifyDoesTheSameWorkForUnknownAccounts (pkg/passhash: a dummy
// verification costs what a real one does) the time of a refusal does not
// tell whether the client exists, is suspended, or had a wrong secret.
func TestClientSignInDoesTheSameWorkWhetherOrNotTheClientExists(t *testing.T) {
	e := testkit.NewEnv(t)
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
		if err := e.Store.Create(t.Context(), c, hash, testkit.SetupOrigin()); err != nil {
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
		send func(id, secret string) testkit.Result
	}{
		{"POST /auth/login", func(id, s string) testkit.Result {
			return e.Do(t, http.MethodPost, "/auth/login", fmt.Sprintf(`{"clientId":%q,"clientSecret":%q}`, id, s), "Content-Type", "application/json")
		}},
		{"POST /auth/token, form", func(id, s string) testkit.Result {
			return e.Do(t, http.MethodPost, "/auth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {s}}.Encode(),
				"Content-Type", "application/x-www-form-urlencoded")
		}},
		{"POST /auth/token, Basic", func(id, s string) testkit.Result {
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
	e := testkit.NewEnv(t)
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
// make no upgrade write again. A wrong secret rewrites nothing.
func TestClientSignInUpgradesAnOlderHashOnce(t *testing.T) {
	e := testkit.NewEnv(t)
	pw, err := passhash.NewHasher(testkit.FastHashing())
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
	if err := e.Store.Create(t.Context(), c, legacy, testkit.SetupOrigin()); err != nil {
		t.Fatal(err)
	}
	key := "CLIENT#" + id
	before := e.Item(t, key)
	signIn := func(secret string) testkit.Result {
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
	if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem", "GetItem"}) {
		t.Errorf("wrong secret: calls %v, want the attempt's count and the sign-in read", calls)
	}
	if got := e.Item(t, key); !reflect.DeepEqual(got, before) {
		t.Fatalf("a wrong secret changed the item:\n%v\n%v", before, got)
	}

	r := signIn(plain)
	if r.Status != http.StatusOK {
		t.Fatalf("right secret on an argon2id hash: %d %s", r.Status, r.Body)
	}
	if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem", "GetItem", "UpdateItem", "UpdateItem"}) {
		t.Errorf("first sign-in: calls %v, want the attempt's count, the sign-in read, the count's reset, the upgrade's UpdateItem", calls)
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
	if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem", "GetItem", "UpdateItem"}) {
		t.Errorf("second sign-in: calls %v, want the attempt's count, the sign-in read and the count's reset", calls)
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

// TestSignInLockout: after client.MaxFailedAttempts consecutive failures
// for one account from one source address, every sign-in route refuses
// that pair with 429 and Retry-After for the lockout window, even with the
// right credentials and before any hash work; an unknown account is locked
// out exactly like a real one; another address is not; a success before
// the limit starts the count again; the lock lapses with the window.
func TestSignInLockout(t *testing.T) {
	e := testkit.Seeded(t)
	counter := testkit.CountVerifies(e.Handler)
	const locked = `{"error":"Too many failed attempts","statusCode":429}`
	const lockedOAuth = `{"error":"invalid_client","error_description":"Too many failed attempts"}`
	type way struct {
		name   string
		route  api.Route
		body   func(account, secret string) (string, map[string]string)
		right  string // the right secret of the real account
		real   string // the real account
		locked string // the 429 body
		// success is what a success makes: the count, the client's read
		// (client sign-ins), the count's reset.
		success []string
	}
	jsonBody := func(idField, secretField string) func(string, string) (string, map[string]string) {
		return func(a, s string) (string, map[string]string) {
			return fmt.Sprintf(`{%q:%q,%q:%q}`, idField, a, secretField, s), map[string]string{"content-type": "application/json"}
		}
	}
	ways := []way{
		{"POST /auth/admin/login", api.AdminLogin, jsonBody("username", "password"), config.DevAdminPassword, config.DevAdminUsername, locked, []string{"UpdateItem", "UpdateItem", "UpdateItem", "UpdateItem"}},
		{"POST /auth/login", api.ClientLogin, jsonBody("clientId", "clientSecret"), testkit.JohnSecret, testkit.JohnID, locked, []string{"UpdateItem", "GetItem", "UpdateItem"}},
		{"POST /auth/token", api.OAuthToken, func(a, s string) (string, map[string]string) {
			return url.Values{"grant_type": {"client_credentials"}, "client_id": {a}, "client_secret": {s}}.Encode(),
				map[string]string{"content-type": "application/x-www-form-urlencoded"}
		}, testkit.JohnSecret, testkit.JohnID, lockedOAuth, []string{"UpdateItem", "GetItem", "UpdateItem"}},
	}
	for wi, w := range ways {
		send := func(t *testing.T, source, account, secret string) api.Response {
			t.Helper()
			body, headers := w.body(account, secret)
			req := testkit.Event(w.route.Method, w.route.Path, nil, headers, body)
			req.RequestContext.HTTP.SourceIP = source
			r, err := e.Handler.Serve(w.route)(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		t.Run(w.name, func(t *testing.T) {
			for _, account := range []struct{ name, id string }{{"real account", w.real}, {"unknown account", "client_nobody_" + strings.ReplaceAll(w.name[6:], "/", "_")}} {
				t.Run(account.name, func(t *testing.T) {
					// /auth/login and /auth/token count the same client
					// account: each way has its own addresses.
					source := fmt.Sprintf("198.51.100.%d", 10*wi+len(account.name))
					for i := range client.MaxFailedAttempts {
						if r := send(t, source, account.id, "wrong-"+fmt.Sprint(i)); r.StatusCode != http.StatusUnauthorized {
							t.Fatalf("failure %d: %d %s", i+1, r.StatusCode, r.Body)
						}
					}
					counter.Take()
					e.Calls()
					for _, secret := range []string{"wrong", w.right} {
						r := send(t, source, account.id, secret)
						retry, err := strconv.Atoi(r.Headers["Retry-After"])
						if r.StatusCode != http.StatusTooManyRequests || r.Body != w.locked || err != nil || retry < 1 || retry > int(client.LockoutWindow.Seconds()) {
							t.Fatalf("attempt after %d failures (secret %q): %d %v %s", client.MaxFailedAttempts, secret, r.StatusCode, r.Headers, r.Body)
						}
					}
					if n := len(counter.Take()); n != 0 {
						t.Errorf("a locked-out attempt ran %d hash verifications, want none", n)
					}
					// The conditional write that would count the attempt is
					// refused, and nothing else is done.
					if calls := e.Calls(); !slices.Equal(calls, []string{"UpdateItem", "UpdateItem"}) {
						t.Errorf("locked-out attempts made %v, want one refused count each and nothing else", calls)
					}
					// Another address is not locked out: the real account
					// signs in from there.
					if r := send(t, "203.0.113.9", w.real, w.right); r.StatusCode != http.StatusOK {
						t.Errorf("the right credentials from another address: %d %s", r.StatusCode, r.Body)
					}
					// The lock lapses with the window.
					e.Handler.Now = func() time.Time { return time.Now().Add(client.LockoutWindow + time.Second) }
					defer func() { e.Handler.Now = nil }()
					if r := send(t, source, account.id, "wrong"); r.StatusCode != http.StatusUnauthorized {
						t.Errorf("a failure after the window: %d %s", r.StatusCode, r.Body)
					}
				})
			}
			// A success before the limit ends the run of failures.
			source := fmt.Sprintf("192.0.2.%d", wi)
			for range client.MaxFailedAttempts - 1 {
				send(t, source, w.real, "wrong")
			}
			e.Calls()
			if r := send(t, source, w.real, w.right); r.StatusCode != http.StatusOK {
				t.Fatalf("the right credentials after %d failures: %d %s", client.MaxFailedAttempts-1, r.StatusCode, r.Body)
			}
			if calls := e.Calls(); !slices.Equal(calls, w.success) {
				t.Errorf("a success after failures made %v, want %v", calls, w.success)
			}
			for i := range client.MaxFailedAttempts {
				if r := send(t, source, w.real, "wrong"); r.StatusCode != http.StatusUnauthorized {
					t.Fatalf("failure %d after a success: %d %s", i+1, r.StatusCode, r.Body)
				}
			}
			if r := send(t, source, w.real, w.right); r.StatusCode != http.StatusTooManyRequests {
				t.Errorf("after %d new failures: %d %s", client.MaxFailedAttempts, r.StatusCode, r.Body)
			}
		})
	}
}

// TestSignInLockoutHoldsUnderConcurrency: fifty wrong secrets sent at once
// for one account from one address are never fifty guesses. The count and
// the lockout decision are one conditional write made before any hash
// work, so at most client.MaxFailedAttempts of them are verified (counted
// through the hasher) and answered 401; every other one is 429 with
// Retry-After, on each sign-in route; again once the window has lapsed
// (fifty attempts racing to restart the lapsed counter). Before, every
// attempt read the count before any failure was written: 18 to 49 of the
// fifty were verified.
func TestSignInLockoutHoldsUnderConcurrency(t *testing.T) {
	const attempts = 50
	e := testkit.Seeded(t)
	counter := testkit.CountVerifies(e.Handler)
	jsonBody := func(idField, secretField, account string) func(int) (string, map[string]string) {
		return func(i int) (string, map[string]string) {
			return fmt.Sprintf(`{%q:%q,%q:"wrong-%d"}`, idField, account, secretField, i), map[string]string{"content-type": "application/json"}
		}
	}
	cases := []struct {
		name  string
		route api.Route
		body  func(i int) (string, map[string]string)
	}{
		{"POST /auth/admin/login", api.AdminLogin, jsonBody("username", "password", config.DevAdminUsername)},
		{"POST /auth/login", api.ClientLogin, jsonBody("clientId", "clientSecret", testkit.JohnID)},
		{"POST /auth/token", api.OAuthToken, func(i int) (string, map[string]string) {
			return url.Values{"grant_type": {"client_credentials"}, "client_id": {testkit.JaneID}, "client_secret": {fmt.Sprint("wrong-", i)}}.Encode(),
				map[string]string{"content-type": "application/x-www-form-urlencoded"}
		}},
		{"POST /auth/login, an unknown client", api.ClientLogin, jsonBody("clientId", "clientSecret", "client_nobody_concurrent")},
		// A new username each time: each is verified against a real hash,
		// so the address's own count is what bounds the hashing.
		{"POST /auth/admin/login, a new username each time", api.AdminLogin, func(i int) (string, map[string]string) {
			return fmt.Sprintf(`{"username":"nobody-%d","password":"wrong"}`, i), map[string]string{"content-type": "application/json"}
		}},
	}
	defer func() { e.Handler.Now = nil }()
	for i, tc := range cases {
		// The second round comes after the first one's window: the lapsed
		// counter restarts once, however many attempts race to restart it.
		for round, now := range []time.Time{time.Now(), time.Now().Add(client.LockoutWindow + time.Second)} {
			t.Run(fmt.Sprintf("%s/round %d", tc.name, round+1), func(t *testing.T) {
				e.Handler.Now = func() time.Time { return now }
				source := fmt.Sprintf("198.51.100.%d", 200+i)
				counter.Take()
				statuses := make([]int, attempts)
				retries := make([]string, attempts)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for n := range attempts {
					wg.Go(func() {
						body, headers := tc.body(n)
						req := testkit.Event(tc.route.Method, tc.route.Path, nil, headers, body)
						req.RequestContext.HTTP.SourceIP = source
						<-start
						r, err := e.Handler.Serve(tc.route)(t.Context(), req)
						if err != nil {
							t.Error(err)
							return
						}
						statuses[n], retries[n] = r.StatusCode, r.Headers["Retry-After"]
					})
				}
				close(start)
				wg.Wait()
				verified := len(counter.Take())
				if verified > client.MaxFailedAttempts {
					t.Errorf("%d of %d concurrent wrong guesses were verified, want at most %d", verified, attempts, client.MaxFailedAttempts)
				}
				got := map[int]int{}
				for n, st := range statuses {
					got[st]++
					if st == http.StatusTooManyRequests {
						if s, err := strconv.Atoi(retries[n]); err != nil || s < 1 || s > int(client.LockoutWindow.Seconds()) {
							t.Errorf("a 429 with Retry-After %q", retries[n])
						}
					}
				}
				want := map[int]int{http.StatusUnauthorized: verified, http.StatusTooManyRequests: attempts - verified}
				if !maps.Equal(got, want) {
					t.Errorf("statuses %v, want %v (one 401 per verification, 429 for the rest)", got, want)
				}
				if verified != client.MaxFailedAttempts {
					t.Errorf("%d verifications, want exactly %d: the lockout must admit the first %[2]d", verified, client.MaxFailedAttempts)
				}
			})
		}
	}
}
