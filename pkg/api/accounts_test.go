package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/config"
)

// TestAdminAccountsSignIn signs in as each configured account (issue 21):
// the token's sub is the account's username and its scope claim lists the
// account's scopes (none for full access, an empty string for an empty
// list); exactly one hash is verified whatever the outcome, an unknown
// username's against the first account's hash; and the token grants what
// the account may do, no more.
func TestAdminAccountsSignIn(t *testing.T) {
	support := testkit.Support()
	editor := testkit.Account{Username: "editor", Password: "editor-test-password", Scopes: []string{"read:clients", "update:clients"}}
	parked := testkit.Account{Username: "parked", Password: "parked-test-password", Scopes: []string{}}
	lead := testkit.Account{Username: "lead", Password: "lead-test-password"}
	e := testkit.Seeded(t, testkit.WithAccounts(t, support, editor, parked, lead))
	verifies := testkit.CountVerifies(e.Handler)
	hashOf := map[string]string{}
	for _, a := range e.Handler.SignIn.Admins {
		hashOf[a.Username] = a.PasswordHash
	}
	const absent = "(no scope claim)"
	for _, tc := range []struct {
		name, user, password string
		status               int
		scope                string // the token's scope claim
		verified             string // the account whose hash was verified
	}{
		{"the single pair: full access", config.DevAdminUsername, config.DevAdminPassword, 200, absent, config.DevAdminUsername},
		{"support: read only", support.Username, support.Password, 200, "read:clients", support.Username},
		{"editor: read and update", editor.Username, editor.Password, 200, "read:clients update:clients", editor.Username},
		{"an empty scopes list: nothing", parked.Username, parked.Password, 200, "", parked.Username},
		{"a listed account without scopes: full access", lead.Username, lead.Password, 200, absent, lead.Username},
		{"support's wrong password", support.Username, support.Password + "x", 401, "", support.Username},
		{"support with the admin's password", support.Username, config.DevAdminPassword, 401, "", support.Username},
		{"the admin with support's password", config.DevAdminUsername, support.Password, 401, "", config.DevAdminUsername},
		{"an unknown username does the work of a wrong password", "nobody", support.Password, 401, "", config.DevAdminUsername},
		{"usernames are exact", "Support", support.Password, 401, "", config.DevAdminUsername},
	} {
		t.Run(tc.name, func(t *testing.T) {
			verifies.Take()
			body, _ := json.Marshal(map[string]string{"username": tc.user, "password": tc.password})
			r := postJSON(t, e, "/auth/admin/login", string(body))
			if r.Status != tc.status {
				t.Fatalf("got %d %s, want %d", r.Status, r.Body, tc.status)
			}
			if got := verifies.Take(); !slices.Equal(got, []string{hashOf[tc.verified]}) {
				t.Errorf("verified %d hashes, want exactly %s's", len(got), tc.verified)
			}
			if tc.status != 200 {
				return
			}
			tok := claimsOf(t, r.JSON(t)["token"].(string))
			if tok.Subject() != tc.user || r.JSON(t)["admin"].(map[string]any)["username"] != tc.user {
				t.Errorf("sub %q, admin %v; want %q", tok.Subject(), r.JSON(t)["admin"], tc.user)
			}
			scope := absent
			if v, ok := tok.PrivateClaims()["scope"]; ok {
				scope, _ = v.(string)
			}
			if scope != tc.scope {
				t.Errorf("scope claim %q, want %q", scope, tc.scope)
			}
		})
	}
}

// TestScopedAccountsActAsThemselves: what a signed-in account may do is
// its scopes, and what it changed is recorded under its username (the
// token's sub) in updatedBy and the audit line.
func TestScopedAccountsActAsThemselves(t *testing.T) {
	support := testkit.Support()
	editor := testkit.Account{Username: "editor", Password: "editor-test-password", Scopes: []string{"read:clients", "update:clients"}}
	e := testkit.Seeded(t, testkit.WithAccounts(t, support, editor))
	signIn := func(a testkit.Account) []string {
		body, _ := json.Marshal(map[string]string{"username": a.Username, "password": a.Password})
		r := postJSON(t, e, "/auth/admin/login", string(body))
		if r.Status != 200 {
			t.Fatalf("sign in as %s: %d %s", a.Username, r.Status, r.Body)
		}
		return testkit.AuthHeader(r.JSON(t)["token"].(string))
	}
	supportAuth, editorAuth := signIn(support), signIn(editor)
	for _, tc := range []struct {
		name, method, path, body string
		auth                     []string
		status                   int
		want                     string // substring of the body
	}{
		{"support lists", http.MethodGet, "/admin/clients", "", supportAuth, 200, `"clients"`},
		{"support reads a client", http.MethodGet, testkit.JohnPath, "", supportAuth, 200, testkit.JohnID},
		{"support cannot update", http.MethodPut, testkit.JohnPath, `{"clientMeta":{"city":"Denver"}}`, supportAuth, 403, `"message":"Missing scope: update:clients"`},
		{"support cannot reset a secret", http.MethodPost, testkit.JohnPath + "/reset-secret", "", supportAuth, 403, `"message":"Missing scope: update:client_secrets"`},
		{"support cannot delete", http.MethodDelete, testkit.JohnPath, "", supportAuth, 403, `"message":"Missing scope: delete:clients"`},
		{"editor cannot delete", http.MethodDelete, testkit.JohnPath, "", editorAuth, 403, `"message":"Missing scope: delete:clients"`},
		{"editor updates", http.MethodPut, testkit.JohnPath, `{"clientMeta":{"city":"Denver"}}`, editorAuth, 200, `"Client updated successfully"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(t, tc.method, tc.path, tc.body, append(slices.Clone(tc.auth), "Content-Type", jsonHeader)...)
			if r.Status != tc.status || !strings.Contains(r.Body, tc.want) {
				t.Fatalf("got %d %s, want %d with %s", r.Status, r.Body, tc.status, tc.want)
			}
		})
	}
	stored, _ := e.Do(t, http.MethodGet, testkit.JohnPath, "", supportAuth...).JSON(t)["updatedBy"].(string)
	if stored != "editor" {
		t.Errorf("updatedBy stored %q, want the editor's username", stored)
	}
	// The history records the editor too, and support may read it
	// (read:clients).
	e.DrainHistory(t)
	r := e.Do(t, http.MethodGet, testkit.JohnPath+"/history", "", supportAuth...)
	var h historyBody
	if r.Status != 200 || json.Unmarshal([]byte(r.Body), &h) != nil || len(h.Events) == 0 || h.Events[0].Actor.Sub != "editor" {
		t.Errorf("history as support: %d %s; want the newest event by editor", r.Status, r.Body)
	}
	var audits []string
	for _, line := range strings.Split(e.Logs.String(), "\n") {
		if strings.Contains(line, `"msg":"audit"`) {
			audits = append(audits, line)
		}
	}
	if len(audits) != 1 || !strings.Contains(audits[0], `"sub":"editor"`) {
		t.Errorf("audit lines %q, want one with sub editor", audits)
	}
}
