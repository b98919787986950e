package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/app"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// The benchmarks come in pairs run in the same process against the same
// in-process store (minidyn over loopback HTTP, real SDK): the handler end
// to end (event in, token verified, body validated, store call, response
// out) and the bare SDK calls that handler issues, captured from the
// handler itself. Their ratio is our own overhead; `make bench` reports it.

// benchEnv is a handler and a DynamoDB client sharing one embedded store,
// with the demo clients seeded. Inputs the SDK sends are recorded while
// capturing is on, so the bare benchmarks replay exactly what the handler
// issued.
type benchEnv struct {
	h     *api.Handler
	db    *dynamodb.Client
	token string

	mu        sync.Mutex
	capturing bool
	captured  []any
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ctx := context.Background()
	be := &benchEnv{}
	emb := localdb.Start()
	b.Cleanup(emb.Close)
	db, err := localdb.Client(ctx, emb.URL, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, be.capture)
	})
	if err != nil {
		b.Fatal(err)
	}
	be.db = db
	id := make([]byte, 6)
	_, _ = rand.Read(id)
	table := "bench-" + hex.EncodeToString(id)
	if err := store.CreateTable(ctx, db, table); err != nil {
		b.Fatal(err)
	}
	if err := localdb.Seed(ctx, store.New(db, table, nil), time.Now()); err != nil {
		b.Fatal(err)
	}
	cfg := config.Config{TableName: table, JWTSecret: testkit.TokenSecret, Skew: 30 * time.Second}
	// Logs are formatted as in production and then discarded.
	be.h, err = app.NewHandler(ctx, cfg, db, app.NewLogger(io.Discard, 0))
	if err != nil {
		b.Fatal(err)
	}
	be.token = testkit.AdminToken(b, auth.Issuer{Secret: []byte(testkit.TokenSecret)}, "bench-admin")
	return be
}

func (be *benchEnv) capture(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("bench.capture",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			be.mu.Lock()
			if be.capturing {
				be.captured = append(be.captured, in.Parameters)
			}
			be.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

// record runs fn and returns the SDK inputs it sent.
func (be *benchEnv) record(fn func()) []any {
	be.mu.Lock()
	be.capturing, be.captured = true, nil
	be.mu.Unlock()
	fn()
	be.mu.Lock()
	defer be.mu.Unlock()
	be.capturing = false
	return be.captured
}

// event is the API Gateway event of an admin PUT on the demo client.
func (be *benchEnv) event(body string) api.Request {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "PUT /admin/clients/{clientId}", RawPath: testkit.JohnPath,
		Headers: map[string]string{
			"authorization": "Bearer " + be.token, "content-type": "application/json",
			"content-length": "64", "host": "api.example.com", "user-agent": "bench",
		},
		PathParameters: map[string]string{"clientId": testkit.JohnID},
		Body:           body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "PUT /admin/clients/{clientId}", Stage: "$default", RequestID: "bench-request",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "PUT", Path: testkit.JohnPath},
		},
	}
}

func (be *benchEnv) serve(b *testing.B, ev api.Request) {
	resp, err := be.h.Serve(api.UpdateClient)(context.Background(), ev)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("handler: %d %s %v", resp.StatusCode, resp.Body, err)
	}
}

const plainBody = `{"status":"Active","agentId":"agent_bench_1","clientMeta":{"city":"Paris","notes":"benchmark"}}`

func BenchmarkUpdateHandler(b *testing.B) {
	be := newBenchEnv(b)
	ev := be.event(plainBody)
	b.ReportAllocs()
	for b.Loop() {
		be.serve(b, ev)
	}
}

func BenchmarkBareUpdateItem(b *testing.B) {
	be := newBenchEnv(b)
	in := be.record(func() { be.serve(b, be.event(plainBody)) })
	if len(in) != 1 {
		b.Fatalf("handler sent %d calls, want 1", len(in))
	}
	upd := in[0].(*dynamodb.UpdateItemInput)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := be.db.UpdateItem(ctx, upd); err != nil {
			b.Fatal(err)
		}
	}
}

// The email-change pair alternates between two addresses so that every
// iteration really moves the lock.
var benchEmails = [2]string{"john.bench.b@example.com", "john.smith@example.com"}

func emailBody(i int) string { return `{"clientMeta":{"email":"` + benchEmails[i%2] + `"}}` }

func BenchmarkEmailChangeHandler(b *testing.B) {
	be := newBenchEnv(b)
	evs := [2]api.Request{be.event(emailBody(0)), be.event(emailBody(1))}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		be.serve(b, evs[i%2])
		i++
	}
}

// BenchmarkBareEmailChange replays the handler's calls: the in-place
// UpdateItem, refused because the email's key changes, whose ALL_OLD item
// is the read, and the TransactWriteItems conditioned on the version it
// returned, which each iteration puts into the captured input as the
// handler does.
func BenchmarkBareEmailChange(b *testing.B) {
	be := newBenchEnv(b)
	// Bump the version away from 1 so that it cannot be confused with the
	// expression's constant increment.
	for range 3 {
		be.serve(b, be.event(plainBody))
	}
	var upd [2]*dynamodb.UpdateItemInput
	var tx [2]*dynamodb.TransactWriteItemsInput
	var versionKey [2]string
	for i := range 2 {
		cur := readVersion(b, be)
		in := be.record(func() { be.serve(b, be.event(emailBody(i))) })
		if len(in) != 2 {
			b.Fatalf("handler sent %d calls, want 2", len(in))
		}
		upd[i], tx[i] = in[0].(*dynamodb.UpdateItemInput), in[1].(*dynamodb.TransactWriteItemsInput)
		for k, v := range tx[i].TransactItems[0].Update.ExpressionAttributeValues {
			if n, ok := v.(*types.AttributeValueMemberN); ok && n.Value == cur {
				versionKey[i] = k
			}
		}
		if versionKey[i] == "" {
			b.Fatal("no version condition in the captured transaction")
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, err := be.db.UpdateItem(ctx, upd[i%2])
		ccf, ok := errors.AsType[*types.ConditionalCheckFailedException](err)
		if !ok {
			b.Fatalf("in-place update: %v, want its condition to fail", err)
		}
		tx[i%2].TransactItems[0].Update.ExpressionAttributeValues[versionKey[i%2]] = ccf.Item["version"]
		if _, err := be.db.TransactWriteItems(ctx, tx[i%2]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func readVersion(b *testing.B, be *benchEnv) string {
	b.Helper()
	in := be.record(func() { be.serve(b, be.event(plainBody)) })
	out, err := be.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: in[0].(*dynamodb.UpdateItemInput).TableName, ConsistentRead: new(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "CLIENT#" + testkit.JohnID}},
	})
	if err != nil {
		b.Fatal(err)
	}
	return out.Item["version"].(*types.AttributeValueMemberN).Value
}
