package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// contractView is the view as a fixed struct spells it: the shape the
// seed contract and the original's callers read. The table-driven view
// must encode byte for byte as it does.
type contractView struct {
	ClientID          string        `json:"clientId"`
	Status            client.Status `json:"status"`
	AgentID           string        `json:"agentId"`
	TwilioPhoneNumber string        `json:"twilioPhoneNumber"`
	CalID             string        `json:"calId,omitempty"`
	ClientMeta        struct {
		FullName     string `json:"fullName"`
		Email        string `json:"email"`
		Phone        string `json:"phone,omitempty"`
		BusinessName string `json:"businessName,omitempty"`
		City         string `json:"city,omitempty"`
		JobTitle     string `json:"jobTitle,omitempty"`
		Notes        string `json:"notes,omitempty"`
	} `json:"clientMeta"`
	CreatedAt    string `json:"createdAt"`
	UpdatedAt    string `json:"updatedAt"`
	UpdatedBy    string `json:"updatedBy,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
}

func TestClientViewEncodesAsTheContractShape(t *testing.T) {
	at := time.Date(2025, 3, 20, 14, 30, 0, 7e6, time.UTC)
	full := client.Client{
		ClientID: "client_1", Status: client.StatusActive, AgentID: "agent_1", TwilioPhoneNumber: "+18005551234", CalID: "cal_1",
		Meta: client.Meta{
			FullName: "Zoë <b>&</b> \u2028", Email: "z@example.com", Phone: "+12125551234", BusinessName: "Acme \"Co\"",
			City: "Chicago", JobTitle: "CTO", Notes: "line\nbreak\t\x01",
		},
		CreatedAt: at, UpdatedAt: at.Add(time.Hour), UpdatedBy: "admin",
	}
	bare := client.Client{ClientID: "client_2", Status: client.StatusSuspended, CreatedAt: at, UpdatedAt: at}
	for _, tc := range []struct {
		name   string
		c      client.Client
		secret string
	}{
		{"every field set", full, ""},
		{"only what is required, empty values", bare, ""},
		{"with a secret, no updatedBy", full, "s3cret-with-<html>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := viewOf(tc.c)
			var want contractView
			c := tc.c
			want.ClientID, want.Status, want.AgentID, want.TwilioPhoneNumber, want.CalID = c.ClientID, c.Status, c.AgentID, c.TwilioPhoneNumber, c.CalID
			m := &want.ClientMeta
			m.FullName, m.Email, m.Phone, m.BusinessName, m.City, m.JobTitle, m.Notes = c.Meta.FullName, c.Meta.Email, c.Meta.Phone, c.Meta.BusinessName, c.Meta.City, c.Meta.JobTitle, c.Meta.Notes
			want.CreatedAt, want.UpdatedAt, want.UpdatedBy = client.FormatTime(c.CreatedAt), client.FormatTime(c.UpdatedAt), c.UpdatedBy
			if tc.secret != "" {
				v.UpdatedBy, v.ClientSecret = "", tc.secret
				want.UpdatedBy, want.ClientSecret = "", tc.secret
			}
			// Inside a response, as the routes encode it.
			got, err := json.Marshal(struct{ Client clientView }{v})
			if err != nil {
				t.Fatal(err)
			}
			exp, _ := json.Marshal(struct{ Client contractView }{want})
			if string(got) != string(exp) {
				t.Errorf("view =\n%s\nwant\n%s", got, exp)
			}
		})
	}
}
