// Package store keeps clients in one DynamoDB table. It is the only package
// that knows DynamoDB: the item layout, the key prefixes, the expressions and
// the uniqueness locks, and it translates DynamoDB's refusals into the
// errors of package client.
package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Item layout. Every item has the one key attribute keyAttr.
const (
	keyAttr      = "pk"
	clientPrefix = "CLIENT#"
	emailPrefix  = "EMAIL#" // uniqueness lock: EMAIL#<lower-cased email> → owner clientId
)

// maxAttempts bounds the read-modify-write loop of a lock-moving update
// that keeps losing races to other writers of the same client.
const maxAttempts = 4

// API is the part of the DynamoDB client the store uses. *dynamodb.Client
// satisfies it.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store reads and writes clients.
type Store struct {
	db    API
	table string
	now   func() time.Time
}

// New returns a Store on table. now is the clock (time.Now when nil).
func New(db API, table string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, table: table, now: now}
}

// record is a client item as stored.
type record struct {
	PK                string     `dynamodbav:"pk"`
	ClientID          string     `dynamodbav:"clientId"`
	Status            string     `dynamodbav:"status"`
	AgentID           string     `dynamodbav:"agentId"`
	TwilioPhoneNumber string     `dynamodbav:"twilioPhoneNumber"`
	Meta              metaRecord `dynamodbav:"clientMeta"`
	CreatedAt         string     `dynamodbav:"createdAt"`
	UpdatedAt         string     `dynamodbav:"updatedAt"`
	UpdatedBy         string     `dynamodbav:"updatedBy,omitempty"`
	Version           int64      `dynamodbav:"version"`
}

// metaRecord is clientMeta as stored: named like the API, optional fields
// absent rather than empty.
type metaRecord struct {
	FullName     string `dynamodbav:"fullName"`
	Email        string `dynamodbav:"email"`
	Phone        string `dynamodbav:"phone,omitempty"`
	BusinessName string `dynamodbav:"businessName,omitempty"`
	City         string `dynamodbav:"city,omitempty"`
	JobTitle     string `dynamodbav:"jobTitle,omitempty"`
	Notes        string `dynamodbav:"notes,omitempty"`
}

func clientKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{keyAttr: &types.AttributeValueMemberS{Value: clientPrefix + id}}
}

func emailKey(email string) string { return emailPrefix + strings.ToLower(email) }

func toRecord(c client.Client) record {
	return record{
		PK: clientPrefix + c.ClientID, ClientID: c.ClientID, Status: string(c.Status), AgentID: c.AgentID,
		TwilioPhoneNumber: c.TwilioPhoneNumber, Meta: metaRecord(c.Meta), CreatedAt: client.FormatTime(c.CreatedAt),
		UpdatedAt: client.FormatTime(c.UpdatedAt), UpdatedBy: c.UpdatedBy, Version: c.Version,
	}
}

func fromItem(item map[string]types.AttributeValue) (client.Client, error) {
	var r record
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return client.Client{}, fmt.Errorf("store: decode client: %w", err)
	}
	created, _ := time.Parse(time.RFC3339Nano, r.CreatedAt)
	updated, _ := time.Parse(time.RFC3339Nano, r.UpdatedAt)
	return client.Client{
		ClientID: r.ClientID, Status: client.Status(r.Status), AgentID: r.AgentID,
		TwilioPhoneNumber: r.TwilioPhoneNumber, Meta: client.Meta(r.Meta), CreatedAt: created, UpdatedAt: updated,
		UpdatedBy: r.UpdatedBy, Version: r.Version,
	}, nil
}

// Get reads a client with a strongly consistent read.
func (s *Store) Get(ctx context.Context, id string) (client.Client, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: clientKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return client.Client{}, classify(fmt.Errorf("store: get client: %w", err))
	}
	if len(out.Item) == 0 {
		return client.Client{}, client.ErrNotFound
	}
	return fromItem(out.Item)
}

// Create writes a new client and its email lock in one transaction.
func (s *Store) Create(ctx context.Context, c client.Client) error {
	item, err := attributevalue.MarshalMap(toRecord(c))
	if err != nil {
		return fmt.Errorf("store: encode client: %w", err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Put: &types.Put{
			TableName: &s.table, Item: lockItem(emailKey(c.Meta.Email), c.ClientID),
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}},
	}})
	switch failed := cancelled(err); {
	case err == nil:
		return nil
	case failed[0]:
		return client.ErrIDTaken
	case failed[1]:
		return client.ErrEmailTaken
	default:
		return classify(fmt.Errorf("store: create client: %w", err))
	}
}

func lockItem(key, owner string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		keyAttr:    &types.AttributeValueMemberS{Value: key},
		"clientId": &types.AttributeValueMemberS{Value: owner},
	}
}

// Update applies u to client id on behalf of by and returns the client as
// written. A change that leaves the email alone is one conditional
// UpdateItem. An email change reads the client, then moves its lock in one
// transaction with the client write, retrying when another writer got in
// between.
func (s *Store) Update(ctx context.Context, id string, u client.Update, by string) (client.Client, error) {
	if u.Meta.Email == nil {
		return s.updatePlain(ctx, id, u, by)
	}
	for attempt := range maxAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return client.Client{}, classify(err)
			}
		}
		c, err := s.updateMovingEmail(ctx, id, u, by)
		if !errors.Is(err, errRetry) {
			return c, err
		}
	}
	return client.Client{}, client.ErrConflict
}

// errRetry means the client changed between our read and our write.
var errRetry = errors.New("store: client changed concurrently")

func (s *Store) updatePlain(ctx context.Context, id string, u client.Update, by string) (client.Client, error) {
	e := updateExpr(u, client.FormatTime(s.now()), by)
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: clientKey(id),
		UpdateExpression:          aws.String(e.update()),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  e.names,
		ExpressionAttributeValues: e.values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		if _, ok := errors.AsType[*types.ConditionalCheckFailedException](err); ok {
			return client.Client{}, client.ErrNotFound
		}
		return client.Client{}, classify(fmt.Errorf("store: update client: %w", err))
	}
	return fromItem(out.Attributes)
}

func (s *Store) updateMovingEmail(ctx context.Context, id string, u client.Update, by string) (client.Client, error) {
	cur, err := s.Get(ctx, id)
	if err != nil {
		return client.Client{}, err
	}
	now := s.now()
	e := updateExpr(u, client.FormatTime(now), by)
	e.values[":expected"] = &types.AttributeValueMemberN{Value: fmt.Sprint(cur.Version)}
	// The version pins everything we read; the email is named as well because
	// the lock we delete is derived from it.
	cond := "#version = :expected AND " + e.equals("#clientMeta.#email", cur.Meta.Email)
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: &s.table, Key: clientKey(id),
			UpdateExpression:          aws.String(e.update()),
			ConditionExpression:       aws.String(cond),
			ExpressionAttributeNames:  e.names,
			ExpressionAttributeValues: e.values,
		}},
		{Put: &types.Put{
			TableName: &s.table, Item: lockItem(emailKey(*u.Meta.Email), id),
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR clientId = :me"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":me": &types.AttributeValueMemberS{Value: id}},
		}},
	}
	if old := emailKey(cur.Meta.Email); cur.Meta.Email != "" && old != emailKey(*u.Meta.Email) {
		items = append(items, types.TransactWriteItem{Delete: &types.Delete{
			TableName: &s.table,
			Key:       map[string]types.AttributeValue{keyAttr: &types.AttributeValueMemberS{Value: old}},
			// Never delete a lock that some other client holds.
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR clientId = :me"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":me": &types.AttributeValueMemberS{Value: id}},
		}})
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	switch failed := cancelled(err); {
	case err == nil:
		return cur.Apply(u, now, by), nil
	case failed[0] || failed[-1]:
		return client.Client{}, errRetry
	case failed[1]:
		return client.Client{}, client.ErrEmailTaken
	default:
		return client.Client{}, classify(fmt.Errorf("store: move email lock: %w", err))
	}
}

// cancelled reports, for a cancelled transaction, which items failed their
// condition; key -1 is set when an item lost a conflict with another
// transaction (worth retrying). It is empty for any other outcome.
func cancelled(err error) map[int]bool {
	tce, ok := errors.AsType[*types.TransactionCanceledException](err)
	if !ok {
		return nil
	}
	failed := map[int]bool{}
	for i, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed":
			failed[i] = true
		case "TransactionConflict":
			failed[-1] = true
		}
	}
	return failed
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
