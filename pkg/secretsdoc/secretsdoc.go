// Package secretsdoc reads the service's secrets from AWS Secrets Manager.
// A function calls Load once, at cold start, and keeps the values for the
// life of the instance: one GetSecretValue per instance, none per request.
//
// The secret at ADMIN_JWT_SECRET_ARN is a JSON document with named keys,
//
//	{"jwtSecret": "…", "clientJwtSecret": "…", "cursorSecret": "…", "adminPasswordHash": "$argon2id$…", "secretHashKey": "…",
//	 "adminAccounts": [{"username": "support", "passwordHash": "$argon2id$…", "scopes": ["read:clients"]}]}
//
// every key optional (config.Config.WithSecrets checks that the whole
// makes sense), or, as the first deployments stored it, a plain string:
// the HS256 secret alone (jwtSecret).
//
// One document rather than one secret per value: every function needs the
// token secrets, so separate secrets would add ARNs, parameters and cold
// start calls without narrowing any function's access to them.
package secretsdoc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/outbound-caller/admin-api/pkg/config"
)

// API reads a secret's string value; Client is the implementation.
type API interface {
	SecretString(ctx context.Context, id string) (string, error)
}

// Fetch returns the current version of the secret arn as a string. The
// secret must be a non-empty SecretString (what `aws secretsmanager
// create-secret --secret-string` stores); errors never carry its value.
func Fetch(ctx context.Context, sm API, arn string) (string, error) {
	s, err := sm.SecretString(ctx, arn)
	if err != nil {
		return "", fmt.Errorf("secretsdoc: read secret %s: %w", arn, err)
	}
	if s == "" {
		return "", errors.New("secretsdoc: secret " + arn + " has no SecretString")
	}
	return s, nil
}

// Load reads the secret arn and parses it (see Parse).
func Load(ctx context.Context, sm API, arn string) (config.Secrets, error) {
	s, err := Fetch(ctx, sm, arn)
	if err != nil {
		return config.Secrets{}, err
	}
	secrets, err := Parse(s)
	if err != nil {
		return config.Secrets{}, fmt.Errorf("secret %s: %w", arn, err)
	}
	return secrets, nil
}

// document is the secret's JSON form.
type document struct {
	JWTSecret         string `json:"jwtSecret"`
	ClientJWTSecret   string `json:"clientJwtSecret"`
	CursorSecret      string `json:"cursorSecret"`
	AdminPasswordHash string `json:"adminPasswordHash"`
	// SecretHashKey keys the client secrets' HMAC (config.Config.SecretHashSource).
	SecretHashKey string `json:"secretHashKey"`
	// AdminAccounts is kept as JSON text: config.Config.Admins reads it,
	// for the secret and for ADMIN_ACCOUNTS alike.
	AdminAccounts json.RawMessage `json:"adminAccounts"`
}

// Parse reads a secret string: a JSON object is the document of named
// keys; anything else is the HS256 secret itself. Unknown keys are refused,
// so that a misspelt key fails the cold start instead of silently leaving
// a value unset. Errors name keys and offsets, never values.
func Parse(s string) (config.Secrets, error) {
	if !strings.HasPrefix(strings.TrimSpace(s), "{") {
		return config.Secrets{JWTSecret: s}, nil
	}
	var doc document
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return config.Secrets{}, describe(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return config.Secrets{}, errors.New("secretsdoc: the secret has data after its JSON document")
	}
	secrets := config.Secrets{
		JWTSecret: doc.JWTSecret, ClientJWTSecret: doc.ClientJWTSecret, CursorSecret: doc.CursorSecret,
		AdminPasswordHash: doc.AdminPasswordHash, SecretHashKey: doc.SecretHashKey,
	}
	if len(doc.AdminAccounts) > 0 && string(doc.AdminAccounts) != "null" {
		secrets.AdminAccounts = string(doc.AdminAccounts)
	}
	if secrets == (config.Secrets{}) {
		return config.Secrets{}, errors.New("secretsdoc: the secret's JSON document has none of " + knownKeys)
	}
	return secrets, nil
}

// knownKeys are the document's keys, for error messages.
const knownKeys = "jwtSecret, clientJwtSecret, cursorSecret, adminPasswordHash, secretHashKey, adminAccounts"

// describe turns a decoding error into one that cannot carry any part of
// the secret: encoding/json's syntax errors quote the offending character.
func describe(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("secretsdoc: the secret is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Errorf("secretsdoc: the secret's %q must be a string", typ.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// The message names the key only.
		return fmt.Errorf("secretsdoc: the secret has an unknown key %s (known: %s)",
			strings.TrimPrefix(err.Error(), "json: unknown field "), knownKeys)
	default:
		return errors.New("secretsdoc: the secret is not a valid JSON document")
	}
}
