package console_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/config"
)

// control is a control of the console, found by role and name.
type control struct {
	name  string
	roles []string
}

// TestConsoleShowsOnlyWhatTheAccountMayDo signs in as the read-only
// support account and as the full admin (issue 21): support sees the list
// and the client page with its history, its fields read-only, and no
// control that writes;
// the full admin finds every one. The header names who is signed in.
func TestConsoleShowsOnlyWhatTheAccountMayDo(t *testing.T) {
	chromium(t)
	support := testkit.Support()
	e := testkit.NewEnv(t, testkit.WithAccounts(t, support))
	e.RunHistory(t)
	base := serve(t, e)
	create(t, e, e.AdminToken(t), "Ada Lovelace", "ada@example.com", "+15550000001", map[string]string{"city": "London"})
	writes := []control{
		{"New client", linkRole}, {"Save", buttonRole}, {"Suspend", buttonRole}, {"Reset secret", buttonRole}, {"Delete", buttonRole},
	}
	for _, tc := range []struct {
		name, username, password string
		writes                   bool
	}{
		{"support sees no write control", support.Username, support.Password, false},
		{"the full admin finds them all", config.DevAdminUsername, config.DevAdminPassword, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newTab(t, 1280, 900)
			b.do(chromedp.Navigate(base + "/console/"))
			b.fill("Username", tc.username)
			b.fill("Password", tc.password)
			b.press("Sign in")
			b.find("Ada Lovelace", linkRole...)
			b.waitText("Signed in as " + tc.username)
			b.press("Ada Lovelace", linkRole...)
			b.waitText("Current status: Active")
			// Reading includes the history.
			b.find("History", "heading")
			b.waitText("Created by admin-tester (admin)")
			if got := b.value("City"); got != "London" {
				t.Errorf("City shows %q, want London", got)
			}
			if readOnly := call[bool](b, b.find("City", fieldRoles...), `function() { return this.readOnly; }`); readOnly == tc.writes {
				t.Errorf("City read-only = %v", readOnly)
			}
			for _, c := range writes {
				if found := len(b.query(c.name, c.roles...)); (found == 1) != tc.writes {
					t.Errorf("%v %q: %d found", c.roles, c.name, found)
				}
			}
			// The create page, reached by its address: support is told
			// why there is no form, and no request is made.
			b.do(chromedp.Navigate(base + "/console/#/new"))
			b.find("New client", "heading")
			if tc.writes {
				b.find("Create client", buttonRole...)
				return
			}
			b.waitText("Your account does not have permission to create clients (it lacks the create:clients permission).")
			if n := len(b.query("Create client", buttonRole...)); n != 0 {
				t.Errorf("support sees %d Create client buttons", n)
			}
		})
	}
}

// TestConsoleSaysWhichPermissionIsMissing: the API refuses what a token's
// scopes do not allow, and the console says so in words, naming the
// permission. A token that may only create clients is an admin token all
// the same: it signs in, and the list (read:clients) answers 403.
func TestConsoleSaysWhichPermissionIsMissing(t *testing.T) {
	chromium(t)
	e := testkit.NewEnv(t)
	base := serve(t, e)
	tok, err := e.Issuer.SignAdmin("creator", auth.Only(auth.ScopeCreateClients), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b := newTab(t, 1280, 900)
	b.do(chromedp.Navigate(base + "/console/#/token"))
	b.fill("Admin token", tok)
	b.press("Sign in")
	b.waitText("Your account does not have permission to view clients (it lacks the read:clients permission).")
	b.waitText("Signed in as creator")
	b.find("New client", linkRole...)
}
