package api_test

import (
	"net/http"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/config"
)

// TestIdentityProviderTokensNeedThisAPIsScopes holds what docs/security.md
// tells Auth0 and Cognito users (issue 21): in JWKS mode a provider's token
// with role admin and only OIDC scopes grants nothing (no fallback to full
// access), Auth0's permissions array and plain scope names grant what they
// name, and Cognito's resource-server scopes (<identifier>/<name>) are not
// this API's names, so alone they grant nothing.
func TestIdentityProviderTokensNeedThisAPIsScopes(t *testing.T) {
	k := testkit.NewJWKS(t)
	e := testkit.Seeded(t, func(c *config.Config) {
		c.JWTSecret, c.JWKSURL, c.SecretHashKey = "", k.URL, "jwks-only-secret-hash-key-0123456789abcdef"
		c.ClientJWTSecret = testkit.TokenSecret
	})
	const missing = `{"error":"Forbidden","message":"Missing scope: read:clients","statusCode":403}`
	for _, tc := range []struct {
		name   string
		claims map[string]any
		status int
	}{
		{"role admin and no scope claim: full access, as before scopes", nil, 200},
		{"OIDC scopes only: nothing", map[string]any{"scope": "openid profile email"}, 403},
		{"Auth0: OIDC scopes and the permissions array", map[string]any{"scope": "openid profile", "permissions": []string{"read:clients"}}, 200},
		{"Auth0: an empty permissions array", map[string]any{"scope": "openid profile", "permissions": []string{}}, 403},
		{"plain names in scope", map[string]any{"scope": "openid read:clients"}, 200},
		{"Cognito: resource-server scopes alone", map[string]any{"scope": "openid https://admin-api.example.com/read:clients"}, 403},
		{"Cognito with a pre token generation trigger's permissions", map[string]any{
			"scope": "openid https://admin-api.example.com/read:clients", "token_use": "access", "client_id": "abc", "permissions": []string{"read:clients"},
		}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := testkit.Token(t, jwa.RS256, k.PrivateJWK(t, testkit.KidRSA), func(b *jwt.Builder) *jwt.Builder {
				for name, v := range tc.claims {
					b = b.Claim(name, v)
				}
				return b
			})
			e.Calls()
			r := e.Do(t, http.MethodGet, "/admin/clients", "", testkit.AuthHeader(tok)...)
			if r.Status != tc.status || (tc.status == 403 && r.Body != missing) {
				t.Fatalf("got %d %s, want %d", r.Status, r.Body, tc.status)
			}
			if calls := e.Calls(); tc.status == 403 && len(calls) != 0 {
				t.Errorf("a 403 made DynamoDB calls: %v", calls)
			}
		})
	}
}
