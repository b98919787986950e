// Package localdb runs the embedded DynamoDB-compatible store (minidyn over
// HTTP) for tests and local runs, and connects the real SDK to it or to any
// other local endpoint such as moto.
package localdb

import (
	"context"
	"net/http/httptest"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/truora/minidyn/server"
)

// Embedded is a minidyn server listening on a loopback port.
type Embedded struct {
	URL    string
	Server *server.Server // for failure injection in tests
	http   *httptest.Server
}

// Start starts an embedded store. Close stops it.
func Start() *Embedded {
	srv := server.NewServer()
	hs := httptest.NewServer(srv)
	return &Embedded{URL: hs.URL, Server: srv, http: hs}
}

// Close stops the server.
func (e *Embedded) Close() { e.http.Close() }

// localConfig is the AWS configuration of a local endpoint's clients.
// Local emulators accept any credentials; real ones from the environment
// are used when present.
func localConfig(ctx context.Context) (aws.Config, error) {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	load := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		load = append(load, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	return config.LoadDefaultConfig(ctx, load...)
}

// Client returns an SDK client for a local endpoint (localConfig).
func Client(ctx context.Context, endpoint string, opts ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	cfg, err := localConfig(ctx)
	if err != nil {
		return nil, err
	}
	opts = append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		// Emulators do not send the X-Amz-Crc32 header the SDK checks.
		o.DisableValidateResponseChecksum = true
	}}, opts...)
	return dynamodb.NewFromConfig(cfg, opts...), nil
}

// StreamsClient returns a DynamoDB Streams client for a local endpoint (the
// embedded store and moto serve the Streams API beside DynamoDB's), with
// the configuration Client uses.
func StreamsClient(ctx context.Context, endpoint string) (*dynamodbstreams.Client, error) {
	cfg, err := localConfig(ctx)
	if err != nil {
		return nil, err
	}
	return dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	}), nil
}
