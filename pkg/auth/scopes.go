package auth

import (
	"slices"
	"strings"
)

// The scopes of this API (issue 21): what an admin token may be limited to,
// one per kind of action, named as Auth0's Management API names its own.
const (
	ScopeReadClients         = "read:clients"
	ScopeCreateClients       = "create:clients"
	ScopeUpdateClients       = "update:clients"
	ScopeDeleteClients       = "delete:clients"
	ScopeUpdateClientSecrets = "update:client_secrets"
)

// APIScopes lists every scope of this API, in the order the docs show them.
func APIScopes() []string {
	return []string{ScopeReadClients, ScopeCreateClients, ScopeUpdateClients, ScopeDeleteClients, ScopeUpdateClientSecrets}
}

// KnownScope reports whether name is a scope of this API.
func KnownScope(name string) bool { return slices.Contains(APIScopes(), name) }

// Claims carried by scoped tokens: scope is a string of space-separated
// names (RFC 9068 §2.2.3, RFC 8693 §4.2), permissions an array of names (as
// Auth0 issues them when RBAC adds permissions to access tokens).
const (
	ScopeClaim       = "scope"
	PermissionsClaim = "permissions"
)

// Scopes are what an admin token grants. A token that carries neither a
// scope nor a permissions claim grants every scope, as every admin token
// did before scopes existed; a token that carries either grants exactly
// the names they hold together (their union), and nothing more, whatever
// else they name: an empty scope string, or an identity provider's
// "openid profile", grants nothing.
type Scopes struct {
	listed bool
	names  []string
}

// FullAccess is what a token without scope or permissions grants.
func FullAccess() Scopes { return Scopes{} }

// Only is a grant of exactly names (none, when there are none).
func Only(names ...string) Scopes { return Scopes{listed: true, names: slices.Clone(names)} }

// Full reports whether s grants every scope (no claim listed any).
func (s Scopes) Full() bool { return !s.listed }

// Grants reports whether s allows the action that scope names.
func (s Scopes) Grants(scope string) bool {
	return !s.listed || (scope != "" && slices.Contains(s.names, scope))
}

// Names are the names s lists, as given (nil for full access).
func (s Scopes) Names() []string { return slices.Clone(s.names) }

// String is the scope claim's value: the names joined by spaces.
func (s Scopes) String() string { return strings.Join(s.names, " ") }
