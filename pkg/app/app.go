// Package app wires a process: configuration, logger, DynamoDB client,
// store, verifier and handler. Lambda entry points and local tools share it
// so that they run the same code.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
	appconfig "github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/cursor"
	"github.com/outbound-caller/admin-api/pkg/history"
	"github.com/outbound-caller/admin-api/pkg/metrics"
	"github.com/outbound-caller/admin-api/pkg/passhash"
	"github.com/outbound-caller/admin-api/pkg/secretsdoc"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// NewLogger returns the JSON logger every process uses.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// NewHandler builds the route handler from cfg over db.
func NewHandler(ctx context.Context, cfg appconfig.Config, db store.API, log *slog.Logger) (*api.Handler, error) {
	keys, signIn, err := tokens(ctx, cfg)
	if err != nil {
		return nil, err
	}
	hasher, err := SecretHasher(cfg)
	if err != nil {
		return nil, err
	}
	return &api.Handler{
		Auth:           keys,
		Secrets:        hasher,
		SignIn:         signIn,
		Rules:          client.NewRules(),
		Cursors:        cursor.New(cursorKey(cfg)),
		Clients:        clientStore(db, cfg),
		Log:            log,
		Metrics:        metrics.NewLine(cfg.MetricsNamespace),
		DeadlineMargin: 500 * time.Millisecond,
	}, nil
}

// clientStore is the store of cfg's table over db, keeping history events
// as long as cfg says.
func clientStore(db store.API, cfg appconfig.Config) *store.Store {
	s := store.New(db, cfg.TableName, nil)
	s.HistoryRetention = cfg.HistoryRetention
	return s
}

// SecretHasher is the hasher of client secrets as the service builds it
// from cfg: an HMAC-SHA256 keyed by passhash.DeriveSecretKey of
// cfg.SecretHashSource(), which also verifies argon2id and bcrypt hashes
// (older client secrets and the admin password), each at the cost its
// hash records. Anything that writes client secrets (the routes, a
// migration) hashes them with this, so that the service verifies them.
//
// It never writes an argon2id hash, so the password hasher's own cost
// (passhash.DefaultParams) is never used: it is there because NewHasher
// takes one.
func SecretHasher(cfg appconfig.Config) (*passhash.SecretHasher, error) {
	passwords, err := passhash.NewHasher(passhash.DefaultParams())
	if err != nil {
		return nil, err
	}
	src := cfg.SecretHashSource()
	if src == "" {
		return nil, errors.New("app: no secret to key client secret hashes with (SECRET_HASH_KEY, CLIENT_JWT_SECRET or ADMIN_JWT_SECRET)")
	}
	return passhash.NewSecretHasher(passhash.DeriveSecretKey(src), passwords)
}

// cursorKey is the list cursors' HMAC key. Every instance of a deployment
// must derive the same key, so it comes from configuration: CURSOR_SECRET,
// else the JWT secret, else the client token secret (DeriveKey is an HMAC
// with its own label, so a cursor reveals nothing of the secret).
// Configuration always has one of them; the table name is a last resort
// under which cursors still detect alteration by accident, not forgery —
// which gains nothing, since a cursor only says where an admin's own
// listing resumes and is checked field by field.
func cursorKey(cfg appconfig.Config) []byte {
	switch {
	case cfg.CursorSecret != "":
		return cursor.DeriveKey(cfg.CursorSecret)
	case cfg.JWTSecret != "":
		return cursor.DeriveKey(cfg.JWTSecret)
	case cfg.ClientJWTSecret != "":
		return cursor.DeriveKey(cfg.ClientJWTSecret)
	default:
		return cursor.DeriveKey("table:" + cfg.TableName)
	}
}

// Lambda builds everything a function needs from the environment (getenv:
// os.Getenv in production), at cold start. AWS settings (region,
// credentials, AWS_ENDPOINT_URL_*) come from the variables the Lambda
// runtime sets (see lambdaAWS). With ADMIN_JWT_SECRET_ARN the secrets
// (token secrets, cursor secret, admin password hash) are read from
// Secrets Manager here, once per instance.
func Lambda(ctx context.Context, getenv func(string) string, logOut io.Writer) (*api.Handler, error) {
	cfg, err := appconfig.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := lambdaAWS(getenv)
	if err != nil {
		return nil, err
	}
	// First, so that its connection opens while the rest of the cold start
	// runs (the secrets' own request included).
	db := dynamoDB(ctx, awsCfg, getenv, cfg.Local)
	if cfg.JWTSecretARN != "" {
		sm := secretsdoc.NewClient(awsCfg, getenv)
		s, err := secretsdoc.Load(ctx, sm, cfg.JWTSecretARN)
		if err != nil {
			return nil, err
		}
		if cfg, err = cfg.WithSecrets(s); err != nil {
			return nil, err
		}
	}
	return NewHandler(ctx, cfg, db, NewLogger(logOut, cfg.LogLevel))
}

// dynamoDB is a function's DynamoDB client (AWS_ENDPOINT_URL_DYNAMODB or
// the region's endpoint). Its connection is opened at once, in the
// background, by a GET of the endpoint's root through the client's own
// HTTP client, and left in its pool: the first request, which would
// otherwise open it (on AWS a TLS handshake), finds it open. The GET needs
// no credentials or permission; its answer is not used, and a failure
// only leaves the connection to the first request, as before.
func dynamoDB(ctx context.Context, awsCfg aws.Config, getenv func(string) string, local bool) *dynamodb.Client {
	hc := awshttp.NewBuildableClient()
	base := appconfig.EndpointURL(getenv, "DYNAMODB")
	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		o.HTTPClient = hc
		if base != "" {
			o.BaseEndpoint = aws.String(base)
		}
		// Local emulators (minidyn, moto) send no valid X-Amz-Crc32; only
		// there is the response checksum left unchecked.
		o.DisableValidateResponseChecksum = local
	})
	go func() {
		p := dynamodb.EndpointParameters{Region: aws.String(awsCfg.Region)}
		if base != "" {
			p.Endpoint = aws.String(base)
		}
		e, err := dynamodb.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, p)
		if err != nil {
			return
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.URI.String(), nil)
		if err != nil {
			return
		}
		if resp, err := hc.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // read to the end: the connection goes back to the pool
			resp.Body.Close()
		}
	}()
	return db
}

// lambdaAWS is a function's AWS configuration, built from the variables
// the Lambda runtime sets in every execution environment: the region
// (AWS_REGION) and the execution role's credentials (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), valid for the environment's
// lifetime. config.LoadDefaultConfig would find the same values, but it
// links every other source it can read (shared config files, SSO, the
// container and IMDS providers, STS for assumed roles) and parses them at
// cold start; none of them exists on Lambda, and leaving them out makes
// each bootstrap about 2 MiB smaller and its start faster (issue 16). Local
// tools keep the full default chain (cmd/token, internal/localdb).
// Endpoint overrides are applied per client (config.EndpointURL).
func lambdaAWS(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, errors.New("app: AWS_REGION is not set (the Lambda runtime sets it)")
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return aws.Config{}, errors.New("app: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (the Lambda runtime sets them from the execution role)")
	}
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN")),
	}, nil
}

// tokens builds the verifiers and the issuers. Admin tokens are verified
// with ADMIN_JWT_SECRET or an identity provider's JWKS; client tokens are
// signed and verified with CLIENT_JWT_SECRET, or ADMIN_JWT_SECRET when that
// is unset. With two keys, each vouches only for its own role.
func tokens(ctx context.Context, cfg appconfig.Config) (*auth.Keyring, api.SignIn, error) {
	base := auth.Config{Issuer: cfg.Issuer, Audience: cfg.Audience, Skew: cfg.Skew}
	adminCfg := base
	adminCfg.Secret, adminCfg.JWKSURL = []byte(cfg.JWTSecret), cfg.JWKSURL
	admin, err := auth.NewVerifier(ctx, adminCfg)
	if err != nil {
		return nil, api.SignIn{}, err
	}
	clientSecret := cfg.ClientJWTSecret
	if clientSecret == "" {
		clientSecret = cfg.JWTSecret
	}
	keys := &auth.Keyring{}
	if clientSecret == cfg.JWTSecret {
		keys.Add(admin)
	} else {
		clientCfg := base
		clientCfg.Secret = []byte(clientSecret)
		cv, err := auth.NewVerifier(ctx, clientCfg)
		if err != nil {
			return nil, api.SignIn{}, fmt.Errorf("client tokens: %w", err)
		}
		keys.Add(admin, auth.RoleAdmin)
		keys.Add(cv, auth.RoleClient)
	}
	admins, err := cfg.Admins()
	if err != nil {
		return nil, api.SignIn{}, err
	}
	si := api.SignIn{
		Admins:       admins,
		ClientTokens: auth.Issuer{Secret: []byte(clientSecret), Issuer: cfg.Issuer, Audience: cfg.Audience},
		AdminTTL:     cfg.AdminTokenTTL, ClientTTL: cfg.ClientTokenTTL,
	}
	if cfg.JWTSecret != "" { // JWKS mode: the identity provider issues admin tokens
		si.AdminTokens = &auth.Issuer{Secret: []byte(cfg.JWTSecret), Issuer: cfg.Issuer, Audience: cfg.Audience}
	}
	if si.AdminTTL == 0 {
		si.AdminTTL = time.Hour
	}
	if si.ClientTTL == 0 {
		si.ClientTTL = 24 * time.Hour
	}
	return keys, si, nil
}

// Start is the whole main of a function: it builds the handler from the
// environment once, at cold start (exiting if that fails, so Lambda reports
// an init error), and serves route. The generic StartHandlerFunc checks the
// handler's signature at compile time.
func Start(route api.Route) {
	h, err := Lambda(context.Background(), os.Getenv, os.Stdout)
	if err != nil {
		NewLogger(os.Stdout, slog.LevelInfo).Error("cold start failed", "error", err.Error())
		os.Exit(1)
	}
	var fn func(context.Context, api.Request) (api.Response, error) = h.Serve(route)
	lambda.StartHandlerFunc(fn)
}

// StartHistoryWriter is the whole main of the history writer, the function
// the table's stream invokes (pkg/history). It needs the table
// (TABLE_NAME), the retention (HISTORY_RETENTION_DAYS) and AWS's own
// settings, and none of the API's secrets.
func StartHistoryWriter() {
	log := NewLogger(os.Stdout, slog.LevelInfo)
	w, err := HistoryWriter(os.Getenv, log)
	if err != nil {
		log.Error("cold start failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.StartHandlerFunc(w.Handle)
}

// HistoryWriter builds the history writer from the environment (getenv).
func HistoryWriter(getenv func(string) string, log *slog.Logger) (*history.Writer, error) {
	retention, err := appconfig.HistoryRetention(getenv)
	if err != nil {
		return nil, err
	}
	table := getenv("TABLE_NAME")
	if table == "" {
		table = appconfig.DefaultTable
	}
	awsCfg, err := lambdaAWS(getenv)
	if err != nil {
		return nil, err
	}
	s := store.New(dynamoDB(context.Background(), awsCfg, getenv, false), table, nil)
	s.HistoryRetention = retention
	return &history.Writer{Events: s, Log: log}, nil
}
