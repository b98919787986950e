package secretsdoc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/outbound-caller/admin-api/pkg/config"
)

// Client reads secret values from AWS Secrets Manager with one signed
// GetSecretValue call (the service's JSON 1.1 protocol, Signature Version
// 4 with the SDK's signer and credentials). It replaces the SDK's
// secretsmanager client in the functions: that client links its whole
// generated service model, about 0.15 MiB of every bootstrap, for the one
// call a function makes at cold start (issue 16's 10 MiB budget).
type Client struct {
	// Config supplies the region and credentials.
	Config aws.Config
	// Endpoint overrides https://secretsmanager.<region>.amazonaws.com
	// (AWS_ENDPOINT_URL_SECRETS_MANAGER, a local emulator).
	Endpoint string
}

// NewClient is a Client on cfg at the endpoint the SDK's standard
// variables name (config.EndpointURL for SECRETS_MANAGER), else
// cfg.BaseEndpoint (which the SDK also leaves unset when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true). getenv is os.Getenv
// outside tests.
func NewClient(cfg aws.Config, getenv func(string) string) Client {
	if e := config.EndpointURL(getenv, "SECRETS_MANAGER"); e != "" {
		return Client{Config: cfg, Endpoint: e}
	}
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return Client{Config: cfg}
	}
	return Client{Config: cfg, Endpoint: aws.ToString(cfg.BaseEndpoint)}
}

// maxSecretResponse bounds what is read of an answer: a secret value is at
// most 64 KiB, JSON-escaped in a small document.
const maxSecretResponse = 1 << 20

// SecretString returns the current SecretString of the secret id (a name
// or an ARN), "" when the secret holds binary data only.
func (c Client) SecretString(ctx context.Context, id string) (string, error) {
	endpoint := c.Endpoint
	if endpoint == "" {
		if c.Config.Region == "" {
			return "", errors.New("no AWS region")
		}
		endpoint = "https://secretsmanager." + c.Config.Region + ".amazonaws.com"
	}
	body, err := json.Marshal(struct {
		SecretID string `json:"SecretId"`
	}{id})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager.GetSecretValue")
	if c.Config.Credentials == nil {
		return "", errors.New("no AWS credentials")
	}
	creds, err := c.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "secretsmanager", c.Config.Region, time.Now()); err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	hc := c.Config.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxSecretResponse))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		// The error document names the error (its __type) and may carry a
		// message; neither holds the secret.
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		return "", fmt.Errorf("GetSecretValue: HTTP %d %s %s", resp.StatusCode, e.Type, e.Message)
	}
	var out struct {
		SecretString *string `json:"SecretString"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", fmt.Errorf("GetSecretValue: unreadable answer: %w", err)
	}
	return aws.ToString(out.SecretString), nil
}
