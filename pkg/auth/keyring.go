package auth

import (
	"errors"
	"slices"
)

// Keyring authorizes with several verifiers, each vouching for the roles
// whose tokens it may accept. It lets admin tokens come from one key (an
// identity provider's JWKS, say) and client tokens from another (the
// service's own HS256 secret) while a token of the wrong role is still a
// 403, not a 401. A token is only ever trusted for a role its key vouches
// for: a client-token key can never mint an admin token.
type Keyring struct {
	entries []keyringEntry
}

type keyringEntry struct {
	v     *Verifier
	roles []string // nil: any role
}

// Add registers v for roles; no roles means v vouches for every role (one
// key for all tokens).
func (k *Keyring) Add(v *Verifier, roles ...string) {
	k.entries = append(k.entries, keyringEntry{v: v, roles: roles})
}

// Authorize reads the Authorization header, finds the verifier that accepts
// the token for the role it claims, and checks that the role is exactly
// role. The verifier vouching for role is tried first, so the common case
// costs one signature check.
func (k *Keyring) Authorize(header, role string) (Claims, error) {
	tok, err := BearerToken(header)
	if err != nil {
		return Claims{}, err
	}
	order := make([]keyringEntry, 0, len(k.entries))
	for _, e := range k.entries {
		if e.vouches(role) {
			order = append(order, e)
		}
	}
	for _, e := range k.entries {
		if !e.vouches(role) {
			order = append(order, e)
		}
	}
	refusal := ErrInvalidToken
	for _, e := range order {
		c, err := e.v.Verify(tok)
		if errors.Is(err, ErrExpiredToken) {
			// Signed by a key of ours: the expiry is the reason.
			refusal = ErrExpiredToken
		}
		if err != nil || !e.vouches(c.Role) {
			continue
		}
		if c.Role != role {
			return c, ErrForbidden
		}
		return c, nil
	}
	return Claims{}, refusal
}

func (e keyringEntry) vouches(role string) bool {
	return e.roles == nil || slices.Contains(e.roles, role)
}
