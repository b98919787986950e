package auth

import (
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Issuer signs HS256 tokens: for local development (make token) and for the
// sign-in routes.
type Issuer struct {
	Secret   []byte
	Issuer   string
	Audience string
	Now      func() time.Time
}

// Sign returns a token for subject with role, valid for ttl.
func (i Issuer) Sign(subject, role string, ttl time.Duration) (string, error) {
	return i.sign(subject, map[string]any{"role": role}, ttl)
}

// SignAdmin returns an admin token for subject granting scopes, valid for
// ttl: without a scope claim when scopes is FullAccess, else with the
// scope claim listing exactly its names (an empty string for none).
func (i Issuer) SignAdmin(subject string, scopes Scopes, ttl time.Duration) (string, error) {
	claims := map[string]any{"role": RoleAdmin}
	if !scopes.Full() {
		claims[ScopeClaim] = scopes.String()
	}
	return i.sign(subject, claims, ttl)
}

// SignClient returns a client token for clientID, issued under session (the
// client's tokensValidAfter stamp), valid for ttl.
func (i Issuer) SignClient(clientID, session string, ttl time.Duration) (string, error) {
	return i.sign(clientID, map[string]any{"role": RoleClient, "clientId": clientID, SessionClaim: session}, ttl)
}

func (i Issuer) sign(subject string, claims map[string]any, ttl time.Duration) (string, error) {
	now := time.Now
	if i.Now != nil {
		now = i.Now
	}
	t := now()
	b := jwt.NewBuilder().Subject(subject).IssuedAt(t).Expiration(t.Add(ttl))
	for k, v := range claims {
		b = b.Claim(k, v)
	}
	if i.Issuer != "" {
		b = b.Issuer(i.Issuer)
	}
	if i.Audience != "" {
		b = b.Audience([]string{i.Audience})
	}
	tok, err := b.Build()
	if err != nil {
		return "", fmt.Errorf("auth: build token: %w", err)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.HS256, i.Secret))
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return string(signed), nil
}
