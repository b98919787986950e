package client_test

import (
	"strings"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
)

func baseClient() client.Client {
	return client.Client{
		ClientID:          "acme_1",
		Status:            client.StatusActive,
		AgentID:           "agent_old",
		TwilioPhoneNumber: "+18005550000",
		Meta: client.Meta{
			FullName: "Old Name", Email: "old@example.com", Phone: "+12125550000", BusinessName: "Old Co",
			City: "Boston", JobTitle: "CEO", Notes: "old notes",
		},
		CreatedAt: time.Date(2023, 1, 2, 3, 4, 5, 0, time.UTC),
		UpdatedAt: time.Date(2023, 6, 7, 8, 9, 10, 0, time.UTC),
		UpdatedBy: "admin-old",
		// TokensValidAfter is distinct from every other stamp, so that a
		// change to it is visible.
		TokensValidAfter: time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC),
		Version:          41,
	}
}

func TestClient_Apply(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 123000000, time.UTC)
	const by = "admin-new"
	tests := []struct {
		name   string
		start  func(c *client.Client) // optional: edits baseClient() into the starting client
		update client.Update
		want   func(c *client.Client) // edits the start into the expected result, stamps aside
	}{
		{
			name:   "empty update only stamps",
			update: client.Update{},
			want:   func(*client.Client) {},
		},
		{
			name:   "top-level fields set, others left",
			update: client.UpdateOf(map[string]string{"status": string(client.StatusSuspended), "agentId": "agent_new", "twilioPhoneNumber": "+14155550100"}),
			want: func(c *client.Client) {
				c.Status, c.AgentID, c.TwilioPhoneNumber = client.StatusSuspended, "agent_new", "+14155550100"
				c.TokensValidAfter = at
			},
		},
		{
			name:   "status Inactive revokes tokens",
			update: client.UpdateOf(map[string]string{"status": string(client.StatusInactive)}),
			want:   func(c *client.Client) { c.Status, c.TokensValidAfter = client.StatusInactive, at },
		},
		{
			name:   "status Active keeps tokens",
			update: client.UpdateOf(map[string]string{"status": string(client.StatusActive)}),
			want:   func(*client.Client) {},
		},
		{
			name:   "reactivation keeps the revocation stamp",
			start:  func(c *client.Client) { c.Status = client.StatusSuspended },
			update: client.UpdateOf(map[string]string{"status": string(client.StatusActive), "agentId": "agent_new"}),
			want:   func(c *client.Client) { c.Status, c.AgentID = client.StatusActive, "agent_new" },
		},
		{
			name:   "every meta field set",
			update: client.UpdateOf(map[string]string{"clientMeta.fullName": "New Name", "clientMeta.email": "new@example.com", "clientMeta.phone": "+12125559999", "clientMeta.businessName": "New Co", "clientMeta.city": "Chicago", "clientMeta.jobTitle": "CTO", "clientMeta.notes": "new notes"}),
			want: func(c *client.Client) {
				c.Meta = client.Meta{
					FullName: "New Name", Email: "new@example.com", Phone: "+12125559999", BusinessName: "New Co",
					City: "Chicago", JobTitle: "CTO", Notes: "new notes",
				}
			},
		},
		{
			name:   "one meta field set, the rest left",
			update: client.UpdateOf(map[string]string{"clientMeta.city": "Denver"}),
			want:   func(c *client.Client) { c.Meta.City = "Denver" },
		},
		{
			name:   "removed fields cleared, the rest left",
			update: client.UpdateOf(map[string]string{"clientMeta.phone": "", "clientMeta.notes": ""}),
			want:   func(c *client.Client) { c.Meta.Phone, c.Meta.Notes = "", "" },
		},
		{
			name:   "every optional field removed",
			update: client.UpdateOf(map[string]string{"clientMeta.phone": "", "clientMeta.businessName": "", "clientMeta.city": "", "clientMeta.jobTitle": "", "clientMeta.notes": ""}),
			want: func(c *client.Client) {
				c.Meta = client.Meta{FullName: c.Meta.FullName, Email: c.Meta.Email}
			},
		},
		{
			name:   "set and remove together",
			update: client.UpdateOf(map[string]string{"status": string(client.StatusInactive), "clientMeta.email": "e@x.io", "clientMeta.jobTitle": ""}),
			want: func(c *client.Client) {
				c.Status, c.Meta.Email, c.Meta.JobTitle = client.StatusInactive, "e@x.io", ""
				c.TokensValidAfter = at
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := func() client.Client {
				c := baseClient()
				if tt.start != nil {
					tt.start(&c)
				}
				return c
			}
			orig := start()
			got := orig.Apply(tt.update, at, by)

			want := start()
			tt.want(&want)
			want.UpdatedAt, want.UpdatedBy, want.Version = at, by, 42
			if got != want {
				t.Errorf("Apply() =\n%+v\nwant\n%+v", got, want)
			}
			if orig != start() {
				t.Errorf("Apply() modified its receiver: %+v", orig)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"abc", true},
		{"A-Z_09", true},
		{"client_123-XYZ", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{"ab", false},
		{strings.Repeat("a", 65), false},
		{"abc def", false},
		{"abc.def", false},
		{"abc/def", false},
		{"../etc", false},
		{"abc%20", false},
		{"ábc", false},
		{"abc\x00", false},
		{"abc\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := client.ValidID(tt.id); got != tt.want {
				t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	plus2 := time.FixedZone("UTC+2", 2*60*60)
	minus5 := time.FixedZone("UTC-5", -5*60*60)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"UTC+2 with nanoseconds", time.Date(2024, 3, 5, 1, 2, 3, 456789123, plus2), "2024-03-04T23:02:03.456Z"},
		{"UTC-5 crosses midnight forward", time.Date(2024, 12, 31, 20, 0, 0, 0, minus5), "2025-01-01T01:00:00.000Z"},
		{"zero milliseconds kept", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "2024-01-01T00:00:00.000Z"},
		{"sub-millisecond truncated, not rounded", time.Date(2024, 1, 1, 0, 0, 0, 999999999, time.UTC), "2024-01-01T00:00:00.999Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := client.FormatTime(tt.t); got != tt.want {
				t.Errorf("FormatTime(%v) = %q, want %q", tt.t, got, tt.want)
			}
		})
	}
}

func TestSessionCurrentComparesInstants(t *testing.T) {
	stored := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		status client.Status
		stamp  string
		want   bool
	}{
		{"the stamp as tokens carry it", client.StatusActive, "2026-01-01T00:00:00.000Z", true},
		{"the same instant without milliseconds", client.StatusActive, "2026-01-01T00:00:00Z", true},
		{"the same instant with an offset", client.StatusActive, "2026-01-01T02:00:00.000+02:00", true},
		{"a millisecond earlier", client.StatusActive, "2025-12-31T23:59:59.999Z", false},
		{"a millisecond later", client.StatusActive, "2026-01-01T00:00:00.001Z", false},
		{"not a time", client.StatusActive, "2026-01-01", false},
		{"empty", client.StatusActive, "", false},
		{"a current stamp of a suspended client", client.StatusSuspended, "2026-01-01T00:00:00.000Z", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client.Client{Status: tc.status, TokensValidAfter: stored}
			if got := c.SessionCurrent(tc.stamp); got != tc.want {
				t.Errorf("SessionCurrent(%q) = %v, want %v", tc.stamp, got, tc.want)
			}
		})
	}
}
