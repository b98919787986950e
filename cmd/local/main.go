// Command local serves the API on 127.0.0.1 through the same handlers as the
// Lambdas, behind a stand-in for API Gateway (events, CORS as template.yaml
// configures it). Without AWS_ENDPOINT_URL_DYNAMODB it runs an embedded
// store, creates the table and seeds the demo clients.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	adminapi "github.com/outbound-caller/admin-api"
	"github.com/outbound-caller/admin-api/internal/eventsource"
	"github.com/outbound-caller/admin-api/internal/gateway"
	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/app"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/console"
	"github.com/outbound-caller/admin-api/pkg/history"
	"github.com/outbound-caller/admin-api/pkg/passhash"
	"github.com/outbound-caller/admin-api/pkg/store"
)

func main() {
	// Ctrl-C (and SIGTERM) stop the server cleanly; once stopping, the
	// default action is back, so a second Ctrl-C ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// listen binds the port before anything else happens, so that a clash is
// the first and only thing a newcomer reads, with the way out.
func listen(port string) (net.Listener, error) {
	addr := net.JoinHostPort("127.0.0.1", port)
	l, err := net.Listen("tcp", addr)
	if err == nil {
		return l, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		if free := nextFreePort(port); free != "" {
			return nil, fmt.Errorf("port %s is in use; run PORT=%s make run", port, free)
		}
		return nil, fmt.Errorf("port %s is in use; choose another with PORT=<port> make run", port)
	}
	return nil, fmt.Errorf("cannot listen on %s (PORT=%s): %v", addr, port, err)
}

// nextFreePort is the first of the ten ports after port that can be bound
// now, or "" when none can.
func nextFreePort(port string) string {
	n, err := strconv.Atoi(port)
	if err != nil {
		return ""
	}
	for p := n + 1; p <= n+10 && p < 65536; p++ {
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p))); err == nil {
			l.Close()
			return strconv.Itoa(p)
		}
	}
	return ""
}

func run(ctx context.Context, getenv func(string) string, out io.Writer) error {
	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	ln, err := listen(port)
	if err != nil {
		return err
	}
	defer ln.Close()
	// Ctrl-C while the store starts is a stop, not a failure.
	if err := serve(ctx, getenv, out, ln); err != nil && ctx.Err() == nil {
		return err
	}
	fmt.Fprintln(out, "Stopped.")
	return nil
}

func serve(ctx context.Context, getenv func(string) string, out io.Writer, ln net.Listener) error {
	cors, err := gateway.CORSFromTemplate(adminapi.Template())
	if err != nil {
		return err
	}
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
	// And a read-only account beside the full admin (issue 21), unless
	// ADMIN_ACCOUNTS says which accounts there are: its password is drawn
	// for this run and printed, so that nobody comes to rely on one.
	support, err := supportAccount(getenv, hasher)
	if err != nil {
		return err
	}
	env := func(k string) string {
		switch {
		case k == "ADMIN_ACCOUNTS" && support.accounts != "":
			return support.accounts
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
	// The demo clients' secrets are hashed as the service hashes client
	// secrets (keyed HMAC), so their sign-ins take the fast path at once.
	secrets, err := app.SecretHasher(cfg)
	if err != nil {
		return err
	}
	local, err := localdb.Open(ctx, getenv, cfg.TableName, secrets, out)
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
	h, err := app.NewHandler(ctx, cfg, local.DB, app.NewLogger(os.Stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	if err := startHistory(ctx, local, cfg); err != nil {
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
		if support.password != "" {
			fmt.Fprintf(out, "Read-only sign-in (scope %s; password drawn for this run): username %s  password %s\n",
				auth.ScopeReadClients, supportUsername, support.password)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/", gateway.WithCORS(cors, gateway.New(h)))
	mux.HandleFunc("GET /openapi.yaml", serveSpec)
	mux.HandleFunc("GET /{$}", serveIndex)
	if err := mountConsole(mux); err != nil {
		return err
	}
	// The embedded store lives in this process: serving it beside the API
	// (on 127.0.0.1 only, like the API) lets other tools on this machine
	// use it. GET says which store and table this run uses, embedded or
	// not: make migrate finds them there with nothing configured.
	store := local.Endpoint
	if local.Store != nil {
		mux.Handle("POST "+localdb.StorePath, local.Store)
		store = "http://" + ln.Addr().String() + localdb.StorePath
	}
	mux.HandleFunc("GET "+localdb.StorePath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"endpoint": store, "tableName": cfg.TableName})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		fmt.Fprintln(out, "Shutting down: finishing requests in flight (Ctrl-C again to force)…")
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// "Listening on" is the last line: the server serves from here on (the
	// docs test waits for it).
	fmt.Fprintf(out, "store: AWS_ENDPOINT_URL_DYNAMODB=%s TABLE_NAME=%s\n", store, cfg.TableName)
	fmt.Fprintf(out, "Admin console: http://%s%s\n", ln.Addr(), console.Prefix)
	fmt.Fprintf(out, "Listening on http://%s (contract: /openapi.yaml; Ctrl-C stops)\n", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	<-stopped
	return nil
}

// mountConsole serves the admin console (pkg/console) beside the API,
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

// serveIndex answers GET / (which the API itself does not route: a JSON 404
// there told a newcomer nothing) with where to go: the console, the
// contract and the docs. A browser gets links, anything else JSON.
func serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Outbound Caller Admin API (local)</title></head>
<body><h1>Outbound Caller Admin API — local</h1><ul>
<li><a href="`+console.Prefix+`">Admin console</a></li>
<li><a href="/openapi.yaml">The contract (openapi.yaml)</a></li>
<li>The docs: README.md and docs/api.md in the repository</li>
</ul></body></html>
`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"message":"Outbound Caller Admin API (local). The routes are under /admin, /auth and /secure.","console":%q,"contract":"/openapi.yaml","docs":"README.md and docs/api.md in the repository"}`+"\n", console.Prefix)
}

// supportUsername is the read-only account make run seeds.
const supportUsername = "support"

// seededSupport is the read-only account of a local run: its password and
// the ADMIN_ACCOUNTS list that holds its hash ("" for both when none is
// seeded).
type seededSupport struct {
	password, accounts string
}

// supportAccount draws the support account's password and hashes it, as
// the service hashes admin passwords. None is seeded when ADMIN_ACCOUNTS
// is set (the accounts are then the caller's) or when ADMIN_USERNAME
// already takes the name.
func supportAccount(getenv func(string) string, hasher *passhash.Hasher) (seededSupport, error) {
	if getenv("ADMIN_ACCOUNTS") != "" || getenv("ADMIN_USERNAME") == supportUsername {
		return seededSupport{}, nil
	}
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		return seededSupport{}, err
	}
	password := base64.RawURLEncoding.EncodeToString(raw)
	hash, err := hasher.Hash(password)
	if err != nil {
		return seededSupport{}, err
	}
	accounts, err := json.Marshal([]map[string]any{
		{"username": supportUsername, "passwordHash": hash, "scopes": []string{auth.ScopeReadClients}},
	})
	if err != nil {
		return seededSupport{}, err
	}
	return seededSupport{password: password, accounts: string(accounts)}, nil
}

// startHistory runs the history writer on the table's stream, as Lambda
// runs HistoryWriterFunction: polled every quarter second, so that a
// change is in its client's history well within a second.
func startHistory(ctx context.Context, local *localdb.Local, cfg config.Config) error {
	streams, err := localdb.StreamsClient(ctx, local.Endpoint)
	if err != nil {
		return err
	}
	st := store.New(local.DB, cfg.TableName, nil)
	st.HistoryRetention = cfg.HistoryRetention
	log := app.NewLogger(os.Stderr, cfg.LogLevel)
	w := &history.Writer{Events: st, Log: log}
	m := &eventsource.Mapping{Streams: streams, Table: cfg.TableName, Handler: w.Handle, MaxRetries: -1, Log: log}
	go m.Run(ctx, 250*time.Millisecond)
	return nil
}
