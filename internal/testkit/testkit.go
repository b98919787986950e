// Package testkit is what the test suites share: the demo clients as named
// constants, token builders and the bearer header, an identity provider's
// JWKS fixture, and a hasher that counts its verifications. It is a
// non-test package so that the tests of every package can import it; no
// production code does.
package testkit

import (
	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/client"
)

// The demo clients seeded by localdb.SeedWithSecrets.
const (
	JohnID     = localdb.JohnID
	JaneID     = localdb.JaneID
	JohnSecret = localdb.JohnSecret
	JaneSecret = localdb.JaneSecret
	// JohnPath and JanePath are the demo clients' admin resources.
	JohnPath = "/admin/clients/" + JohnID
	JanePath = "/admin/clients/" + JaneID
)

// SeedSession is the session stamp (tokensValidAfter) of a freshly seeded
// demo client, as a client token carries it.
func SeedSession() string { return client.FormatTime(localdb.SeedStamp()) }
