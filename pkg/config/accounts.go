package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/passhash"
)

// accountJSON is one entry of the adminAccounts list:
//
//	{"username": "support", "passwordHash": "$argon2id$…", "scopes": ["read:clients"]}
//
// Scopes is kept raw to tell an absent list (full access, as the single
// adminUsername/adminPasswordHash account has) from an empty one (nothing).
type accountJSON struct {
	Username     string          `json:"username"`
	PasswordHash string          `json:"passwordHash"`
	Scopes       json.RawMessage `json:"scopes"`
}

// Admins lists the admin accounts that may sign in: the single
// ADMIN_USERNAME / ADMIN_PASSWORD_HASH pair first (full access, as
// before accounts had scopes), then the adminAccounts list in its order.
// Errors name the entry and the key, never a hash.
func (c Config) Admins() ([]auth.AdminAccount, error) {
	var out []auth.AdminAccount
	if c.AdminUsername != "" && c.AdminPasswordHash != "" {
		out = append(out, auth.AdminAccount{Username: c.AdminUsername, PasswordHash: c.AdminPasswordHash, Scopes: auth.FullAccess()})
	}
	if strings.TrimSpace(c.AdminAccounts) == "" {
		return out, nil
	}
	var list []accountJSON
	dec := json.NewDecoder(strings.NewReader(c.AdminAccounts))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil || dec.More() {
		// encoding/json's messages may quote the text: say where only.
		return nil, errors.New("config: adminAccounts (ADMIN_ACCOUNTS) must be a JSON list of {\"username\", \"passwordHash\", \"scopes\"} objects" + unknownKey(err))
	}
	seen := map[string]bool{}
	for _, a := range out {
		seen[a.Username] = true
	}
	for i, a := range list {
		where := fmt.Sprintf("config: adminAccounts[%d]", i)
		if a.Username == "" {
			return nil, errors.New(where + " has no username")
		}
		where += fmt.Sprintf(" (%q)", a.Username)
		if seen[a.Username] {
			return nil, errors.New(where + ": the username is already an account (ADMIN_USERNAME or an earlier entry)")
		}
		seen[a.Username] = true
		if !passhash.Valid(a.PasswordHash) {
			return nil, errors.New(where + ": passwordHash is not an argon2id or bcrypt hash (make hash-password prints one)")
		}
		scopes, err := accountScopes(a.Scopes)
		if err != nil {
			return nil, errors.New(where + ": " + err.Error())
		}
		out = append(out, auth.AdminAccount{Username: a.Username, PasswordHash: a.PasswordHash, Scopes: scopes})
	}
	return out, nil
}

// accountScopes reads an account's scopes: absent is full access, a list
// grants exactly its names. Unlike a token's claim, a name this API does
// not know is refused: here it is a typo that would silently take a right
// away, and the cold start is the place to say so.
func accountScopes(raw json.RawMessage) (auth.Scopes, error) {
	if len(raw) == 0 {
		return auth.FullAccess(), nil
	}
	var names []string
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &names) != nil {
		return auth.Scopes{}, errors.New("scopes must be a list of scope names (leave it out for full access)")
	}
	for _, n := range names {
		if !auth.KnownScope(n) {
			return auth.Scopes{}, fmt.Errorf("unknown scope %q (known: %s)", n, strings.Join(auth.APIScopes(), ", "))
		}
	}
	return auth.Only(names...), nil
}

// unknownKey names the key of an "unknown field" error (a key name is
// safe to repeat; the rest of a decoding error may not be).
func unknownKey(err error) string {
	if err != nil && strings.HasPrefix(err.Error(), "json: unknown field ") {
		return "; unknown key " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return ""
}
