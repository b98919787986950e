package config_test

import (
	"strings"
	"testing"
	"time"

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
