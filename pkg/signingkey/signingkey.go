// Package signingkey reads the HS256 token secret from AWS Secrets Manager.
// A function calls Fetch once, at cold start, and keeps the value for the
// life of the instance: one GetSecretValue per instance, none per request.
package signingkey

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// API is the part of the Secrets Manager client Fetch needs.
type API interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Fetch returns the current version of the secret arn as a string. The
// secret must be a non-empty SecretString (what `aws secretsmanager
// create-secret --secret-string` stores); errors never carry its value.
func Fetch(ctx context.Context, sm API, arn string) (string, error) {
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn})
	if err != nil {
		return "", fmt.Errorf("signingkey: read secret %s: %w", arn, err)
	}
	if out.SecretString == nil || *out.SecretString == "" {
		return "", errors.New("signingkey: secret " + arn + " has no SecretString")
	}
	return *out.SecretString, nil
}
