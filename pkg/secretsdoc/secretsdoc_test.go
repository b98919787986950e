package secretsdoc_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/secretsdoc"
)

// motoClient is the SDK's Secrets Manager client pointed at moto, which
// `make test-moto` runs, to set secrets up, and the service's own reader
// (secretsdoc.Client) pointed at the same server; there is no embedded
// Secrets Manager for plain `make test`, so the test skips there.
func motoClient(t *testing.T) (*secretsmanager.Client, secretsdoc.Client) {
	t.Helper()
	endpoint := os.Getenv("TEST_SECRETSMANAGER_ENDPOINT")
	if endpoint == "" {
		t.Skip("TEST_SECRETSMANAGER_ENDPOINT not set: runs under make test-moto")
	}
	// moto routes by the SigV4 credential scope, so requests are signed.
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	sdk := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: creds})
	return sdk, secretsdoc.Client{Config: aws.Config{Region: "us-east-1", Credentials: creds}, Endpoint: endpoint}
}

func TestFetch(t *testing.T) {
	sm, reader := motoClient(t)
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
		got, err := secretsdoc.Fetch(ctx, reader, arn)
		if err != nil || got != value {
			t.Fatalf("Fetch = %q, %v", got, err)
		}
	})
	t.Run("returns the current version after a rotation", func(t *testing.T) {
		arn := create(t, "jwt", &secretsmanager.CreateSecretInput{SecretString: aws.String("old-" + value)})
		if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &arn, SecretString: aws.String(value)}); err != nil {
			t.Fatal(err)
		}
		got, err := secretsdoc.Fetch(ctx, reader, arn)
		if err != nil || got != value {
			t.Fatalf("Fetch = %q, %v", got, err)
		}
	})
	t.Run("refuses a binary-only secret", func(t *testing.T) {
		arn := create(t, "bin", &secretsmanager.CreateSecretInput{SecretBinary: []byte(value)})
		if got, err := secretsdoc.Fetch(ctx, reader, arn); err == nil || strings.Contains(err.Error(), value) {
			t.Fatalf("Fetch = %q, %v; want an error without the value", got, err)
		}
	})
	t.Run("a missing secret is an error", func(t *testing.T) {
		arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:absent-AbCdEf"
		if _, err := secretsdoc.Fetch(ctx, reader, arn); err == nil {
			t.Fatal("Fetch of a missing secret succeeded")
		}
	})
}

func TestLoadReadsTheDocument(t *testing.T) {
	sm, reader := motoClient(t)
	ctx := context.Background()
	const doc = `{"jwtSecret":"j-0123456789abcdef0123456789abcdef","clientJwtSecret":"c-0123456789abcdef0123456789abcdef",` +
		`"cursorSecret":"k-0123456789abcdef0123456789abcdef","adminPasswordHash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"}`
	out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("doc-" + t.Name()), SecretString: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := secretsdoc.Load(ctx, reader, *out.ARN)
	want := config.Secrets{
		JWTSecret: "j-0123456789abcdef0123456789abcdef", ClientJWTSecret: "c-0123456789abcdef0123456789abcdef",
		CursorSecret: "k-0123456789abcdef0123456789abcdef", AdminPasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
	}
	if err != nil || got != want {
		t.Fatalf("Load = %+v, %v", got, err)
	}
}

func TestParse(t *testing.T) {
	const s = "s3cr3t-value-0123456789abcdef0123456789"
	cases := []struct {
		name    string
		in      string
		want    config.Secrets
		wantErr string // substring; "" means success
	}{
		{name: "a plain string is the HS256 secret (the first deployments' format)", in: s, want: config.Secrets{JWTSecret: s}},
		{name: "a document with every key", in: `{"jwtSecret":"a","clientJwtSecret":"b","cursorSecret":"c","adminPasswordHash":"d","secretHashKey":"e"}`,
			want: config.Secrets{JWTSecret: "a", ClientJWTSecret: "b", CursorSecret: "c", AdminPasswordHash: "d", SecretHashKey: "e"}},
		{name: "a document with only the secret hashing key", in: `{"secretHashKey":"e"}`, want: config.Secrets{SecretHashKey: "e"}},
		{name: "a document with some keys, spaced and indented", in: "\n {\n  \"clientJwtSecret\": \"b\"\n }\n", want: config.Secrets{ClientJWTSecret: "b"}},
		{name: "the admin accounts are kept as the list's JSON text (config reads them)",
			in:   `{"jwtSecret":"a","adminAccounts":[{"username":"support","passwordHash":"h","scopes":["read:clients"]}]}`,
			want: config.Secrets{JWTSecret: "a", AdminAccounts: `[{"username":"support","passwordHash":"h","scopes":["read:clients"]}]`}},
		{name: "a document of only a null account list is refused", in: `{"adminAccounts":null}`, wantErr: "none of"},
		{name: "a misspelt key is refused, named", in: `{"jwt_secret":"` + s + `"}`, wantErr: `unknown key "jwt_secret"`},
		{name: "an empty document is refused", in: `{}`, wantErr: "none of"},
		{name: "a document of empty values is refused", in: `{"jwtSecret":""}`, wantErr: "none of"},
		{name: "a value that is not a string is refused", in: `{"jwtSecret":12345}`, wantErr: `"jwtSecret" must be a string`},
		{name: "broken JSON is refused without quoting it", in: `{"jwtSecret":"` + s + `"` + s + `}`, wantErr: "not valid JSON"},
		{name: "truncated JSON is refused", in: `{"jwtSecret":"` + s, wantErr: "not a valid JSON document"},
		{name: "data after the document is refused", in: `{"jwtSecret":"a"} {"jwtSecret":"b"}`, wantErr: "after its JSON document"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := secretsdoc.Parse(tc.in)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			case err != nil && strings.Contains(err.Error(), "3cr3t"):
				t.Fatalf("error quotes the secret: %v", err)
			}
			if got != tc.want {
				t.Errorf("Parse = %+v, want %+v", got, tc.want)
			}
		})
	}
}
