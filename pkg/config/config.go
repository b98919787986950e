// Package config reads the service's settings from the environment, once,
// at cold start.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/outbound-caller/admin-api/pkg/passhash"
)

// DevSecret is the HS256 secret local tools use when ADMIN_JWT_SECRET is
// unset. It is public, so it is for local runs only.
const DevSecret = "local-dev-secret-change-me-0123456789abcdef"

// DevAdminUsername and DevAdminPassword are the admin sign-in of local runs
// (make run) when ADMIN_USERNAME / ADMIN_PASSWORD_HASH are unset. They are
// public, so they are for local runs only; deployed functions take only a
// hash (ADMIN_PASSWORD_HASH).
const (
	DevAdminUsername = "admin"
	DevAdminPassword = "local-admin-password"
)

// DefaultTable is the table name used when TABLE_NAME is unset.
const DefaultTable = "outbound-caller-clients"

// Config holds every setting of a function.
type Config struct {
	TableName string // TABLE_NAME
	JWTSecret string // ADMIN_JWT_SECRET (local only), or read from JWTSecretARN at cold start
	// JWTSecretARN (ADMIN_JWT_SECRET_ARN) names the Secrets Manager secret
	// holding the HS256 secret: how a deployed function gets it.
	JWTSecretARN string
	// Local is true off Lambda (make run, tests), under `sam local`
	// (AWS_SAM_LOCAL=true) and under `make invoke` (APP_ENV=local): the
	// only places the plain and the public dev secret are accepted.
	Local    bool
	JWKSURL  string        // ADMIN_JWKS_URL: RS256/ES256 keys (instead of the secret)
	Issuer   string        // JWT_ISSUER: required "iss" when set
	Audience string        // JWT_AUDIENCE: required "aud" when set
	Skew     time.Duration // JWT_CLOCK_SKEW: tolerated clock difference
	LogLevel slog.Level    // LOG_LEVEL: debug, info, warn, error
	// MetricsNamespace (METRICS_NAMESPACE) is the CloudWatch namespace of
	// the request lines' metrics; "" means metrics.DefaultNamespace.
	MetricsNamespace string
	// CursorSecret (CURSOR_SECRET) keys the list cursors' HMAC; empty means
	// derived from the JWT secret (see app.cursorKey).
	CursorSecret string
	// HistoryRetention (HISTORY_RETENTION_DAYS, whole days, default 400)
	// is how long a client's history events are kept before the table's
	// TTL removes them.
	HistoryRetention time.Duration

	// Sign-in (issue 8).
	AdminUsername     string        // ADMIN_USERNAME: the admin sign-in name
	AdminPasswordHash string        // ADMIN_PASSWORD_HASH: argon2id (or bcrypt) hash of the admin password
	AdminAccounts     string        // ADMIN_ACCOUNTS locally, "adminAccounts" in the secret: JSON list of further accounts with their scopes (issue 21; Admins reads it)
	AdminTokenTTL     time.Duration // ADMIN_TOKEN_TTL: lifetime of admin tokens (default 1h)
	ClientTokenTTL    time.Duration // CLIENT_TOKEN_TTL: lifetime of client tokens (default 24h)
	// ClientJWTSecret (CLIENT_JWT_SECRET) signs and verifies client tokens.
	// Required with ADMIN_JWKS_URL (an identity provider's keys cannot sign
	// our tokens); optional otherwise, when ADMIN_JWT_SECRET serves both.
	ClientJWTSecret string
	// SecretHashKey (SECRET_HASH_KEY locally, "secretHashKey" in the
	// secret) keys the client secrets' HMAC. Empty means derived from the
	// client token secret (see SecretHashSource).
	SecretHashKey string
}

// FromEnv reads the configuration with getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName:    getenv("TABLE_NAME"),
		JWTSecret:    getenv("ADMIN_JWT_SECRET"),
		JWTSecretARN: getenv("ADMIN_JWT_SECRET_ARN"),
		Local:        isLocal(getenv),
		JWKSURL:      getenv("ADMIN_JWKS_URL"),
		Issuer:       getenv("JWT_ISSUER"),
		Audience:     getenv("JWT_AUDIENCE"),
		Skew:         30 * time.Second,

		CursorSecret:      getenv("CURSOR_SECRET"),
		MetricsNamespace:  getenv("METRICS_NAMESPACE"),
		AdminUsername:     getenv("ADMIN_USERNAME"),
		AdminPasswordHash: getenv("ADMIN_PASSWORD_HASH"),
		AdminAccounts:     getenv("ADMIN_ACCOUNTS"),
		AdminTokenTTL:     time.Hour,
		ClientTokenTTL:    24 * time.Hour,
		ClientJWTSecret:   getenv("CLIENT_JWT_SECRET"),
		SecretHashKey:     getenv("SECRET_HASH_KEY"),
	}
	if c.TableName == "" {
		c.TableName = DefaultTable
	}
	var err error
	if c.HistoryRetention, err = HistoryRetention(getenv); err != nil {
		return c, err
	}
	if s := getenv("JWT_CLOCK_SKEW"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > 5*time.Minute {
			return c, fmt.Errorf("config: JWT_CLOCK_SKEW must be a duration between 0s and 5m, got %q", s)
		}
		c.Skew = d
	}
	if s := getenv("LOG_LEVEL"); s != "" {
		if err := c.LogLevel.UnmarshalText([]byte(s)); err != nil {
			return c, fmt.Errorf("config: LOG_LEVEL: %w", err)
		}
	}
	if err := c.ttls(getenv); err != nil {
		return c, err
	}
	switch {
	case c.JWTSecret == "" && c.JWTSecretARN == "" && c.JWKSURL == "":
		return c, errors.New("config: set ADMIN_JWT_SECRET_ARN, ADMIN_JWKS_URL or (locally) ADMIN_JWT_SECRET")
	case c.JWTSecret != "" && c.JWTSecretARN != "":
		return c, errors.New("config: set only one of ADMIN_JWT_SECRET and ADMIN_JWT_SECRET_ARN")
	}
	if !c.Local {
		// A value in plain environment is readable by anyone who can read
		// the function's configuration (lambda:GetFunctionConfiguration,
		// the console, CloudFormation's parameters): deployed functions
		// take every secret from the Secrets Manager document instead.
		for _, v := range c.secretFields(Secrets{}) {
			if *v.value != "" {
				return c, fmt.Errorf("config: %s is for local runs only; on Lambda it is the %q key of the secret at ADMIN_JWT_SECRET_ARN", v.env, v.key)
			}
		}
	}
	if c.JWTSecretARN != "" {
		// The rest is checked once the secret is read (WithSecrets).
		return c, nil
	}
	return c, c.validate()
}

// Secrets are the values a deployed function reads from Secrets Manager
// at cold start (see package secretsdoc for the document's format).
type Secrets struct {
	JWTSecret         string
	ClientJWTSecret   string
	CursorSecret      string
	AdminPasswordHash string
	AdminAccounts     string // the "adminAccounts" list, as JSON text
	SecretHashKey     string
}

// secretField is a setting that is a secret: plain environment for local
// runs, a key of the Secrets Manager document for deployed functions.
type secretField struct {
	env, key string  // environment variable, key in the secret's document
	value    *string // the field of Config
	stored   string  // the value in s
}

func (c *Config) secretFields(s Secrets) []secretField {
	return []secretField{
		{"ADMIN_JWT_SECRET", "jwtSecret", &c.JWTSecret, s.JWTSecret},
		{"CLIENT_JWT_SECRET", "clientJwtSecret", &c.ClientJWTSecret, s.ClientJWTSecret},
		{"CURSOR_SECRET", "cursorSecret", &c.CursorSecret, s.CursorSecret},
		{"ADMIN_PASSWORD_HASH", "adminPasswordHash", &c.AdminPasswordHash, s.AdminPasswordHash},
		{"SECRET_HASH_KEY", "secretHashKey", &c.SecretHashKey, s.SecretHashKey},
		{"ADMIN_ACCOUNTS", "adminAccounts", &c.AdminAccounts, s.AdminAccounts},
	}
}

// WithSecrets returns c completed with the values read from the secret at
// ADMIN_JWT_SECRET_ARN, and checks the whole. A value set both in the
// environment (possible only locally) and in the secret is refused as
// ambiguous rather than silently preferring one.
func (c Config) WithSecrets(s Secrets) (Config, error) {
	for _, f := range c.secretFields(s) {
		if f.stored == "" {
			continue
		}
		if *f.value != "" {
			return c, fmt.Errorf("config: %s is set both in the environment and as %q in the secret", f.env, f.key)
		}
		*f.value = f.stored
	}
	if c.JWTSecret == "" && c.JWKSURL == "" {
		return c, errors.New("config: the secret has no jwtSecret and ADMIN_JWKS_URL is unset: nothing verifies admin tokens")
	}
	return c, c.validate()
}

// validate checks the settings together, once every secret is known.
func (c *Config) validate() error {
	if c.JWTSecret != "" && c.JWKSURL != "" {
		return errors.New("config: admin tokens are verified with an HS256 secret or ADMIN_JWKS_URL, not both")
	}
	for _, s := range []string{c.JWTSecret, c.ClientJWTSecret, c.CursorSecret, c.SecretHashKey} {
		if err := CheckSecret(s, c.Local); err != nil {
			return err
		}
	}
	if c.SecretHashKey != "" && len(c.SecretHashKey) < passhash.MinSecretKeyBytes {
		return fmt.Errorf("config: SECRET_HASH_KEY (secretHashKey in the secret) must be at least %d bytes", passhash.MinSecretKeyBytes)
	}
	if c.AdminPasswordHash != "" && !passhash.Valid(c.AdminPasswordHash) {
		// Never echo the value: it is a password hash.
		return errors.New("config: ADMIN_PASSWORD_HASH is not an argon2id or bcrypt hash (make hash-password prints one)")
	}
	if _, err := c.Admins(); err != nil {
		return err
	}
	if c.JWKSURL != "" && c.ClientJWTSecret == "" {
		return errors.New("config: CLIENT_JWT_SECRET (clientJwtSecret in the secret) is required with ADMIN_JWKS_URL: client tokens are signed by this service")
	}
	return nil
}

// SecretHashSource is the configured secret the client-secret hashing key
// is derived from (passhash.DeriveSecretKey): SECRET_HASH_KEY when set,
// else the secret that signs client tokens (CLIENT_JWT_SECRET, else
// ADMIN_JWT_SECRET), which every configuration that signs clients in has.
// The derivation is labelled, so the key it gives can neither sign a token
// nor reveal the token secret. Every instance of a deployment derives the
// same key, so hashes written by one verify on all. Rotating the token
// secret would change a derived key and orphan every client secret: set
// secretHashKey to the old token secret's value first (see
// docs/security.md).
func (c Config) SecretHashSource() string {
	switch {
	case c.SecretHashKey != "":
		return c.SecretHashKey
	case c.ClientJWTSecret != "":
		return c.ClientJWTSecret
	default:
		return c.JWTSecret
	}
}

// ttls reads the token lifetimes.
func (c *Config) ttls(getenv func(string) string) error {
	for _, ttl := range []struct {
		name     string
		dst      *time.Duration
		min, max time.Duration
	}{
		{"ADMIN_TOKEN_TTL", &c.AdminTokenTTL, time.Minute, 24 * time.Hour},
		{"CLIENT_TOKEN_TTL", &c.ClientTokenTTL, time.Minute, 30 * 24 * time.Hour},
	} {
		s := getenv(ttl.name)
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < ttl.min || d > ttl.max {
			return fmt.Errorf("config: %s must be a duration between %s and %s, got %q", ttl.name, ttl.min, ttl.max, s)
		}
		*ttl.dst = d
	}
	return nil
}

// CheckSecret refuses an HS256 secret anyone could know: the printed dev
// default, unless running locally. It applies to the secret however it was
// obtained, Secrets Manager included.
func CheckSecret(secret string, local bool) error {
	if secret == DevSecret && !local {
		return errors.New("config: the public development secret is refused outside local runs")
	}
	return nil
}

// isLocal tells a local run from a deployed function. Lambda always sets
// AWS_LAMBDA_FUNCTION_NAME; `sam local` sets AWS_SAM_LOCAL=true; the
// Runtime Interface Emulator sets the function name too, so `make invoke`
// says APP_ENV=local explicitly.
func isLocal(getenv func(string) string) bool {
	return getenv("APP_ENV") == "local" || getenv("AWS_SAM_LOCAL") == "true" || getenv("AWS_LAMBDA_FUNCTION_NAME") == ""
}

// EndpointURL is the endpoint override for one service as the SDK's
// standard variables give it: AWS_ENDPOINT_URL_<SERVICE> (e.g.
// AWS_ENDPOINT_URL_DYNAMODB), else AWS_ENDPOINT_URL, and none when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. "" means the service's
// regional endpoint. `make invoke` and the emulator tests point DynamoDB at
// a local store this way.
func EndpointURL(getenv func(string) string, service string) string {
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	for _, k := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return ""
}

// DefaultHistoryRetentionDays is the history's retention when
// HISTORY_RETENTION_DAYS is unset (template.yaml's default too).
const DefaultHistoryRetentionDays = 400

// HistoryRetention reads HISTORY_RETENTION_DAYS: whole days, 1 to 3,650.
// The history writer reads it alone (it needs no other setting).
func HistoryRetention(getenv func(string) string) (time.Duration, error) {
	days := DefaultHistoryRetentionDays
	if s := getenv("HISTORY_RETENTION_DAYS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 3650 {
			return 0, fmt.Errorf("config: HISTORY_RETENTION_DAYS must be a whole number of days from 1 to 3650, got %q", s)
		}
		days = n
	}
	return time.Duration(days) * 24 * time.Hour, nil
}
