// Command token prints a signed token for local use: an admin token by
// default, a client token with -role client. With -secret-id it signs with
// a deployment's secret, read from Secrets Manager (the first admin token
// of a stack without admin sign-in). With -scope an admin token grants only
// the scopes it names (issue 21); without it, every scope.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/secretsdoc"
)

func main() {
	role := flag.String("role", auth.RoleAdmin, "role claim: admin or client")
	sub := flag.String("sub", "", "subject of an admin token (default: local-admin)")
	clientID := flag.String("client", "client_12345abcde", "clientId (and sub) of a client token")
	session := flag.String("session", client.FormatTime(localdb.SeedStamp()),
		"session claim of a client token: the client's tokensValidAfter (default: the demo clients' seed stamp)")
	ttl := flag.Duration("ttl", 12*time.Hour, "lifetime")
	scope := flag.String("scope", "", `scopes of an admin token, space-separated (e.g. "read:clients"); absent: full access, "" : none`)
	secretID := flag.String("secret-id", "", "sign with the secret of a deployment: its Secrets Manager name or ARN (AWS credentials from the environment)")
	flag.Parse()
	scoped := false
	flag.Visit(func(f *flag.Flag) { scoped = scoped || f.Name == "scope" })

	getenv := os.Getenv
	if *secretID != "" {
		s, err := deployed(*secretID)
		if err != nil {
			fmt.Fprintln(os.Stderr, "token:", err)
			os.Exit(1)
		}
		// The document's keys stand in for the variables below.
		getenv = func(k string) string {
			return map[string]string{"ADMIN_JWT_SECRET": s.JWTSecret, "CLIENT_JWT_SECRET": s.ClientJWTSecret}[k]
		}
	}

	iss := auth.Issuer{Issuer: os.Getenv("JWT_ISSUER"), Audience: os.Getenv("JWT_AUDIENCE")}
	var tok string
	var err error
	switch *role {
	case auth.RoleAdmin:
		iss.Secret = []byte(secret(getenv, *secretID == "", "ADMIN_JWT_SECRET"))
		s := *sub
		if s == "" {
			s = "local-admin"
		}
		grant := auth.FullAccess()
		if scoped {
			names := strings.Fields(*scope)
			for _, n := range names {
				if !auth.KnownScope(n) {
					// The API ignores it: say so rather than mint a surprise.
					fmt.Fprintf(os.Stderr, "token: %q is not a scope of this API (known: %s); it grants nothing\n", n, strings.Join(auth.APIScopes(), ", "))
				}
			}
			grant = auth.Only(names...)
		}
		tok, err = iss.SignAdmin(s, grant, *ttl)
	case auth.RoleClient:
		// Client tokens are signed with CLIENT_JWT_SECRET when it is set,
		// as the service does.
		iss.Secret = []byte(secret(getenv, *secretID == "", "CLIENT_JWT_SECRET", "ADMIN_JWT_SECRET"))
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

// secret returns the first of the named variables that is set, else the
// public development secret when dev allows it (never for a deployment's
// secret: a token signed with it would only be refused there).
func secret(getenv func(string) string, dev bool, names ...string) string {
	for _, n := range names {
		if s := getenv(n); s != "" {
			return s
		}
	}
	if !dev {
		fmt.Fprintln(os.Stderr, "token: the deployment's secret has no key for this role (with an identity provider, admin tokens come from it)")
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "token: signing with the public development secret (local use only)")
	return config.DevSecret
}

// deployed reads a deployment's secrets as its functions do at cold start.
func deployed(id string) (config.Secrets, error) {
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return config.Secrets{}, err
	}
	return secretsdoc.Load(ctx, secretsdoc.NewClient(cfg, os.Getenv), id)
}
