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
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/outbound-caller/admin-api/internal/client"
)

// Item layout. Every item has the one key attribute keyAttr.
const (
	keyAttr      = "pk"
	clientPrefix = "CLIENT#"
	emailPrefix  = "EMAIL#" // uniqueness lock: EMAIL#<lower-cased email> → owner clientId
	phonePrefix  = "PHONE#" // uniqueness lock: PHONE#<E.164 Twilio number> → owner clientId
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
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
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
	TokensValidAfter  string     `dynamodbav:"tokensValidAfter,omitempty"`
	SecretHash        string     `dynamodbav:"secretHash,omitempty"` // argon2id; read only by sign-in
	listing
}

// listing holds the attributes only the list indexes read (see list.go).
// The search copies are written even when empty: a filter's contains() on
// an absent attribute is false in DynamoDB but an error in minidyn.
type listing struct {
	GSI1PK             string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK             string `dynamodbav:"gsi1sk,omitempty"`
	SearchFullName     string `dynamodbav:"searchFullName"`
	SearchEmail        string `dynamodbav:"searchEmail"`
	SearchBusinessName string `dynamodbav:"searchBusinessName"`
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

func toRecord(c client.Client) record {
	return record{
		PK: clientPrefix + c.ClientID, ClientID: c.ClientID, Status: string(c.Status), AgentID: c.AgentID,
		TwilioPhoneNumber: c.TwilioPhoneNumber, Meta: metaRecord(c.Meta), CreatedAt: client.FormatTime(c.CreatedAt),
		UpdatedAt: client.FormatTime(c.UpdatedAt), UpdatedBy: c.UpdatedBy, Version: c.Version,
		TokensValidAfter: client.FormatTime(c.TokensValidAfter),
		listing: listing{
			GSI1PK: allClients, GSI1SK: sortKey(client.FormatTime(c.CreatedAt), c.ClientID),
			SearchFullName: fold(c.Meta.FullName), SearchEmail: fold(c.Meta.Email), SearchBusinessName: fold(c.Meta.BusinessName),
		},
	}
}

func fromItem(item map[string]types.AttributeValue) (client.Client, error) {
	var r record
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return client.Client{}, fmt.Errorf("store: decode client: %w", err)
	}
	created, _ := time.Parse(time.RFC3339Nano, r.CreatedAt)
	updated, _ := time.Parse(time.RFC3339Nano, r.UpdatedAt)
	valid, _ := time.Parse(time.RFC3339Nano, r.TokensValidAfter)
	return client.Client{
		ClientID: r.ClientID, Status: client.Status(r.Status), AgentID: r.AgentID,
		TwilioPhoneNumber: r.TwilioPhoneNumber, Meta: client.Meta(r.Meta), CreatedAt: created, UpdatedAt: updated,
		UpdatedBy: r.UpdatedBy, Version: r.Version, TokensValidAfter: valid,
	}, nil
}

// Get reads a client with a strongly consistent read.
func (s *Store) Get(ctx context.Context, id string) (client.Client, error) {
	item, err := s.getItem(ctx, id)
	if err != nil {
		return client.Client{}, err
	}
	return fromItem(item)
}

// Credentials reads a client and its secret hash in one strongly
// consistent read (a secret reset or suspension counts at once). It is
// the only way the hash leaves the store.
func (s *Store) Credentials(ctx context.Context, id string) (client.Client, string, error) {
	item, err := s.getItem(ctx, id)
	if err != nil {
		return client.Client{}, "", err
	}
	c, err := fromItem(item)
	if err != nil {
		return client.Client{}, "", err
	}
	var hash string
	if av, ok := item["secretHash"]; ok {
		if err := attributevalue.Unmarshal(av, &hash); err != nil {
			return client.Client{}, "", fmt.Errorf("store: decode secret hash: %w", err)
		}
	}
	return c, hash, nil
}

func (s *Store) getItem(ctx context.Context, id string) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: clientKey(id), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, classify(fmt.Errorf("store: get client: %w", err))
	}
	if len(out.Item) == 0 {
		return nil, client.ErrNotFound
	}
	return out.Item, nil
}

// Create writes a new client with its secret hash and its lock items in one
// transaction. It fails with ErrIDTaken, ErrEmailTaken or ErrPhoneTaken.
func (s *Store) Create(ctx context.Context, c client.Client, secretHash string) error {
	r := toRecord(c)
	r.SecretHash = secretHash
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return fmt.Errorf("store: encode client: %w", err)
	}
	absent := aws.String("attribute_not_exists(pk)")
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: &s.table, Item: item, ConditionExpression: absent}}}
	taken := []error{client.ErrIDTaken}
	for _, q := range uniques() {
		if v := q.current(&c); v != "" {
			items = append(items, types.TransactWriteItem{Put: &types.Put{
				TableName: &s.table, Item: lockItem(q.key(v), c.ClientID), ConditionExpression: absent,
			}})
			taken = append(taken, q.taken)
		}
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	failed := cancelled(err)
	for i, t := range taken {
		if failed[i] {
			return t
		}
	}
	return classify(fmt.Errorf("store: create client: %w", err))
}

func lockItem(key, owner string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		keyAttr:    &types.AttributeValueMemberS{Value: key},
		"clientId": &types.AttributeValueMemberS{Value: owner},
	}
}

// unique is an attribute at most one client may hold. A lock item keyed
// prefix+normalised value names its owner; it is written, moved and deleted
// only in the same transaction as the client.
type unique struct {
	prefix  string
	path    string // expression path on the client item
	names   []string
	norm    func(string) string
	current func(*client.Client) string
	wanted  func(*client.Update) *string
	taken   error
}

func uniques() [2]unique {
	return [2]unique{
		{
			prefix: emailPrefix, path: "#clientMeta.#email", names: []string{"clientMeta", "email"},
			norm:    strings.ToLower,
			current: func(c *client.Client) string { return c.Meta.Email },
			wanted:  func(u *client.Update) *string { return u.Meta.Email },
			taken:   client.ErrEmailTaken,
		},
		{
			prefix: phonePrefix, path: "#twilioPhoneNumber", names: []string{"twilioPhoneNumber"},
			norm:    func(s string) string { return s },
			current: func(c *client.Client) string { return c.TwilioPhoneNumber },
			wanted:  func(u *client.Update) *string { return u.TwilioPhoneNumber },
			taken:   client.ErrPhoneTaken,
		},
	}
}

func (q unique) key(v string) string { return q.prefix + q.norm(v) }

func lockKey(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{keyAttr: &types.AttributeValueMemberS{Value: key}}
}

// Update applies u to client id and returns the client as written. A change
// that moves no lock (email, Twilio number) is one conditional UpdateItem.
// Otherwise it reads the client, then moves the locks in one transaction
// with the client write, retrying when another writer got in between.
func (s *Store) Update(ctx context.Context, id string, u client.Update, w client.Write) (client.Client, error) {
	if u.Meta.Email == nil && u.TwilioPhoneNumber == nil {
		return s.updatePlain(ctx, id, u, w)
	}
	for attempt := range maxAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return client.Client{}, classify(err)
			}
		}
		c, err := s.updateMovingLocks(ctx, id, u, w)
		if !errors.Is(err, errRetry) {
			return c, err
		}
	}
	return client.Client{}, client.ErrConflict
}

// errRetry means the client changed between our read and our write.
var errRetry = errors.New("store: client changed concurrently")

func (s *Store) updatePlain(ctx context.Context, id string, u client.Update, w client.Write) (client.Client, error) {
	e := updateExpr(u, client.FormatTime(s.now()), w.By)
	cond := "attribute_exists(pk)"
	if w.IfVersion != 0 {
		cond += " AND #version = " + e.value(&types.AttributeValueMemberN{Value: strconv.FormatInt(w.IfVersion, 10)})
	}
	if w.Session != "" {
		cond += " AND " + e.name("status") + " = " + e.value(&types.AttributeValueMemberS{Value: string(client.StatusActive)}) +
			" AND " + e.equals(e.name("tokensValidAfter"), w.Session)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: clientKey(id),
		UpdateExpression:                    aws.String(e.update()),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            e.names,
		ExpressionAttributeValues:           e.values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := errors.AsType[*types.ConditionalCheckFailedException](err); ok {
		// The old item says which condition failed, at no extra cost.
		if len(ccf.Item) == 0 {
			return client.Client{}, client.ErrNotFound
		}
		cur, err := fromItem(ccf.Item)
		if err != nil {
			return client.Client{}, err
		}
		return client.Client{}, refusal(cur, w)
	}
	if err != nil {
		return client.Client{}, classify(fmt.Errorf("store: update client: %w", err))
	}
	return fromItem(out.Attributes)
}

// refusal says why w may not write cur, or nil when it may.
func refusal(cur client.Client, w client.Write) error {
	switch {
	case w.IfVersion != 0 && cur.Version != w.IfVersion:
		return client.ErrPreconditionFailed
	case w.Session != "" && !cur.SessionCurrent(w.Session):
		return client.ErrSessionRevoked
	default:
		return nil
	}
}

func (s *Store) updateMovingLocks(ctx context.Context, id string, u client.Update, w client.Write) (client.Client, error) {
	cur, err := s.Get(ctx, id)
	if err != nil {
		return client.Client{}, err
	}
	if err := refusal(cur, w); err != nil {
		return client.Client{}, err
	}
	now := s.now()
	e := updateExpr(u, client.FormatTime(now), w.By)
	// The version pins everything we read; the locked values are named as
	// well because the locks we delete are derived from them.
	cond := "#version = " + e.value(&types.AttributeValueMemberN{Value: strconv.FormatInt(cur.Version, 10)})
	me := map[string]types.AttributeValue{":me": &types.AttributeValueMemberS{Value: id}}
	items := []types.TransactWriteItem{{}} // the client update, filled in below
	var taken []error                      // taken[i] is the error when items[i] fails
	for _, q := range uniques() {
		want := q.wanted(&u)
		if want == nil {
			continue
		}
		for _, n := range q.names {
			e.name(n)
		}
		old := q.current(&cur)
		cond += " AND " + e.equals(q.path, old)
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: lockItem(q.key(*want), id),
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR clientId = :me"),
			ExpressionAttributeValues: me,
		}})
		taken = append(taken, q.taken)
		if old != "" && q.key(old) != q.key(*want) {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{
				TableName: &s.table, Key: lockKey(q.key(old)),
				// Never delete a lock that some other client holds.
				ConditionExpression:       aws.String("attribute_not_exists(pk) OR clientId = :me"),
				ExpressionAttributeValues: me,
			}})
			taken = append(taken, nil)
		}
	}
	items[0].Update = &types.Update{
		TableName: &s.table, Key: clientKey(id),
		UpdateExpression:          aws.String(e.update()),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  e.names,
		ExpressionAttributeValues: e.values,
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return cur.Apply(u, now, w.By), nil
	}
	failed := cancelled(err)
	if failed[0] || failed[-1] {
		return client.Client{}, errRetry
	}
	for i, t := range taken {
		if failed[i+1] && t != nil {
			return client.Client{}, t
		}
	}
	return client.Client{}, classify(fmt.Errorf("store: move locks: %w", err))
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
