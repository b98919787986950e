package config_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/config"
)

func TestSignInSettings(t *testing.T) {
	const argon = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"
	base := map[string]string{"ADMIN_JWT_SECRET": config.DevSecret}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr string // substring; "" for success
		check   func(config.Config) bool
	}{
		{"defaults", nil, "", func(c config.Config) bool {
			return c.AdminTokenTTL == time.Hour && c.ClientTokenTTL == 24*time.Hour && c.AdminPasswordHash == ""
		}},
		{"TTLs", map[string]string{"ADMIN_TOKEN_TTL": "15m", "CLIENT_TOKEN_TTL": "2h"}, "", func(c config.Config) bool {
			return c.AdminTokenTTL == 15*time.Minute && c.ClientTokenTTL == 2*time.Hour
		}},
		{"argon2id hash", map[string]string{"ADMIN_USERNAME": "ops", "ADMIN_PASSWORD_HASH": argon}, "", func(c config.Config) bool {
			return c.AdminUsername == "ops" && c.AdminPasswordHash == argon
		}},
		{"bcrypt hash", map[string]string{"ADMIN_PASSWORD_HASH": "$2a$04$abcdefghijklmnopqrstuu5ZgTOq1rzJdVTJYoCJEm7hrcTKyZ9Ay"}, "", nil},
		{"plain password as hash", map[string]string{"ADMIN_PASSWORD_HASH": "hunter2hunter2"}, "ADMIN_PASSWORD_HASH is not", nil},
		{"TTL not a duration", map[string]string{"ADMIN_TOKEN_TTL": "1 hour"}, "ADMIN_TOKEN_TTL", nil},
		{"TTL too long", map[string]string{"CLIENT_TOKEN_TTL": "1000h"}, "CLIENT_TOKEN_TTL", nil},
		{"TTL too short", map[string]string{"ADMIN_TOKEN_TTL": "1s"}, "ADMIN_TOKEN_TTL", nil},
		{"JWKS without client secret", map[string]string{"ADMIN_JWT_SECRET": "", "ADMIN_JWKS_URL": "https://idp.example/jwks"}, "CLIENT_JWT_SECRET", nil},
		{"JWKS with client secret", map[string]string{"ADMIN_JWT_SECRET": "", "ADMIN_JWKS_URL": "https://idp.example/jwks", "CLIENT_JWT_SECRET": config.DevSecret}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			c, err := config.FromEnv(func(k string) string { return env[k] })
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want one naming %s", err, tc.wantErr)
			case tc.wantErr != "" && strings.Contains(err.Error(), "hunter2"):
				t.Fatalf("error echoes the configured value: %v", err)
			}
			if tc.check != nil && !tc.check(c) {
				t.Errorf("config = %+v", c)
			}
		})
	}
}

const (
	strong = "a-strong-secret-of-at-least-32-bytes-0123456789"
	arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-jwt-AbCdEf"
)

func TestFromEnv(t *testing.T) {
	onLambda := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "update-client"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string // substring; "" means success
		check   func(t *testing.T, c config.Config)
	}{
		{name: "local run with the dev secret is accepted", env: with(nil, "ADMIN_JWT_SECRET", config.DevSecret),
			check: func(t *testing.T, c config.Config) {
				if !c.Local || c.JWTSecret != config.DevSecret || c.TableName != config.DefaultTable {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "lambda refuses the dev secret", env: with(onLambda, "ADMIN_JWT_SECRET", config.DevSecret), wantErr: "local runs only"},
		{name: "lambda refuses any plain secret", env: with(onLambda, "ADMIN_JWT_SECRET", strong), wantErr: "ADMIN_JWT_SECRET_ARN"},
		{name: "the emulator with APP_ENV=local accepts the dev secret", env: with(onLambda, "APP_ENV", "local", "ADMIN_JWT_SECRET", config.DevSecret)},
		{name: "sam local accepts the dev secret", env: with(onLambda, "AWS_SAM_LOCAL", "true", "ADMIN_JWT_SECRET", config.DevSecret)},
		{name: "APP_ENV other than local is not local", env: with(onLambda, "APP_ENV", "prod", "ADMIN_JWT_SECRET", config.DevSecret), wantErr: "local runs only"},
		{name: "lambda with a secret ARN defers the secret to cold start", env: with(onLambda, "ADMIN_JWT_SECRET_ARN", arn, "TABLE_NAME", "t"),
			check: func(t *testing.T, c config.Config) {
				if c.Local || c.JWTSecretARN != arn || c.JWTSecret != "" || c.TableName != "t" {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "lambda with a JWKS URL reads the client secret from the secret ARN", env: with(onLambda, "ADMIN_JWKS_URL", "https://idp.example.com/jwks.json", "ADMIN_JWT_SECRET_ARN", arn)},
		{name: "lambda refuses a plain client token secret", env: with(onLambda, "ADMIN_JWT_SECRET_ARN", arn, "CLIENT_JWT_SECRET", strong), wantErr: "CLIENT_JWT_SECRET is for local runs only"},
		{name: "lambda refuses a plain secret hashing key", env: with(onLambda, "ADMIN_JWT_SECRET_ARN", arn, "SECRET_HASH_KEY", strong), wantErr: "SECRET_HASH_KEY is for local runs only"},
		{name: "a secret hashing key under 32 bytes is refused", env: with(nil, "ADMIN_JWT_SECRET", strong, "SECRET_HASH_KEY", "short"), wantErr: "at least 32 bytes"},
		{name: "lambda refuses a plain cursor secret", env: with(onLambda, "ADMIN_JWT_SECRET_ARN", arn, "CURSOR_SECRET", strong), wantErr: "CURSOR_SECRET is for local runs only"},
		{name: "lambda refuses a plain admin password hash", env: with(onLambda, "ADMIN_JWT_SECRET_ARN", arn, "ADMIN_PASSWORD_HASH", "$2a$04$abcdefghijklmnopqrstuu5ZgTOq1rzJdVTJYoCJEm7hrcTKyZ9Ay"), wantErr: "ADMIN_PASSWORD_HASH is for local runs only"},
		{name: "a local run takes every secret from the environment", env: with(nil, "ADMIN_JWKS_URL", "https://idp.example.com/jwks.json", "CLIENT_JWT_SECRET", strong, "CURSOR_SECRET", strong+"c"),
			check: func(t *testing.T, c config.Config) {
				if c.ClientJWTSecret != strong || c.CursorSecret != strong+"c" {
					t.Errorf("got %+v", c)
				}
			}},
		{name: "an HS256 secret and a JWKS URL together are ambiguous", env: with(nil, "ADMIN_JWT_SECRET", strong, "ADMIN_JWKS_URL", "https://idp.example.com/jwks.json", "CLIENT_JWT_SECRET", strong), wantErr: "not both"},
		{name: "no key source at all is refused", env: with(onLambda), wantErr: "set ADMIN_JWT_SECRET_ARN"},
		{name: "a plain secret and an ARN together are ambiguous", env: with(nil, "ADMIN_JWT_SECRET", strong, "ADMIN_JWT_SECRET_ARN", arn), wantErr: "only one"},
		{name: "clock skew is parsed", env: with(nil, "ADMIN_JWT_SECRET", strong, "JWT_CLOCK_SKEW", "5s"),
			check: func(t *testing.T, c config.Config) {
				if c.Skew.Seconds() != 5 {
					t.Errorf("skew %v", c.Skew)
				}
			}},
		{name: "clock skew over 5m is refused", env: with(nil, "ADMIN_JWT_SECRET", strong, "JWT_CLOCK_SKEW", "6m"), wantErr: "JWT_CLOCK_SKEW"},
		{name: "an unknown log level is refused", env: with(nil, "ADMIN_JWT_SECRET", strong, "LOG_LEVEL", "loud"), wantErr: "LOG_LEVEL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.FromEnv(func(k string) string { return tc.env[k] })
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
			if err == nil && tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

// The client-secret hashing key comes from SECRET_HASH_KEY, else the
// secret that signs client tokens: the same in every instance.
func TestSecretHashSource(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    config.Config
		want string
	}{
		{"dedicated key", config.Config{SecretHashKey: "h", ClientJWTSecret: "c", JWTSecret: "j"}, "h"},
		{"client token secret", config.Config{ClientJWTSecret: "c", JWTSecret: "j"}, "c"},
		{"admin token secret, which signs client tokens too", config.Config{JWTSecret: "j"}, "j"},
	} {
		if got := tc.c.SecretHashSource(); got != tc.want {
			t.Errorf("%s: SecretHashSource() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestWithSecrets completes a deployed function's configuration with the
// document read from Secrets Manager (as app.Lambda does at cold start).
func TestWithSecrets(t *testing.T) {
	const bcrypt = "$2a$04$abcdefghijklmnopqrstuu5ZgTOq1rzJdVTJYoCJEm7hrcTKyZ9Ay"
	env := func(kv ...string) func(string) string {
		m := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "update-client", "ADMIN_JWT_SECRET_ARN": arn}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	jwks := []string{"ADMIN_JWKS_URL", "https://idp.example.com/jwks.json"}
	local := []string{"APP_ENV", "local"}
	cases := []struct {
		name    string
		env     func(string) string
		stored  config.Secrets
		wantErr string // substring; "" means success
		want    config.Secrets
	}{
		{name: "every key of the document is taken",
			env:    env(),
			stored: config.Secrets{JWTSecret: strong, ClientJWTSecret: strong + "c", CursorSecret: strong + "k", AdminPasswordHash: bcrypt, SecretHashKey: strong + "h"},
			want:   config.Secrets{JWTSecret: strong, ClientJWTSecret: strong + "c", CursorSecret: strong + "k", AdminPasswordHash: bcrypt, SecretHashKey: strong + "h"}},
		{name: "the dev secret as secret hashing key is refused off local runs",
			env: env(), stored: config.Secrets{JWTSecret: strong, SecretHashKey: config.DevSecret}, wantErr: "public development secret"},
		{name: "a short secret hashing key is refused",
			env: env(), stored: config.Secrets{JWTSecret: strong, SecretHashKey: "short"}, wantErr: "at least 32 bytes"},
		{name: "the HS256 secret alone (a plain-string secret) is enough",
			env: env(), stored: config.Secrets{JWTSecret: strong}, want: config.Secrets{JWTSecret: strong}},
		{name: "JWKS mode takes the client token secret from the document",
			env: env(jwks...), stored: config.Secrets{ClientJWTSecret: strong}, want: config.Secrets{ClientJWTSecret: strong}},
		{name: "JWKS mode without a client token secret is refused",
			env: env(jwks...), stored: config.Secrets{CursorSecret: strong}, wantErr: "clientJwtSecret"},
		{name: "an HS256 secret in JWKS mode is ambiguous",
			env: env(jwks...), stored: config.Secrets{JWTSecret: strong, ClientJWTSecret: strong}, wantErr: "not both"},
		{name: "no admin key at all is refused",
			env: env(), stored: config.Secrets{ClientJWTSecret: strong}, wantErr: "no jwtSecret"},
		{name: "the dev secret is refused as any key off local runs",
			env: env(), stored: config.Secrets{JWTSecret: strong, ClientJWTSecret: config.DevSecret}, wantErr: "public development secret"},
		{name: "the dev secret as cursor secret is refused off local runs",
			env: env(), stored: config.Secrets{JWTSecret: strong, CursorSecret: config.DevSecret}, wantErr: "public development secret"},
		{name: "a password that is not a hash is refused",
			env: env(), stored: config.Secrets{JWTSecret: strong, AdminPasswordHash: "hunter2hunter2"}, wantErr: "not an argon2id or bcrypt hash"},
		{name: "a bad admin account in the document stops the cold start",
			env: env(), stored: config.Secrets{JWTSecret: strong, AdminAccounts: `[{"username":"support","passwordHash":"hunter2hunter2"}]`}, wantErr: `adminAccounts[0] ("support")`},
		{name: "locally, a value in both the environment and the document is ambiguous",
			env: env(append(local, "CURSOR_SECRET", strong)...), stored: config.Secrets{JWTSecret: strong, CursorSecret: strong}, wantErr: "set both"},
		{name: "locally, the environment completes the document",
			env: env(append(local, "CURSOR_SECRET", strong+"k")...), stored: config.Secrets{JWTSecret: strong},
			want: config.Secrets{JWTSecret: strong, CursorSecret: strong + "k"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.FromEnv(tc.env)
			if err != nil {
				t.Fatalf("FromEnv: %v", err)
			}
			c, err = c.WithSecrets(tc.stored)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			case err != nil && (strings.Contains(err.Error(), strong) || strings.Contains(err.Error(), "hunter2")):
				t.Fatalf("error echoes a secret: %v", err)
			}
			got := config.Secrets{JWTSecret: c.JWTSecret, ClientJWTSecret: c.ClientJWTSecret, CursorSecret: c.CursorSecret, AdminPasswordHash: c.AdminPasswordHash, SecretHashKey: c.SecretHashKey}
			if err == nil && got != tc.want {
				t.Errorf("secrets = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCheckSecretRefusesTheDevSecretOnlyOffLocal(t *testing.T) {
	cases := []struct {
		secret string
		local  bool
		ok     bool
	}{
		{config.DevSecret, true, true},
		{config.DevSecret, false, false},
		{strong, false, true},
	}
	for _, c := range cases {
		if err := config.CheckSecret(c.secret, c.local); (err == nil) != c.ok {
			t.Errorf("CheckSecret(%q, local=%v) = %v", c.secret[:8], c.local, err)
		}
	}
}

// TestAdmins reads the admin accounts: the single ADMIN_USERNAME /
// ADMIN_PASSWORD_HASH pair (full access) and the adminAccounts list, and
// refuses a list that would sign someone in with other rights than meant.
func TestAdmins(t *testing.T) {
	const argon = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5"
	account := func(user, extra string) string {
		return `{"username":"` + user + `","passwordHash":"` + argon + `"` + extra + `}`
	}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		want     []auth.AdminAccount
		wantErr  string // substring; "" for success
		notInErr string
	}{
		{name: "the single pair is one account with full access",
			env:  map[string]string{"ADMIN_USERNAME": "ops", "ADMIN_PASSWORD_HASH": argon},
			want: []auth.AdminAccount{{Username: "ops", PasswordHash: argon, Scopes: auth.FullAccess()}}},
		{name: "a username without a hash is no account", env: map[string]string{"ADMIN_USERNAME": "ops"}},
		{name: "the pair first, then the list in its order; absent scopes are full access, an empty list nothing",
			env: map[string]string{"ADMIN_USERNAME": "ops", "ADMIN_PASSWORD_HASH": argon, "ADMIN_ACCOUNTS": "[" +
				account("support", `,"scopes":["read:clients"]`) + "," + account("lead", "") + "," + account("parked", `,"scopes":[]`) + "]"},
			want: []auth.AdminAccount{
				{Username: "ops", PasswordHash: argon, Scopes: auth.FullAccess()},
				{Username: "support", PasswordHash: argon, Scopes: auth.Only("read:clients")},
				{Username: "lead", PasswordHash: argon, Scopes: auth.FullAccess()},
				{Username: "parked", PasswordHash: argon, Scopes: auth.Only()},
			}},
		{name: "the list alone", env: map[string]string{"ADMIN_ACCOUNTS": "[" + account("support", `,"scopes":["read:clients","update:clients"]`) + "]"},
			want: []auth.AdminAccount{{Username: "support", PasswordHash: argon, Scopes: auth.Only("read:clients", "update:clients")}}},
		{name: "an unknown scope name is a typo, refused", env: map[string]string{"ADMIN_ACCOUNTS": "[" + account("support", `,"scopes":["read:client"]`) + "]"},
			wantErr: `adminAccounts[0] ("support"): unknown scope "read:client"`},
		{name: "null scopes are refused, not read as full access", env: map[string]string{"ADMIN_ACCOUNTS": "[" + account("support", `,"scopes":null`) + "]"},
			wantErr: "scopes must be a list"},
		{name: "scopes as a string are refused", env: map[string]string{"ADMIN_ACCOUNTS": "[" + account("support", `,"scopes":"read:clients"`) + "]"},
			wantErr: "scopes must be a list"},
		{name: "a username twice is refused", env: map[string]string{"ADMIN_ACCOUNTS": "[" + account("a", "") + "," + account("a", "") + "]"},
			wantErr: `adminAccounts[1] ("a"): the username is already an account`},
		{name: "the pair's username in the list is refused", env: map[string]string{"ADMIN_USERNAME": "a", "ADMIN_PASSWORD_HASH": argon, "ADMIN_ACCOUNTS": "[" + account("a", "") + "]"},
			wantErr: "already an account"},
		{name: "no username", env: map[string]string{"ADMIN_ACCOUNTS": "[" + account("", "") + "]"}, wantErr: "adminAccounts[0] has no username"},
		{name: "a password instead of a hash is refused without echoing it",
			env:     map[string]string{"ADMIN_ACCOUNTS": `[{"username":"a","passwordHash":"hunter2hunter2"}]`},
			wantErr: "passwordHash is not an argon2id or bcrypt hash", notInErr: "hunter2"},
		{name: "a misspelt key is refused, named", env: map[string]string{"ADMIN_ACCOUNTS": `[{"username":"a","password":"hunter2hunter2"}]`},
			wantErr: `unknown key "password"`, notInErr: "hunter2"},
		{name: "not a list", env: map[string]string{"ADMIN_ACCOUNTS": `{"username":"a","passwordHash":"hunter2hunter2"}`},
			wantErr: "must be a JSON list", notInErr: "hunter2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"ADMIN_JWT_SECRET": config.DevSecret}
			for k, v := range tc.env {
				env[k] = v
			}
			// FromEnv checks the accounts (a bad list stops the cold start);
			// Admins is what the sign-in route gets.
			c, err := config.FromEnv(func(k string) string { return env[k] })
			if err == nil {
				var got []auth.AdminAccount
				got, err = c.Admins()
				if err == nil && !reflect.DeepEqual(accounts(got), accounts(tc.want)) {
					t.Errorf("Admins = %v, want %v", accounts(got), accounts(tc.want))
				}
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			case err != nil && (strings.Contains(err.Error(), argon) || tc.notInErr != "" && strings.Contains(err.Error(), tc.notInErr)):
				t.Fatalf("error echoes a value: %v", err)
			}
		})
	}
}

// accounts describes accounts without their hashes: name, then "full" or
// the scopes granted in brackets.
func accounts(as []auth.AdminAccount) []string {
	var out []string
	for _, a := range as {
		grant := "full"
		if !a.Scopes.Full() {
			grant = "[" + a.Scopes.String() + "]"
		}
		out = append(out, a.Username+" "+grant+" "+fmt.Sprint(len(a.PasswordHash) > 0))
	}
	return out
}
