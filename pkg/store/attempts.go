package store

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Failed sign-in attempts are counted per account and source address in
// items of their own:
//
//	pk        ATTEMPT#<base64url SHA-256 of scope, account and source>
//	failures  N: consecutive failures
//	expiresAt N: Unix seconds; the count is void from then on
//
// The key is a digest so that neither the account name an attacker typed
// (any length, any text) nor the address is stored, and every key has the
// same length. expiresAt is the table's TTL attribute (TTLAttribute): the
// table deletes stale counters by itself, lazily, so the code also treats
// a counter past expiresAt as absent.
const (
	attemptPrefix = "ATTEMPT#"
	// TTLAttribute is the table's time-to-live attribute (template.yaml's
	// TimeToLiveSpecification; CreateTable enables it).
	TTLAttribute = "expiresAt"
)

// attemptKey names the counter of who.
func attemptKey(who client.Attempter) string {
	h := sha256.New()
	for _, s := range []string{who.Scope, who.Account, who.Source} {
		// Length-prefixed, so no two triples give the same input.
		h.Write([]byte(strconv.Itoa(len(s)) + ":" + s))
	}
	return attemptPrefix + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Attempts reads who's counter with a strongly consistent read.
func (s *Store) Attempts(ctx context.Context, who client.Attempter) (client.Attempts, error) {
	key := attemptKey(who)
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: itemKey(key), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return client.Attempts{}, classify(fmt.Errorf("store: get attempts: %w", err))
	}
	return s.attemptsOf(out.Item)
}

// CredentialsAndAttempts reads a client, its secret hash and who's
// attempts counter in one strongly consistent BatchGetItem: a client sign-in's
// one round trip. A missing client is client.ErrNotFound, returned with the
// counter, which is read whether or not the client exists.
func (s *Store) CredentialsAndAttempts(ctx context.Context, id string, who client.Attempter) (client.Client, string, client.Attempts, error) {
	key := attemptKey(who)
	keys := []map[string]types.AttributeValue{clientKey(id), itemKey(key)}
	var items []map[string]types.AttributeValue
	unprocessed := fmt.Errorf("%w: store: sign-in read left unprocessed keys", client.ErrUnavailable)
	err := retry(ctx, unprocessed, func() error {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			s.table: {Keys: keys, ConsistentRead: aws.Bool(true)},
		}})
		if err != nil {
			return classify(fmt.Errorf("store: sign-in read: %w", err))
		}
		items = append(items, out.Responses[s.table]...)
		if keys = out.UnprocessedKeys[s.table].Keys; len(keys) > 0 {
			return errRetry
		}
		return nil
	})
	if err != nil {
		return client.Client{}, "", client.Attempts{}, err
	}
	var clientItem map[string]types.AttributeValue
	var attempts client.Attempts
	for _, item := range items {
		pk, _ := item[keyAttr].(*types.AttributeValueMemberS)
		switch {
		case pk == nil:
		case pk.Value == key:
			a, err := s.attemptsOf(item)
			if err != nil {
				return client.Client{}, "", client.Attempts{}, err
			}
			attempts = a
		case pk.Value == clientPrefix+id:
			clientItem = item
		}
	}
	if clientItem == nil {
		return client.Client{}, "", attempts, client.ErrNotFound
	}
	c, hash, err := credentials(clientItem)
	return c, hash, attempts, err
}

func (s *Store) attemptsOf(item map[string]types.AttributeValue) (client.Attempts, error) {
	if len(item) == 0 {
		return client.Attempts{}, nil
	}
	n, err1 := numberAttr(item, "failures")
	exp, err2 := numberAttr(item, TTLAttribute)
	if err := errors.Join(err1, err2); err != nil {
		return client.Attempts{}, fmt.Errorf("store: decode attempts: %w", err)
	}
	return client.Attempts{Failures: int(n), Expires: time.Unix(exp, 0)}.Current(s.now()), nil
}

func numberAttr(item map[string]types.AttributeValue, name string) (int64, error) {
	av, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("%s is not a number", name)
	}
	return strconv.ParseInt(av.Value, 10, 64)
}

// RecordFailure counts one more failed attempt of who and returns the
// count; the count lapses window after this failure. One UpdateItem (ADD,
// so concurrent failures all count); a counter that had lapsed but not
// yet been deleted by the TTL starts again at one, with a second call.
func (s *Store) RecordFailure(ctx context.Context, who client.Attempter, window time.Duration) (client.Attempts, error) {
	key := attemptKey(who)
	now := s.now()
	exp := now.Add(window).Unix()
	names := map[string]string{"#f": "failures", "#e": TTLAttribute}
	values := map[string]types.AttributeValue{
		":one": &types.AttributeValueMemberN{Value: "1"},
		":exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(exp, 10)},
		":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: itemKey(key),
		UpdateExpression:          aws.String("ADD #f :one SET #e = :exp"),
		ConditionExpression:       aws.String("attribute_not_exists(#e) OR #e > :now"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if _, lapsed := errors.AsType[*types.ConditionalCheckFailedException](err); lapsed {
		delete(values, ":now")
		out, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: itemKey(key),
			UpdateExpression:          aws.String("SET #f = :one, #e = :exp"),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
			ReturnValues:              types.ReturnValueAllNew,
		})
	}
	if err != nil {
		return client.Attempts{}, classify(fmt.Errorf("store: record failed attempt: %w", err))
	}
	return s.attemptsOf(out.Attributes)
}

// ClearAttempts ends who's run of failures: the count goes back to zero and
// the item is left to the TTL. An UpdateItem rather than a DeleteItem, so
// that no function links one more SDK operation for it (the bootstrap size
// budget).
func (s *Store) ClearAttempts(ctx context.Context, who client.Attempter) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: itemKey(attemptKey(who)),
		UpdateExpression:          aws.String("SET #f = :zero"),
		ConditionExpression:       aws.String("attribute_exists(#f)"),
		ExpressionAttributeNames:  map[string]string{"#f": "failures"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":zero": &types.AttributeValueMemberN{Value: "0"}},
	})
	if _, gone := errors.AsType[*types.ConditionalCheckFailedException](err); gone {
		return nil // deleted by the TTL meanwhile: nothing to clear
	}
	if err != nil {
		return classify(fmt.Errorf("store: clear attempts: %w", err))
	}
	return nil
}
