package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/client"
)

const john, jane = testkit.JohnID, testkit.JaneID

func seeded(t *testing.T) *testkit.Env {
	t.Helper()
	e := testkit.NewEnv(t)
	// Seeded a second ago: a revocation stamp written by the test must be
	// later than the seed's, not equal to it within the same millisecond.
	if err := localdb.Seed(t.Context(), e.Store, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	e.Calls()
	return e
}

func TestUpdateConditions(t *testing.T) {
	city := "Paris"
	twilio := "+15550000001"
	inactive := client.StatusInactive
	suspend := func(t *testing.T, e *testkit.Env) {
		t.Helper()
		if _, err := e.Store.Update(t.Context(), john, client.UpdateOf(map[string]string{"status": string(inactive)}), client.Write{By: "a"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		// before, when set, runs after cur is read and before the write
		// under test.
		before func(t *testing.T, e *testkit.Env)
		u      client.Update
		w      func(cur client.Client) client.Write
		want   error
	}{
		{"matching version", nil, client.UpdateOf(map[string]string{"clientMeta.city": city}),
			func(c client.Client) client.Write { return client.Write{By: "a", IfVersion: c.Version} }, nil},
		{"stale version", nil, client.UpdateOf(map[string]string{"clientMeta.city": city}),
			func(c client.Client) client.Write { return client.Write{By: "a", IfVersion: c.Version + 1} }, client.ErrPreconditionFailed},
		{"stale version, lock move", nil, client.UpdateOf(map[string]string{"twilioPhoneNumber": twilio}),
			func(c client.Client) client.Write { return client.Write{By: "a", IfVersion: c.Version + 5} }, client.ErrPreconditionFailed},
		{"current session", nil, client.UpdateOf(map[string]string{"clientMeta.city": city}),
			func(c client.Client) client.Write {
				return client.Write{By: c.ClientID, Session: client.FormatTime(c.TokensValidAfter)}
			}, nil},
		{"revoked session", nil, client.UpdateOf(map[string]string{"clientMeta.city": city}),
			func(c client.Client) client.Write {
				return client.Write{By: c.ClientID, Session: "2000-01-01T00:00:00.000Z"}
			}, client.ErrSessionRevoked},
		{"suspension then write with old session", suspend, client.UpdateOf(map[string]string{"clientMeta.city": city}),
			func(c client.Client) client.Write {
				return client.Write{By: c.ClientID, Session: client.FormatTime(c.TokensValidAfter)}
			}, client.ErrSessionRevoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := seeded(t)
			cur, err := e.Store.Get(t.Context(), john)
			if err != nil {
				t.Fatal(err)
			}
			if tc.before != nil {
				tc.before(t, e)
			}
			before := e.Snapshot(t)
			_, err = e.Store.Update(t.Context(), john, tc.u, tc.w(cur))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want != nil {
				if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
					t.Errorf("refused write changed the table:\n%s", d)
				}
			}
		})
	}
}

func TestSuspensionRevokesTokens(t *testing.T) {
	e := seeded(t)
	cur, _ := e.Store.Get(t.Context(), john)
	session := client.FormatTime(cur.TokensValidAfter)
	inactive, active := client.StatusInactive, client.StatusActive
	if _, err := e.Store.Update(t.Context(), john, client.UpdateOf(map[string]string{"status": string(inactive)}), client.Write{By: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.Update(t.Context(), john, client.UpdateOf(map[string]string{"status": string(active)}), client.Write{By: "a"}); err != nil {
		t.Fatal(err)
	}
	city := "Lyon"
	_, err := e.Store.Update(t.Context(), john, client.UpdateOf(map[string]string{"clientMeta.city": city}), client.Write{By: john, Session: session})
	if !errors.Is(err, client.ErrSessionRevoked) {
		t.Errorf("a session from before the suspension still writes: %v", err)
	}
}

func TestTwilioNumberIsUnique(t *testing.T) {
	e := seeded(t)
	janes := "+18005556789"
	before := e.Snapshot(t)
	if _, err := e.Store.Update(t.Context(), john, client.UpdateOf(map[string]string{"twilioPhoneNumber": janes}), client.Write{By: "a"}); !errors.Is(err, client.ErrPhoneTaken) {
		t.Fatalf("err = %v, want ErrPhoneTaken", err)
	}
	if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
		t.Fatalf("refused change altered the table:\n%s", d)
	}
	fresh := "+15550001111"
	if _, err := e.Store.Update(t.Context(), john, client.UpdateOf(map[string]string{"twilioPhoneNumber": fresh}), client.Write{By: "a"}); err != nil {
		t.Fatal(err)
	}
	if e.Item(t, "PHONE#+18005551234") != nil || e.Item(t, "PHONE#"+fresh)["clientId"] != john {
		t.Error("the number lock did not move")
	}
	old := "+18005551234"
	if _, err := e.Store.Update(t.Context(), jane, client.UpdateOf(map[string]string{"twilioPhoneNumber": old}), client.Write{By: "a"}); err != nil {
		t.Errorf("freed number not reusable: %v", err)
	}
}

func TestCreateRefusesTakenValues(t *testing.T) {
	e := seeded(t)
	base := localdb.DemoClients(time.Now())[0]
	for _, tc := range []struct {
		name   string
		change func(*client.Client)
		want   error
	}{
		{"id", func(c *client.Client) { c.Meta.Email, c.TwilioPhoneNumber = "x@example.com", "+15550002222" }, client.ErrIDTaken},
		{"email in another case", func(c *client.Client) {
			c.ClientID, c.Meta.Email, c.TwilioPhoneNumber = "client_new", "JANE.DOE@example.com", "+15550002222"
		}, client.ErrEmailTaken},
		{"twilio number", func(c *client.Client) { c.ClientID, c.Meta.Email = "client_new", "x@example.com" }, client.ErrPhoneTaken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.change(&c)
			before := e.Snapshot(t)
			if err := e.Store.Create(t.Context(), c, "hash", testkit.SetupOrigin()); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if d := testkit.TableDiff(before, e.Snapshot(t)); d != "" {
				t.Errorf("refused create altered the table:\n%s", d)
			}
		})
	}
}
