package auth_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/auth"
)

// TestScopesFromClaims: what the scope and permissions claims grant, read
// from verified tokens in HS256 and JWKS mode (and the cached path).
func TestScopesFromClaims(t *testing.T) {
	all := auth.APIScopes()
	cases := []struct {
		name   string
		claims map[string]any // added to a valid admin token
		grants []string       // the API scopes granted
		full   bool
	}{
		{"no claim: every scope, as before scopes", nil, all, true},
		{"scope naming one", map[string]any{"scope": "read:clients"}, []string{"read:clients"}, false},
		{"scope naming several, any white space", map[string]any{"scope": " read:clients\tdelete:clients  "}, []string{"read:clients", "delete:clients"}, false},
		{"empty scope string grants nothing", map[string]any{"scope": ""}, nil, false},
		{"OIDC scopes only grant nothing", map[string]any{"scope": "openid profile email"}, nil, false},
		{"unknown names are ignored", map[string]any{"scope": "openid read:clients write:everything"}, []string{"read:clients"}, false},
		{"names are exact (case)", map[string]any{"scope": "READ:clients Read:Clients"}, nil, false},
		{"permissions only", map[string]any{"permissions": []string{"update:clients", "create:clients"}}, []string{"update:clients", "create:clients"}, false},
		{"empty permissions grant nothing", map[string]any{"permissions": []string{}}, nil, false},
		{"both: their union", map[string]any{"scope": "read:clients", "permissions": []string{"update:client_secrets"}}, []string{"read:clients", "update:client_secrets"}, false},
		{"both empty grant nothing", map[string]any{"scope": "", "permissions": []string{}}, nil, false},
		{"scope of another type grants nothing", map[string]any{"scope": []string{"read:clients"}}, nil, false},
		{"null scope grants nothing", map[string]any{"scope": nil}, nil, false},
		{"permissions of another type grant nothing", map[string]any{"permissions": "read:clients"}, nil, false},
		{"permissions with a non-string grant nothing", map[string]any{"permissions": []any{"read:clients", 1}}, nil, false},
		{"a bad permissions claim leaves scope's names", map[string]any{"scope": "delete:clients", "permissions": 7}, []string{"delete:clients"}, false},
	}
	f := testkit.NewJWKS(t)
	modes := []struct {
		name string
		cfg  auth.Config
		sign func(t *testing.T, c map[string]any) string
	}{
		{"HS256", auth.Config{Secret: secret}, func(t *testing.T, c map[string]any) string { return testkit.SignJWT(t, jwa.HS256, secret, c, nil) }},
		{"JWKS RS256", auth.Config{JWKSURL: f.URL}, func(t *testing.T, c map[string]any) string {
			return testkit.SignJWT(t, jwa.RS256, f.RSA, c, map[string]any{jws.KeyIDKey: testkit.KidRSA})
		}},
	}
	for _, m := range modes {
		k := authorizer(newVerifier(t, m.cfg))
		for _, tc := range cases {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				c := map[string]any{"sub": "admin-1", "role": "admin", "exp": now.Add(time.Hour).Unix()}
				for n, v := range tc.claims {
					c[n] = v
				}
				tok := m.sign(t, c)
				for i := range 2 { // the second sight is the cached one in HS256 mode
					got, err := k.Authorize("Bearer "+tok, auth.RoleAdmin)
					if err != nil {
						t.Fatalf("sight %d: %v", i+1, err)
					}
					var granted []string
					for _, s := range all {
						if got.Scopes.Grants(s) {
							granted = append(granted, s)
						}
					}
					slices.Sort(granted)
					want := slices.Sorted(slices.Values(tc.grants))
					if !slices.Equal(granted, want) || got.Scopes.Full() != tc.full {
						t.Errorf("sight %d: grants %v (full %v), want %v (full %v)", i+1, granted, got.Scopes.Full(), want, tc.full)
					}
					if got.Scopes.Grants("") != tc.full {
						t.Errorf("sight %d: Grants(\"\") = %v", i+1, !tc.full)
					}
				}
			})
		}
	}
}

// TestSignAdmin: the issuer writes the scope claim exactly when the grant
// is limited, and what it writes reads back as the same grant.
func TestSignAdmin(t *testing.T) {
	v := authorizer(newVerifier(t, auth.Config{Secret: secret}))
	is := auth.Issuer{Secret: secret, Now: func() time.Time { return now }}
	for _, tc := range []struct {
		name   string
		scopes auth.Scopes
		claim  any // the scope claim written; nil: none
	}{
		{"full access: no claim", auth.FullAccess(), nil},
		{"one scope", auth.Only("read:clients"), "read:clients"},
		{"several", auth.Only("read:clients", "update:clients"), "read:clients update:clients"},
		{"none: an empty claim", auth.Only(), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := is.SignAdmin("support", tc.scopes, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := jws.Parse([]byte(tok))
			if err != nil {
				t.Fatal(err)
			}
			var payload map[string]any
			if err := json.Unmarshal(raw.Payload(), &payload); err != nil {
				t.Fatal(err)
			}
			if got, ok := payload["scope"]; got != tc.claim || ok != (tc.claim != nil) {
				t.Errorf("scope claim = %v (present %v), want %v", got, ok, tc.claim)
			}
			c, err := v.Authorize("Bearer "+tok, auth.RoleAdmin)
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != "support" || c.Scopes.Full() != tc.scopes.Full() || !slices.Equal(c.Scopes.Names(), tc.scopes.Names()) {
				t.Errorf("claims = %+v, want scopes %+v", c, tc.scopes)
			}
		})
	}
}
