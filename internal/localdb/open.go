package localdb

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/outbound-caller/admin-api/pkg/store"
)

// Local is the store of a local run (make run, make invoke).
type Local struct {
	DB       *dynamodb.Client
	Endpoint string
	Seeded   bool // the demo clients were seeded by this run
	// Store is the embedded store's DynamoDB endpoint as an HTTP handler,
	// for make run to serve beside its API at StorePath (so that the
	// migration tool finds it); nil when the store is an external one.
	Store http.Handler
	stop  func()
}

// StorePath is where make run serves its embedded store, beside its API:
// a DynamoDB endpoint at http://127.0.0.1:3000/dynamodb, on this machine
// only, as the store itself is.
const StorePath = "/dynamodb"

// Close stops the embedded store, if this run started one.
func (l *Local) Close() {
	if l.stop != nil {
		l.stop()
	}
}

// Open connects to AWS_ENDPOINT_URL_DYNAMODB when it is set, and otherwise
// starts the embedded store; it creates table if missing and seeds the demo
// clients (secrets hashed with h) into an embedded store, or into an
// external one when SEED=1. With CREATE_TABLE=0 it creates nothing and
// requires the table to exist: the layout is then whatever made the table
// (make deploy-check: a CloudFormation stack from template.yaml), and a
// wrong TABLE_NAME is an error instead of a new table built from the code.
// It says which store it uses on log.
func Open(ctx context.Context, getenv func(string) string, table string, h Hasher, log io.Writer) (*Local, error) {
	l := &Local{Endpoint: getenv("AWS_ENDPOINT_URL_DYNAMODB"), Seeded: getenv("SEED") == "1"}
	if l.Endpoint == "" {
		emb := Start()
		l.Endpoint, l.Seeded, l.stop, l.Store = emb.URL, true, emb.Close, emb.Server
		fmt.Fprintln(log, "DynamoDB: embedded minidyn store (data is lost on exit)")
	} else {
		fmt.Fprintln(log, "DynamoDB:", l.Endpoint)
	}
	fail := func(err error) (*Local, error) {
		l.Close()
		return nil, err
	}
	db, err := Client(ctx, l.Endpoint)
	if err != nil {
		return fail(err)
	}
	l.DB = db
	if getenv("CREATE_TABLE") == "0" {
		if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table}); err != nil {
			return fail(fmt.Errorf("CREATE_TABLE=0 needs an existing table %q at %s: %w", table, l.Endpoint, err))
		}
	} else if err := store.CreateTable(ctx, db, table); err != nil {
		return fail(err)
	}
	if l.Seeded {
		if err := SeedWithSecrets(ctx, store.New(db, table, nil), h, time.Now()); err != nil {
			return fail(err)
		}
	}
	return l, nil
}
