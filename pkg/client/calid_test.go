package client_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
)

func TestCalIDDecodes(t *testing.T) {
	rules := client.NewRules()
	const required = `"agentId":"a","twilioPhoneNumber":"+14155550101","clientMeta":{"fullName":"F","email":"f@example.com","phone":"+14155550100"}`
	for _, tc := range []struct {
		name, body string
		create     bool
		want       *string // the decoded CalID; nil when absent
	}{
		{"create with calId", `{"calId":"e0JBV5PARC9sbebxcYnY",` + required + `}`, true, ptr("e0JBV5PARC9sbebxcYnY")},
		{"create with null calId: absent", `{"calId":null,` + required + `}`, true, nil},
		{"create without calId", `{` + required + `}`, true, nil},
		{"update sets it", `{"calId":"cal-1_X"}`, false, ptr("cal-1_X")},
		{"update with null removes it", `{"calId":null}`, false, ptr("")},
		{"update with empty string removes it", `{"calId":""}`, false, ptr("")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var u client.Update
			var err error
			if tc.create {
				var c client.Create
				c, err = rules.DecodeCreate([]byte(tc.body))
				u = c.Fields
			} else {
				u, err = rules.DecodeUpdate([]byte(tc.body))
			}
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if (u.CalID == nil) != (tc.want == nil) || u.CalID != nil && *u.CalID != *tc.want {
				t.Errorf("CalID = %v, want %v", dump(u), tc.want)
			}
		})
	}
}

func TestCalIDRefused(t *testing.T) {
	rules := client.NewRules()
	for _, tc := range []struct {
		name, body string
		own        bool
		message    string
	}{
		{"too long", `{"calId":"x` + strings.Repeat("c", 128) + `"}`, false, "calId must be 1-128 characters of letters, digits, '_' or '-'"},
		{"punctuation", `{"calId":"cal.1"}`, false, "calId must be 1-128 characters of letters, digits, '_' or '-'"},
		{"not a string", `{"calId":true}`, false, "calId must be a string"},
		{"by the client", `{"calId":"cal"}`, true, "calId cannot be changed by the client; an admin changes it"},
		{"removed by the client", `{"calId":null}`, true, "calId cannot be changed by the client; an admin changes it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			decode := rules.DecodeUpdate
			if tc.own {
				decode = rules.DecodeOwnUpdate
			}
			_, err := decode([]byte(tc.body))
			ve, ok := err.(*client.ValidationError)
			if !ok || ve.Field != "calId" || ve.Message != tc.message {
				t.Errorf("error = %#v, want calId: %q", err, tc.message)
			}
		})
	}
}

func TestCalIDApplyAndFieldNames(t *testing.T) {
	at := time.Date(2025, 3, 20, 12, 0, 0, 0, time.UTC)
	c := client.Client{ClientID: "c1", CalID: "old"}
	if got := c.Apply(client.Update{CalID: ptr("new")}, at, "a").CalID; got != "new" {
		t.Errorf("set: CalID = %q", got)
	}
	if got := c.Apply(client.Update{CalID: ptr("")}, at, "a").CalID; got != "" {
		t.Errorf("remove: CalID = %q", got)
	}
	if got := c.Apply(client.Update{AgentID: ptr("x")}, at, "a").CalID; got != "old" {
		t.Errorf("untouched: CalID = %q", got)
	}
	u := client.Update{CalID: ptr("")}
	if names := u.FieldNames(); !slices.Equal(names, []string{"calId"}) || u.IsEmpty() {
		t.Errorf("FieldNames = %v, IsEmpty = %v", names, u.IsEmpty())
	}
}
