package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/auth"
)

// TestRefusedTokensSayWhy holds every 401 of a bearer route to RFC 6750
// §3: WWW-Authenticate names the Bearer scheme, with error="invalid_token"
// and an error_description that tells an expired token from an invalid
// one when a token was sent, and no error code when none was (§3.1). The
// body stays the original's, and the request's log line records the
// reason.
func TestRefusedTokensSayWhy(t *testing.T) {
	e := testkit.Seeded(t)
	expiredClient, err := e.Issuer.SignClient(testkit.JohnID, testkit.SeedSession(), -time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expiredAdmin, err := e.Issuer.Sign("admin-tester", auth.RoleAdmin, -time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := e.Issuer.SignClient(testkit.JohnID, "2024-12-31T23:59:59.999Z", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey := testkit.Signed(t, auth.Issuer{Secret: []byte(strings.Repeat("k", 32))}, "admin-tester", map[string]any{"role": auth.RoleAdmin})
	const (
		invalid = `Bearer error="invalid_token", error_description="The access token is invalid"`
		expired = `Bearer error="invalid_token", error_description="The access token expired"`
		revoked = `Bearer error="invalid_token", error_description="The access token was revoked"`
	)
	for _, tc := range []struct {
		name, path, header string
		challenge, reason  string
		body               string
	}{
		{"no token", "/secure/client", "", `Bearer`, "missing", `{"error":"Unauthorized","message":"Missing bearer token","statusCode":401}`},
		{"not a JWT", "/secure/client", "Bearer nonsense", invalid, "invalid", invalidToken},
		{"another scheme", "/admin/clients", "Basic YWRtaW46YWRtaW4=", invalid, "invalid", invalidToken},
		{"signed with another key", "/admin/clients", "Bearer " + wrongKey, invalid, "invalid", invalidToken},
		{"expired client token", "/secure/client", "Bearer " + expiredClient, expired, "expired", invalidToken},
		{"expired admin token", "/admin/clients", "Bearer " + expiredAdmin, expired, "expired", invalidToken},
		{"revoked client token", "/secure/client", "Bearer " + stale, revoked, "revoked", invalidToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			if tc.header != "" {
				h = []string{"Authorization", tc.header}
			}
			before := len(e.Logs.String())
			r := e.Do(t, http.MethodGet, tc.path, "", h...)
			if r.Status != 401 || r.Body != tc.body {
				t.Errorf("got %d %s", r.Status, r.Body)
			}
			if got := r.Header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
			var line map[string]any
			if err := json.Unmarshal([]byte(strings.TrimSpace(e.Logs.String()[before:])), &line); err != nil {
				t.Fatalf("log line: %v", err)
			}
			if line["authError"] != tc.reason {
				t.Errorf("log line's authError = %v, want %s: %v", line["authError"], tc.reason, line)
			}
		})
	}
}
