// Package store keeps clients in one DynamoDB table. It is the only package
// that reads or writes the table: it knows the item layout, the key
// prefixes, the expressions, the uniqueness locks and the sign-in attempt
// counters, and it translates DynamoDB's refusals into the errors of
// package client. (Package app only builds the DynamoDB client.)
package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// maxAttempts bounds every retry loop (retry): an update or delete that
// keeps losing races to other writers of the same client, a sign-in read
// that DynamoDB keeps leaving unprocessed.
const maxAttempts = 4

// errRetry, returned by retry's once, asks for another attempt: the client
// changed between our read and our write, or part of a read was left
// unprocessed.
var errRetry = errors.New("store: client changed concurrently")

// retry runs once until it returns anything but errRetry, at most
// maxAttempts times with a short random backoff between attempts, and
// then gives up with exhausted.
func retry(ctx context.Context, exhausted error, once func() error) error {
	for attempt := range maxAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return classify(err)
			}
		}
		if err := once(); !errors.Is(err, errRetry) {
			return err
		}
	}
	return exhausted
}

// API is the part of the DynamoDB client the store uses. *dynamodb.Client
// satisfies it.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	// BatchGetItem reads the list totals' counter shards in one round
	// trip (counts.go).
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	// PutItem records a change the table's stream delivered (PutEvent).
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store reads and writes clients.
type Store struct {
	db    API
	table string
	now   func() time.Time
	// HistoryRetention is how long a client's history events are kept
	// (history.go); DefaultHistoryRetention when 0.
	HistoryRetention time.Duration
}

// New returns a Store on table. now is the clock (time.Now when nil).
func New(db API, table string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, table: table, now: now}
}

func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.IntN(5*attempt)+1) * time.Millisecond
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// classify marks throttling and deadline errors as client.ErrUnavailable so
// the API can answer 503 with Retry-After; other errors pass unchanged.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &apiErr) && throttleCodes[apiErr.ErrorCode()] {
		return fmt.Errorf("%w: %w", client.ErrUnavailable, err)
	}
	return err
}

var throttleCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"LimitExceededException":                 true,
}
