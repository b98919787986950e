package app_test

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/outbound-caller/admin-api/internal/app"
	"github.com/outbound-caller/admin-api/internal/auth"
	"github.com/outbound-caller/admin-api/internal/client"
	"github.com/outbound-caller/admin-api/internal/config"
	"github.com/outbound-caller/admin-api/internal/cursor"
	"github.com/outbound-caller/admin-api/internal/dev/testkit"
)

// TestLambdaColdStartReadsTheSecretFromSecretsManager runs the cold start
// of a deployed function against moto's Secrets Manager: the handler must
// verify tokens signed with the stored secret, and refuse to start when
// the stored secret is the public dev default.
func TestLambdaColdStartReadsTheSecretFromSecretsManager(t *testing.T) {
	endpoint := os.Getenv("TEST_SECRETSMANAGER_ENDPOINT")
	if endpoint == "" {
		t.Skip("TEST_SECRETSMANAGER_ENDPOINT not set: runs under make test-moto")
	}
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	ctx := context.Background()
	sm := secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	put := func(t *testing.T, value string) string {
		t.Helper()
		out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name: aws.String(strings.ReplaceAll(t.Name(), "/", "-")), SecretString: aws.String(value),
		})
		if err != nil {
			t.Fatal(err)
		}
		return *out.ARN
	}
	lambdaEnv := func(arn string) func(string) string {
		env := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "update-client", "ADMIN_JWT_SECRET_ARN": arn, "TABLE_NAME": "t"}
		return func(k string) string { return env[k] }
	}

	t.Run("tokens signed with the stored secret are accepted", func(t *testing.T) {
		const stored = "deployed-secret-0123456789abcdef0123456789abcdef"
		h, err := app.Lambda(ctx, lambdaEnv(put(t, stored)), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		good, _ := auth.Issuer{Secret: []byte(stored)}.Sign("ops", auth.RoleAdmin, time.Minute)
		if _, err := h.Auth.Authorize("Bearer "+good, auth.RoleAdmin); err != nil {
			t.Errorf("token signed with the stored secret refused: %v", err)
		}
		dev, _ := auth.Issuer{Secret: []byte(config.DevSecret)}.Sign("ops", auth.RoleAdmin, time.Minute)
		if _, err := h.Auth.Authorize("Bearer "+dev, auth.RoleAdmin); err == nil {
			t.Error("token signed with the dev secret accepted")
		}
	})
	t.Run("a JSON document supplies every secret", func(t *testing.T) {
		const (
			jwt    = "deployed-admin-secret-0123456789abcdef0123456789"
			cli    = "deployed-client-secret-0123456789abcdef012345678"
			cur    = "deployed-cursor-secret-0123456789abcdef012345678"
			bcrypt = "$2a$04$abcdefghijklmnopqrstuu5ZgTOq1rzJdVTJYoCJEm7hrcTKyZ9Ay"
		)
		doc := `{"jwtSecret":"` + jwt + `","clientJwtSecret":"` + cli + `","cursorSecret":"` + cur + `","adminPasswordHash":"` + bcrypt + `"}`
		h, err := app.Lambda(ctx, lambdaEnv(put(t, doc)), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		admin, _ := auth.Issuer{Secret: []byte(jwt)}.Sign("ops", auth.RoleAdmin, time.Minute)
		if _, err := h.Auth.Authorize("Bearer "+admin, auth.RoleAdmin); err != nil {
			t.Errorf("admin token signed with jwtSecret refused: %v", err)
		}
		own, _ := auth.Issuer{Secret: []byte(cli)}.SignClient(testkit.JohnID, "s", time.Minute)
		if _, err := h.Auth.Authorize("Bearer "+own, auth.RoleClient); err != nil {
			t.Errorf("client token signed with clientJwtSecret refused: %v", err)
		}
		// Two keys: the admin secret no longer vouches for client tokens.
		crossed, _ := auth.Issuer{Secret: []byte(jwt)}.SignClient(testkit.JohnID, "s", time.Minute)
		if _, err := h.Auth.Authorize("Bearer "+crossed, auth.RoleClient); err == nil {
			t.Error("client token signed with jwtSecret accepted")
		}
		if h.SignIn.AdminPasswordHash != bcrypt {
			t.Error("admin sign-in does not use adminPasswordHash")
		}
		q := client.ListQuery{Limit: 10}
		c := cursor.New(cursor.DeriveKey(cur)).Encode(client.Position{CreatedAt: "2026-01-01T00:00:00.000Z", ClientID: testkit.JohnID}, q)
		if _, err := h.Cursors.Decode(c, q); err != nil {
			t.Errorf("cursor keyed with cursorSecret refused: %v", err)
		}
	})
	t.Run("a plain client secret in the environment stops a deployed cold start", func(t *testing.T) {
		env := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "update-client", "ADMIN_JWT_SECRET_ARN": put(t, "deployed-secret-0123456789abcdef0123456789abcdef"),
			"CLIENT_JWT_SECRET": "plain-client-secret-0123456789abcdef0123456789"}
		if _, err := app.Lambda(ctx, func(k string) string { return env[k] }, io.Discard); err == nil {
			t.Fatal("cold start accepted CLIENT_JWT_SECRET in plain environment")
		}
	})
	t.Run("the dev secret stored in Secrets Manager is refused", func(t *testing.T) {
		if _, err := app.Lambda(ctx, lambdaEnv(put(t, config.DevSecret)), io.Discard); err == nil {
			t.Fatal("cold start accepted the public dev secret")
		}
	})
	t.Run("an unreadable secret stops the cold start", func(t *testing.T) {
		if _, err := app.Lambda(ctx, lambdaEnv("arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf"), io.Discard); err == nil {
			t.Fatal("cold start succeeded without its secret")
		}
	})
}
