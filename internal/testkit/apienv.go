package testkit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/truora/minidyn/server"

	"github.com/outbound-caller/admin-api/internal/apispec"
	"github.com/outbound-caller/admin-api/internal/eventsource"
	"github.com/outbound-caller/admin-api/internal/gateway"
	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/pkg/api"
	"github.com/outbound-caller/admin-api/pkg/app"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/history"
	"github.com/outbound-caller/admin-api/pkg/passhash"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// TokenSecret is the HS256 secret test tokens are signed with.
const TokenSecret = "test-secret-0123456789abcdef0123456789abcdef"

// FastHashing is a cheap argon2id cost for tests: same code, less memory.
func FastHashing() passhash.Params { return passhash.Params{Memory: 64, Time: 1, Threads: 1} }

// adminPasswordHash hashes config.DevAdminPassword, the admin password of
// every Env (username config.DevAdminUsername).
func adminPasswordHash() (string, error) {
	h, err := passhash.NewHasher(FastHashing())
	if err != nil {
		return "", err
	}
	return h.Hash(config.DevAdminPassword)
}

// Env is a running API with its store: the real handlers behind a
// loopback HTTP server, the real SDK, and a DynamoDB-compatible store:
// embedded minidyn by default, or the emulator at TEST_DYNAMODB_ENDPOINT
// (moto in `make test-moto`). Each Env gets its own table, so tests may
// share one emulator.
type Env struct {
	URL      string // base URL of the API
	DB       *dynamodb.Client
	Table    string
	Handler  *api.Handler
	Store    *store.Store
	Issuer   auth.Issuer
	Embedded *server.Server // nil when running against an external emulator
	Logs     *SyncBuffer    // everything the handler logged
	Bodies   *SyncBuffer    // every response body Do read, one per line
	// History delivers the table's stream to the history writer, as
	// Lambda does for HistoryWriterFunction; DrainHistory runs it.
	History *eventsource.Mapping
	// HistoryLogs is everything the history writer logged.
	HistoryLogs *SyncBuffer
	// HistoryGivenUp lists the stream ranges the mapping sent to its
	// failure destination.
	HistoryGivenUp []string

	spec     *apispec.Validator
	mu       sync.Mutex
	calls    []string
	accesses []Access
	fault    Fault
	// writerFault intercepts the history writer's DynamoDB calls.
	writerFault Fault
}

// Access is one item or index a DynamoDB call sent by the handler touches,
// as IAM authorises it: the action (a TransactWriteItems is authorised
// item by item as PutItem, UpdateItem, DeleteItem or ConditionCheckItem),
// and the item's key (pk) or the index queried.
type Access struct {
	Action string // dynamodb:GetItem, dynamodb:Query, ...
	Key    string // the item's pk; "" for a Query
	Index  string // the index of a Query
	// Attrs are the top-level attributes a Put or Update names, as IAM's
	// dynamodb:Attributes sees them: the item's attributes for a Put; the
	// key and every attribute of the update and condition expressions for
	// an Update (sorted, each once).
	Attrs []string
}

// exprAttrs lists the top-level attribute names the expressions use:
// placeholders (#n, through names) and bare names, but not the parts of a
// document path after a dot, functions, keywords or values.
func exprAttrs(names map[string]string, exprs ...*string) []string {
	var out []string
	for _, e := range exprs {
		if e == nil {
			continue
		}
		for _, m := range exprToken.FindAllStringSubmatchIndex(*e, -1) {
			tok := (*e)[m[2]:m[3]]
			if m[2] > 0 && (*e)[m[2]-1] == '.' {
				continue // a nested name
			}
			if strings.HasPrefix(tok, ":") || exprWords[strings.ToLower(tok)] {
				continue
			}
			if strings.HasPrefix(tok, "#") {
				tok = names[tok]
			}
			if end := m[3]; end < len(*e) && (*e)[end] == '(' {
				continue // a function
			}
			out = append(out, tok)
		}
	}
	return out
}

var exprToken = regexp.MustCompile(`([#:]?[A-Za-z_][A-Za-z0-9_]*)`)

var exprWords = map[string]bool{"set": true, "add": true, "remove": true, "delete": true, "and": true, "or": true, "not": true,
	"between": true, "in": true}

// AttrSet is the attribute names of lists, each once, sorted, without "".
func AttrSet(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, a := range l {
			if a != "" && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

func itemAttrs(item map[string]types.AttributeValue) []string {
	out := make([]string, 0, len(item))
	for k := range item {
		out = append(out, k)
	}
	return out
}

// accessesOf lists what the input of one DynamoDB call touches.
func accessesOf(in any) []Access {
	pk := func(k map[string]types.AttributeValue) string {
		s, _ := k["pk"].(*types.AttributeValueMemberS)
		if s == nil {
			return ""
		}
		return s.Value
	}
	var out []Access
	switch in := in.(type) {
	case *dynamodb.GetItemInput:
		out = append(out, Access{Action: "dynamodb:GetItem", Key: pk(in.Key)})
	case *dynamodb.UpdateItemInput:
		out = append(out, Access{Action: "dynamodb:UpdateItem", Key: pk(in.Key),
			Attrs: AttrSet(itemAttrs(in.Key), exprAttrs(in.ExpressionAttributeNames, in.UpdateExpression, in.ConditionExpression))})
	case *dynamodb.PutItemInput:
		out = append(out, Access{Action: "dynamodb:PutItem", Key: pk(in.Item),
			Attrs: AttrSet(itemAttrs(in.Item), exprAttrs(in.ExpressionAttributeNames, in.ConditionExpression))})
	case *dynamodb.DeleteItemInput:
		out = append(out, Access{Action: "dynamodb:DeleteItem", Key: pk(in.Key)})
	case *dynamodb.QueryInput:
		idx := ""
		if in.IndexName != nil {
			idx = *in.IndexName
		}
		out = append(out, Access{Action: "dynamodb:Query", Index: idx})
	case *dynamodb.BatchGetItemInput:
		for _, ka := range in.RequestItems {
			for _, k := range ka.Keys {
				out = append(out, Access{Action: "dynamodb:BatchGetItem", Key: pk(k)})
			}
		}
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				out = append(out, Access{Action: "dynamodb:PutItem", Key: pk(it.Put.Item),
					Attrs: AttrSet(itemAttrs(it.Put.Item), exprAttrs(it.Put.ExpressionAttributeNames, it.Put.ConditionExpression))})
			case it.Update != nil:
				out = append(out, Access{Action: "dynamodb:UpdateItem", Key: pk(it.Update.Key),
					Attrs: AttrSet(itemAttrs(it.Update.Key), exprAttrs(it.Update.ExpressionAttributeNames, it.Update.UpdateExpression, it.Update.ConditionExpression))})
			case it.Delete != nil:
				out = append(out, Access{Action: "dynamodb:DeleteItem", Key: pk(it.Delete.Key)})
			case it.ConditionCheck != nil:
				out = append(out, Access{Action: "dynamodb:ConditionCheckItem", Key: pk(it.ConditionCheck.Key)})
			}
		}
	default:
		out = append(out, Access{Action: fmt.Sprintf("unknown %T", in)})
	}
	return out
}

// Accesses returns what the handler's DynamoDB calls touched since the
// last call, and resets.
func (e *Env) Accesses() []Access {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.accesses
	e.accesses = nil
	return a
}

// Fault intercepts one attempt of a DynamoDB operation at the transport
// edge of the handler's SDK client (after the SDK's retry loop, so the SDK
// retries what a Fault returns as it would a real response). send performs
// the real request; a Fault may skip it (the request never reaches the
// store), call it and then fail (the response is lost), or block.
type Fault func(ctx context.Context, op string, send func() error) error

// LogDirEnv names a directory where every Env writes its handler logs and
// response bodies when its test ends, so that a TestMain can check all the
// output of a suite (see pkg/api's TestMain).
const LogDirEnv = "TESTKIT_LOG_DIR"

// Option adjusts the configuration before the handler is built.
type Option func(*config.Config)

// New starts an Env; everything stops when tb ends.
func NewEnv(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	ctx := context.Background()
	e := &Env{Logs: &SyncBuffer{}, Bodies: &SyncBuffer{}}
	if dir := os.Getenv(LogDirEnv); dir != "" {
		tb.Cleanup(func() { e.dump(tb, dir) })
	}
	endpoint := os.Getenv("TEST_DYNAMODB_ENDPOINT")
	if endpoint == "" {
		emb := localdb.Start()
		tb.Cleanup(emb.Close)
		endpoint, e.Embedded = emb.URL, emb.Server
	}
	db, err := localdb.Client(ctx, endpoint, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, e.countCalls, e.injectFaults)
	})
	if err != nil {
		tb.Fatal(err)
	}
	e.DB = db
	id := make([]byte, 6)
	_, _ = rand.Read(id)
	e.Table = "test-" + hex.EncodeToString(id)
	if err := store.CreateTable(ctx, db, e.Table); err != nil {
		tb.Fatal(err)
	}
	adminHash, err := adminPasswordHash()
	if err != nil {
		tb.Fatal(err)
	}
	cfg := config.Config{
		TableName: e.Table, JWTSecret: TokenSecret, Skew: 30 * time.Second,
		AdminUsername: config.DevAdminUsername, AdminPasswordHash: adminHash,
		AdminTokenTTL: time.Hour, ClientTokenTTL: 24 * time.Hour,
	}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := app.NewHandler(ctx, cfg, db, app.NewLogger(e.Logs, -4))
	if err != nil {
		tb.Fatal(err)
	}
	e.Handler = h
	e.Store = store.New(db, e.Table, nil)
	e.Issuer = auth.Issuer{Secret: []byte(TokenSecret), Issuer: cfg.Issuer, Audience: cfg.Audience}
	if err := e.startHistory(ctx, endpoint, cfg); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(gateway.New(h))
	tb.Cleanup(srv.Close)
	e.URL = srv.URL
	if e.spec, err = apispec.NewValidator(ctx, srv.URL); err != nil {
		tb.Fatal(err)
	}
	return e
}

// startHistory builds the history writer on its own DynamoDB client (its
// calls are not the handler's: Calls and Accesses leave them out) and the
// mapping that delivers the stream to it.
func (e *Env) startHistory(ctx context.Context, endpoint string, cfg config.Config) error {
	wdb, err := localdb.Client(ctx, endpoint, func(o *dynamodb.Options) {
		// The mapping retries the batch; the SDK's own backoff would only
		// make the fault tests slow.
		o.RetryMaxAttempts = 1
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Finalize.Add(faultStep("testkit.writerFault", func() Fault {
				e.mu.Lock()
				defer e.mu.Unlock()
				return e.writerFault
			}), middleware.After)
		})
	})
	if err != nil {
		return err
	}
	streams, err := localdb.StreamsClient(ctx, endpoint)
	if err != nil {
		return err
	}
	ws := store.New(wdb, e.Table, nil)
	ws.HistoryRetention = cfg.HistoryRetention
	e.HistoryLogs = &SyncBuffer{}
	w := &history.Writer{Events: ws, Log: app.NewLogger(e.HistoryLogs, -4)}
	e.History = &eventsource.Mapping{Streams: streams, Table: e.Table, Handler: w.Handle, MaxRetries: 3,
		OnFailure: func(first, last string, err error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.HistoryGivenUp = append(e.HistoryGivenUp, first+".."+last)
		}}
	return nil
}

// DrainHistory delivers every stream record written so far to the history
// writer, as Lambda would within seconds.
func (e *Env) DrainHistory(tb testing.TB) {
	tb.Helper()
	if err := e.History.Drain(context.Background()); err != nil {
		tb.Fatalf("history: %v", err)
	}
}

// RunHistory delivers the stream to the history writer continuously, as
// make run does, until tb ends (for tests that cannot say when to drain,
// such as the browser's). Use it or DrainHistory, not both.
func (e *Env) RunHistory(tb testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.History.Run(ctx, 100*time.Millisecond) }()
	tb.Cleanup(func() { cancel(); <-done })
}

// SetWriterFault installs f on the history writer's DynamoDB calls (nil
// removes it).
func (e *Env) SetWriterFault(f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.writerFault = f
}

// countCalls records the name of every DynamoDB operation the SDK sends.
func (e *Env) countCalls(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("testkit.count",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			e.mu.Lock()
			e.calls = append(e.calls, awsmw.GetOperationName(ctx))
			e.accesses = append(e.accesses, accessesOf(in.Parameters)...)
			e.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

// injectFaults runs every attempt through the current Fault, if any.
func (e *Env) injectFaults(stack *middleware.Stack) error {
	return stack.Finalize.Add(faultStep("testkit.fault", func() Fault {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.fault
	}), middleware.After)
}

// faultStep is a finalize step that runs the Fault current() returns
// around each attempt of a call.
func faultStep(id string, current func() Fault) middleware.FinalizeMiddleware {
	return middleware.FinalizeMiddlewareFunc(id,
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (out middleware.FinalizeOutput, md middleware.Metadata, err error) {
			f := current()
			if f == nil {
				return next.HandleFinalize(ctx, in)
			}
			err = f(ctx, awsmw.GetOperationName(ctx), func() error {
				out, md, err = next.HandleFinalize(ctx, in)
				return err
			})
			return out, md, err
		})
}

// SetFault installs f for the handler's DynamoDB calls; nil removes it.
func (e *Env) SetFault(f Fault) {
	e.mu.Lock()
	e.fault = f
	e.mu.Unlock()
}

func (e *Env) dump(tb testing.TB, dir string) {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	base := filepath.Join(dir, hex.EncodeToString(id))
	for suffix, buf := range map[string]*SyncBuffer{".log": e.Logs, ".bodies": e.Bodies} {
		if err := os.WriteFile(base+suffix, []byte(buf.String()), 0o600); err != nil {
			tb.Errorf("testkit: keep output: %v", err)
		}
	}
}

// forget drops the calls and accesses recorded so far: the test's own I/O.
func (e *Env) forget() {
	e.Calls()
	e.Accesses()
}

// Calls returns the DynamoDB operations sent since the last call, and resets.
func (e *Env) Calls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.calls
	e.calls = nil
	return c
}

// AdminToken signs a valid admin token.
func (e *Env) AdminToken(tb testing.TB) string {
	tb.Helper()
	tok, err := e.Issuer.Sign("admin-tester", auth.RoleAdmin, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// Result is an HTTP response read whole.
type Result struct {
	Status int
	Header http.Header
	Body   string
}

// JSON decodes the body into a generic map.
func (r Result) JSON(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		tb.Fatalf("body is not a JSON object: %q", r.Body)
	}
	return m
}

// Do sends a request and checks the response against openapi.yaml, so
// that no test can observe a response the contract does not describe.
// headers alternate name, value.
func (e *Env) Do(tb testing.TB, method, path, body string, headers ...string) Result {
	tb.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	e.Bodies.Write(append(b, '\n'))
	if err := e.spec.CheckResponse(req.Context(), req, resp.StatusCode, resp.Header, b); err != nil {
		tb.Errorf("response not in the contract: %v", err)
	}
	return Result{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// Snapshot returns every item of the table as sorted JSON lines; tests
// compare snapshots to prove a request changed nothing.
func (e *Env) Snapshot(tb testing.TB) []string {
	tb.Helper()
	var out []string
	// The counter shards are summed into one item, COUNT#*, without the
	// shards' change numbers, and the ready marker loses its time: which
	// shard a write chose is chance, the counts are what must agree.
	counts := map[string]float64{}
	p := dynamodb.NewScanPaginator(e.DB, &dynamodb.ScanInput{TableName: &e.Table, ConsistentRead: new(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		for _, it := range page.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				tb.Fatal(err)
			}
			pk, _ := m["pk"].(string)
			switch {
			case pk == "COUNT#ready":
				m = map[string]any{"pk": pk}
			case strings.HasPrefix(pk, "COUNT#"):
				for k, v := range m {
					if n, ok := v.(float64); ok && k != "seq" {
						counts[k] += n
					}
				}
				continue
			}
			b, _ := json.Marshal(m)
			out = append(out, string(b))
		}
	}
	for k, n := range counts {
		if n == 0 {
			delete(counts, k)
		}
	}
	if len(counts) > 0 {
		m := map[string]any{"pk": "COUNT#*"}
		for k, n := range counts {
			m[k] = n
		}
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	slices.Sort(out)
	e.forget() // a snapshot is the test's I/O, not the handler's
	return out
}

// TableDiff compares two snapshots of the whole table (Snapshot, or
// snapshots normalised alike) and returns one line per item that differs:
// "- item" for an item of before that after lacks or holds otherwise, "+
// item" for an item of after that before lacks or held otherwise, joined
// by newlines. Empty means the tables are equal, item for item, lock and
// counter items included. Every before/after comparison of the suites
// goes through it.
func TableDiff(before, after []string) string {
	var out []string
	for _, b := range before {
		if !slices.Contains(after, b) {
			out = append(out, "- "+b)
		}
	}
	for _, a := range after {
		if !slices.Contains(before, a) {
			out = append(out, "+ "+a)
		}
	}
	return strings.Join(out, "\n")
}

// Item reads one item by key as a generic map (nil when absent).
func (e *Env) Item(tb testing.TB, key string) map[string]any {
	tb.Helper()
	out, err := e.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: &e.Table, ConsistentRead: new(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	e.forget()
	if len(out.Item) == 0 {
		return nil
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// SetupOrigin is the history's origin of the clients a test writes
// straight into the store, before the requests it tests.
func SetupOrigin() client.Origin {
	return client.Origin{Action: client.ActionCreate, Actor: client.Actor{Sub: "test-setup", Role: client.RoleAdmin}}
}
