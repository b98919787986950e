package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/app"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/cursor"
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
		env := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "update-client", "ADMIN_JWT_SECRET_ARN": arn, "TABLE_NAME": "t", "ADMIN_USERNAME": "admin",
			"AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
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
		doc := `{"jwtSecret":"` + jwt + `","clientJwtSecret":"` + cli + `","cursorSecret":"` + cur + `","adminPasswordHash":"` + bcrypt + `",` +
			`"adminAccounts":[{"username":"support","passwordHash":"` + bcrypt + `","scopes":["read:clients"]}]}`
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
		want := []auth.AdminAccount{
			{Username: "admin", PasswordHash: bcrypt, Scopes: auth.FullAccess()},
			{Username: "support", PasswordHash: bcrypt, Scopes: auth.Only(auth.ScopeReadClients)},
		}
		if got := h.SignIn.Admins; !reflect.DeepEqual(got, want) {
			t.Errorf("admin accounts = %+v, want adminPasswordHash's and adminAccounts' %+v", got, want)
		}
		q := client.ListQuery{Limit: 10}
		c := cursor.New(cursor.DeriveKey(cur)).Encode(client.Position{CreatedAt: "2026-01-01T00:00:00.000Z", ClientID: testkit.JohnID}, q)
		if _, err := h.Cursors.Decode(c, q); err != nil {
			t.Errorf("cursor keyed with cursorSecret refused: %v", err)
		}
	})
	t.Run("a plain client secret in the environment stops a deployed cold start", func(t *testing.T) {
		base := lambdaEnv(put(t, "deployed-secret-0123456789abcdef0123456789abcdef"))
		env := func(k string) string {
			if k == "CLIENT_JWT_SECRET" {
				return "plain-client-secret-0123456789abcdef0123456789"
			}
			return base(k)
		}
		if _, err := app.Lambda(ctx, env, io.Discard); err == nil {
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

// TestLambdaTakesAWSSettingsFromTheLambdaEnvironment: a function builds its
// AWS configuration from the variables the Lambda runtime sets (region,
// the execution role's credentials with their session token) and the
// SDK's standard endpoint variables, the service's own before the general
// one; without a region or credentials the cold start fails rather than
// signing requests nobody can verify. Each server here records what the
// DynamoDB client sent it.
func TestLambdaTakesAWSSettingsFromTheLambdaEnvironment(t *testing.T) {
	type seen struct{ auth, token string }
	serve := func(t *testing.T) (*httptest.Server, chan seen) {
		got := make(chan seen, 10)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				return // the connection opened at cold start (TestDynamoDBConnectionOpensAtColdStart)
			}
			got <- seen{r.Header.Get("Authorization"), r.Header.Get("X-Amz-Security-Token")}
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"recorded"}`)
		}))
		t.Cleanup(srv.Close)
		return srv, got
	}
	dynamo, dynamoSeen := serve(t)
	general, generalSeen := serve(t)
	lambdaEnv := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": "get-client", "APP_ENV": "local", "TABLE_NAME": "t", "ADMIN_JWT_SECRET": testSecret,
		"AWS_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "ASIALAMBDAROLE", "AWS_SECRET_ACCESS_KEY": "role-secret", "AWS_SESSION_TOKEN": "role-session-token",
	}
	with := func(extra map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := extra[k]; ok {
				return v
			}
			return lambdaEnv[k]
		}
	}
	getClient := func(t *testing.T, getenv func(string) string) {
		t.Helper()
		h, err := app.Lambda(t.Context(), getenv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := auth.Issuer{Secret: []byte(testSecret)}.Sign("ops", auth.RoleAdmin, time.Minute)
		req := testkit.Event(http.MethodGet, "/admin/clients/"+testkit.JohnID, map[string]string{"clientId": testkit.JohnID},
			map[string]string{"authorization": testkit.Bearer(tok)}, "")
		_, _ = h.Serve(api.GetClient)(t.Context(), req)
	}
	signedAsTheRole := func(t *testing.T, got chan seen) {
		t.Helper()
		select {
		case s := <-got:
			if !strings.Contains(s.auth, "Credential=ASIALAMBDAROLE/") || !strings.Contains(s.auth, "/eu-west-3/dynamodb/aws4_request") {
				t.Errorf("request not signed with the environment's key and region: %s", s.auth)
			}
			if s.token != "role-session-token" {
				t.Errorf("X-Amz-Security-Token = %q, want the environment's session token", s.token)
			}
		default:
			t.Fatal("no DynamoDB request reached the configured endpoint")
		}
	}

	t.Run("AWS_ENDPOINT_URL_DYNAMODB comes before AWS_ENDPOINT_URL", func(t *testing.T) {
		getClient(t, with(map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": dynamo.URL, "AWS_ENDPOINT_URL": general.URL}))
		signedAsTheRole(t, dynamoSeen)
		if len(generalSeen) != 0 {
			t.Error("a DynamoDB request went to AWS_ENDPOINT_URL although AWS_ENDPOINT_URL_DYNAMODB is set")
		}
	})
	t.Run("AWS_ENDPOINT_URL serves every service without its own", func(t *testing.T) {
		getClient(t, with(map[string]string{"AWS_ENDPOINT_URL": general.URL}))
		signedAsTheRole(t, generalSeen)
	})
	for _, missing := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Run("no "+missing+" stops the cold start", func(t *testing.T) {
			if _, err := app.Lambda(t.Context(), with(map[string]string{missing: ""}), io.Discard); err == nil {
				t.Fatalf("cold start succeeded without %s", missing)
			}
		})
	}
}

const testSecret = "app-test-secret-0123456789abcdef0123456789abcdef"

// TestDynamoDBConnectionOpensAtColdStart: the cold start opens the
// connection to DynamoDB by itself (a GET of the endpoint's root, no
// credentials sent), and the first request arrives on that connection
// rather than opening its own.
func TestDynamoDBConnectionOpensAtColdStart(t *testing.T) {
	var mu sync.Mutex
	var conns int
	var seen []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" auth="+strconv.FormatBool(r.Header.Get("Authorization") != ""))
		mu.Unlock()
		if r.Method == http.MethodGet {
			_, _ = io.WriteString(w, "healthy")
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"recorded"}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	env := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": "get-client", "APP_ENV": "local", "TABLE_NAME": "t", "ADMIN_JWT_SECRET": testSecret,
		"AWS_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "ASIALAMBDAROLE", "AWS_SECRET_ACCESS_KEY": "role-secret",
		"AWS_ENDPOINT_URL_DYNAMODB": srv.URL,
	}
	h, err := app.Lambda(t.Context(), func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// No request has been served yet: whatever reaches the server now is
	// the cold start's own.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cold start opened no connection to DynamoDB")
		}
	}
	tok, _ := auth.Issuer{Secret: []byte(testSecret)}.Sign("ops", auth.RoleAdmin, time.Minute)
	req := testkit.Event(http.MethodGet, "/admin/clients/"+testkit.JohnID, map[string]string{"clientId": testkit.JohnID},
		map[string]string{"authorization": testkit.Bearer(tok)}, "")
	_, _ = h.Serve(api.GetClient)(t.Context(), req)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"GET / auth=false", "POST / auth=true"}; !slices.Equal(seen, want) {
		t.Errorf("the server saw %q, want %q", seen, want)
	}
	if conns != 1 {
		t.Errorf("%d connections opened, want 1: the first request did not use the one the cold start opened", conns)
	}
}
