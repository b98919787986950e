// Command local serves the API on 127.0.0.1 through the same handlers as the
// Lambdas. Without AWS_ENDPOINT_URL_DYNAMODB it runs an embedded store,
// creates the table and seeds the demo clients.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"time"

	adminapi "github.com/outbound-caller/admin-api"
	"github.com/outbound-caller/admin-api/internal/app"
	"github.com/outbound-caller/admin-api/internal/auth"
	"github.com/outbound-caller/admin-api/internal/config"
	"github.com/outbound-caller/admin-api/internal/console"
	"github.com/outbound-caller/admin-api/internal/dev/gateway"
	"github.com/outbound-caller/admin-api/internal/dev/localdb"
	"github.com/outbound-caller/admin-api/internal/passhash"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, getenv func(string) string, out io.Writer) error {
	hasher, err := passhash.NewHasher(passhash.DefaultParams())
	if err != nil {
		return err
	}
	// A local run without ADMIN_PASSWORD_HASH signs the admin in with the
	// public development password, hashed here: the configuration never
	// holds a plain password, not even locally.
	devPassword := getenv("ADMIN_PASSWORD_HASH") == ""
	devHash := ""
	if devPassword {
		if devHash, err = hasher.Hash(config.DevAdminPassword); err != nil {
			return err
		}
	}
	env := func(k string) string {
		switch {
		case k == "ADMIN_JWT_SECRET" && getenv(k) == "" && getenv("ADMIN_JWKS_URL") == "":
			return config.DevSecret
		case k == "ADMIN_USERNAME" && getenv(k) == "":
			return config.DevAdminUsername
		case k == "ADMIN_PASSWORD_HASH" && devPassword:
			return devHash
		}
		return getenv(k)
	}
	cfg, err := config.FromEnv(env)
	if err != nil {
		return err
	}
	local, err := localdb.Open(ctx, getenv, cfg.TableName, hasher, out)
	if err != nil {
		return err
	}
	defer local.Close()
	if local.Seeded {
		fmt.Fprintln(out, "Seeded demo clients (public development secrets, local use only):")
		secrets := localdb.DemoSecrets()
		for _, c := range localdb.DemoClients(time.Now()) {
			fmt.Fprintf(out, "  clientId %s  clientSecret %s\n", c.ClientID, secrets[c.ClientID])
		}
	}
	h, err := app.NewHandler(ctx, cfg, local.DB, app.NewLogger(os.Stderr, cfg.LogLevel), passhash.DefaultParams())
	if err != nil {
		return err
	}
	if cfg.JWTSecret != "" {
		tok, err := auth.Issuer{Secret: []byte(cfg.JWTSecret), Issuer: cfg.Issuer, Audience: cfg.Audience}.
			Sign("local-admin", auth.RoleAdmin, 12*time.Hour)
		if err != nil {
			return err
		}
		if cfg.JWTSecret == config.DevSecret {
			fmt.Fprintln(out, "ADMIN_JWT_SECRET: the public development default (local use only)")
		}
		fmt.Fprintf(out, "Admin token (12 h):\n%s\n", tok)
		if devPassword {
			fmt.Fprintf(out, "Admin sign-in (development defaults, local use only): username %s  password %s\n",
				cfg.AdminUsername, config.DevAdminPassword)
		} else {
			fmt.Fprintf(out, "Admin sign-in: username %s, the password hashed in ADMIN_PASSWORD_HASH\n", cfg.AdminUsername)
		}
	}
	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	mux := http.NewServeMux()
	mux.Handle("/", gateway.New(h))
	mux.HandleFunc("GET /openapi.yaml", serveSpec)
	if err := mountConsole(mux); err != nil {
		return err
	}
	srv := &http.Server{
		Addr: "127.0.0.1:" + port, Handler: mux,
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(out, "Listening on http://%s (contract: /openapi.yaml)\n", srv.Addr)
	fmt.Fprintf(out, "Admin console: http://%s%s\n", srv.Addr, console.Prefix)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// mountConsole serves the admin console (internal/console) beside the API,
// on the same origin, as the deployed stack does.
func mountConsole(mux *http.ServeMux) error {
	site, err := console.New()
	if err != nil {
		return err
	}
	site.Mount(mux)
	return nil
}

// serveSpec serves the OpenAPI contract, e.g. for a Swagger UI or a client
// generator pointed at the local server.
func serveSpec(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(adminapi.OpenAPI())
}
