// Package testkit is what the test suites share: the whole API assembled
// for a test (Env: the real handlers behind a loopback server, on the
// embedded store or an emulator, with DynamoDB fault injection and a
// table snapshot), the demo clients as named constants, the one JWT
// builder of the tests and the bearer header, an identity provider's JWKS
// fixture, a hasher that counts its verifications, a free port and the
// output audit of a suite. It is a non-test package so that the tests of
// every package can import it; no production code does.
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
