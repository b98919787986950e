// Command token prints a signed token for local use: an admin token by
// default, a client token with -role client.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/config"
)

func main() {
	role := flag.String("role", auth.RoleAdmin, "role claim: admin or client")
	sub := flag.String("sub", "", "subject (default: local-admin, or the client id for client tokens)")
	clientID := flag.String("client", "client_12345abcde", "clientId claim of a client token")
	ttl := flag.Duration("ttl", 12*time.Hour, "lifetime")
	flag.Parse()

	secret := os.Getenv("ADMIN_JWT_SECRET")
	if secret == "" {
		secret = config.DevSecret
		fmt.Fprintln(os.Stderr, "token: signing with the public development secret (local use only)")
	}
	s, id := *sub, ""
	switch *role {
	case auth.RoleAdmin:
		if s == "" {
			s = "local-admin"
		}
	case auth.RoleClient:
		id = *clientID
		if s == "" {
			s = id
		}
	default:
		fmt.Fprintln(os.Stderr, "token: -role must be admin or client")
		os.Exit(2)
	}
	tok, err := auth.Issuer{Secret: []byte(secret), Issuer: os.Getenv("JWT_ISSUER"), Audience: os.Getenv("JWT_AUDIENCE")}.Sign(s, *role, id, *ttl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
	fmt.Println(tok)
}
