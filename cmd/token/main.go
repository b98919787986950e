// Command token prints a signed token for local use: an admin token by
// default, a client token with -role client.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/localdb"
)

func main() {
	role := flag.String("role", auth.RoleAdmin, "role claim: admin or client")
	sub := flag.String("sub", "", "subject of an admin token (default: local-admin)")
	clientID := flag.String("client", "client_12345abcde", "clientId (and sub) of a client token")
	session := flag.String("session", client.FormatTime(localdb.SeedStamp()),
		"session claim of a client token: the client's tokensValidAfter (default: the demo clients' seed stamp)")
	ttl := flag.Duration("ttl", 12*time.Hour, "lifetime")
	flag.Parse()

	iss := auth.Issuer{Issuer: os.Getenv("JWT_ISSUER"), Audience: os.Getenv("JWT_AUDIENCE")}
	var tok string
	var err error
	switch *role {
	case auth.RoleAdmin:
		iss.Secret = []byte(secret("ADMIN_JWT_SECRET"))
		s := *sub
		if s == "" {
			s = "local-admin"
		}
		tok, err = iss.Sign(s, auth.RoleAdmin, "", *ttl)
	case auth.RoleClient:
		// Client tokens are signed with CLIENT_JWT_SECRET when it is set,
		// as the service does.
		iss.Secret = []byte(secret("CLIENT_JWT_SECRET", "ADMIN_JWT_SECRET"))
		tok, err = iss.SignClient(*clientID, *session, *ttl)
	default:
		fmt.Fprintln(os.Stderr, "token: -role must be admin or client")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}

// secret returns the first of the named variables that is set, or the
// public development secret.
func secret(names ...string) string {
	for _, n := range names {
		if s := os.Getenv(n); s != "" {
			return s
		}
	}
	fmt.Fprintln(os.Stderr, "token: signing with the public development secret (local use only)")
	return config.DevSecret
}
