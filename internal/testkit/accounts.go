package testkit

import (
	"encoding/json"
	"testing"

	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/passhash"
)

// Account is an admin account a test signs in with (issue 21): Scopes nil
// is full access (no scopes key), an empty non-nil list grants nothing.
type Account struct {
	Username, Password string
	Scopes             []string
}

// Support is the read-only account make run seeds, as tests sign in with it.
func Support() Account {
	return Account{Username: "support", Password: "support-test-password", Scopes: []string{"read:clients"}}
}

// WithAccounts configures accounts as the adminAccounts list (beside the
// full admin every Env has), their passwords hashed at the tests' cost.
func WithAccounts(tb testing.TB, accounts ...Account) Option {
	tb.Helper()
	h, err := passhash.NewHasher(FastHashing())
	if err != nil {
		tb.Fatal(err)
	}
	type entry struct {
		Username     string    `json:"username"`
		PasswordHash string    `json:"passwordHash"`
		Scopes       *[]string `json:"scopes,omitempty"`
	}
	list := make([]entry, 0, len(accounts))
	for _, a := range accounts {
		hash, err := h.Hash(a.Password)
		if err != nil {
			tb.Fatal(err)
		}
		e := entry{Username: a.Username, PasswordHash: hash}
		if a.Scopes != nil {
			e.Scopes = &a.Scopes
		}
		list = append(list, e)
	}
	doc, err := json.Marshal(list)
	if err != nil {
		tb.Fatal(err)
	}
	return func(c *config.Config) { c.AdminAccounts = string(doc) }
}
