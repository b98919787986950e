// Package config reads the service's settings from the environment, once,
// at cold start.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// DevSecret is the HS256 secret local tools use when ADMIN_JWT_SECRET is
// unset. It is public, so it is for local runs only.
const DevSecret = "local-dev-secret-change-me-0123456789abcdef"

// DefaultTable is the table name used when TABLE_NAME is unset.
const DefaultTable = "outbound-caller-clients"

// Config holds every setting of a function.
type Config struct {
	TableName string        // TABLE_NAME
	JWTSecret string        // ADMIN_JWT_SECRET: HS256 verification secret
	JWKSURL   string        // ADMIN_JWKS_URL: RS256/ES256 keys (instead of the secret)
	Issuer    string        // JWT_ISSUER: required "iss" when set
	Audience  string        // JWT_AUDIENCE: required "aud" when set
	Skew      time.Duration // JWT_CLOCK_SKEW: tolerated clock difference
	LogLevel  slog.Level    // LOG_LEVEL: debug, info, warn, error
	// CursorSecret (CURSOR_SECRET) keys the list cursors' HMAC; empty means
	// derived from the JWT secret (see app.cursorKey).
	CursorSecret string
}

// FromEnv reads the configuration with getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName: getenv("TABLE_NAME"),
		JWTSecret: getenv("ADMIN_JWT_SECRET"),
		JWKSURL:   getenv("ADMIN_JWKS_URL"),
		Issuer:    getenv("JWT_ISSUER"),
		Audience:  getenv("JWT_AUDIENCE"),
		Skew:      30 * time.Second,

		CursorSecret: getenv("CURSOR_SECRET"),
	}
	if c.TableName == "" {
		c.TableName = DefaultTable
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
	if c.JWTSecret == "" && c.JWKSURL == "" {
		return c, errors.New("config: set ADMIN_JWT_SECRET or ADMIN_JWKS_URL")
	}
	return c, nil
}
