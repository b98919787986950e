package signingkey_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/outbound-caller/admin-api/pkg/signingkey"
)

// motoClient is a real Secrets Manager client pointed at moto, which
// `make test-moto` runs; there is no embedded Secrets Manager for plain
// `make test`, so the test skips there.
func motoClient(t *testing.T) *secretsmanager.Client {
	t.Helper()
	endpoint := os.Getenv("TEST_SECRETSMANAGER_ENDPOINT")
	if endpoint == "" {
		t.Skip("TEST_SECRETSMANAGER_ENDPOINT not set: runs under make test-moto")
	}
	return secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		// moto routes by the SigV4 credential scope, so requests are signed.
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

func TestFetch(t *testing.T) {
	sm := motoClient(t)
	ctx := context.Background()
	create := func(t *testing.T, name string, in *secretsmanager.CreateSecretInput) string {
		t.Helper()
		in.Name = aws.String(name + "-" + strings.ReplaceAll(t.Name(), "/", "-"))
		out, err := sm.CreateSecret(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return *out.ARN
	}
	const value = "hs256-secret-from-secrets-manager-0123456789abcdef"

	t.Run("returns the secret string", func(t *testing.T) {
		arn := create(t, "jwt", &secretsmanager.CreateSecretInput{SecretString: aws.String(value)})
		got, err := signingkey.Fetch(ctx, sm, arn)
		if err != nil || got != value {
			t.Fatalf("Fetch = %q, %v", got, err)
		}
	})
	t.Run("returns the current version after a rotation", func(t *testing.T) {
		arn := create(t, "jwt", &secretsmanager.CreateSecretInput{SecretString: aws.String("old-" + value)})
		if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &arn, SecretString: aws.String(value)}); err != nil {
			t.Fatal(err)
		}
		got, err := signingkey.Fetch(ctx, sm, arn)
		if err != nil || got != value {
			t.Fatalf("Fetch = %q, %v", got, err)
		}
	})
	t.Run("refuses a binary-only secret", func(t *testing.T) {
		arn := create(t, "bin", &secretsmanager.CreateSecretInput{SecretBinary: []byte(value)})
		if got, err := signingkey.Fetch(ctx, sm, arn); err == nil || strings.Contains(err.Error(), value) {
			t.Fatalf("Fetch = %q, %v; want an error without the value", got, err)
		}
	})
	t.Run("a missing secret is an error", func(t *testing.T) {
		arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf"
		if _, err := signingkey.Fetch(ctx, sm, arn); err == nil {
			t.Fatal("Fetch of a missing secret succeeded")
		}
	})
}
