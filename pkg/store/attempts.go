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

// CountAttempt counts one sign-in attempt of who before its secret is
// verified, in the same conditional write that decides whether who may
// try at all (issue 23): the counter goes up only while it is under
// client.MaxFailedAttempts or has lapsed, so however many attempts arrive
// at once, at most MaxFailedAttempts are admitted per window. It returns
// the counter as it was before, as of now: before.LockedFor(now) > 0
// means who is locked out and nothing was counted. A success ends the
// run (ClearAttempts); a failure is already counted.
//
// One UpdateItem in the common cases (no counter, a cleared one, a live
// one under the limit, a locked one: ReturnValuesOnConditionCheckFailure
// tells the lock from the rest without a read). A counter that lapsed
// with failures on it (not yet deleted by the TTL) starts again at one
// with a second, conditional write; an attempt that loses that race to a
// concurrent one counts on the counter the winner restarted.
func (s *Store) CountAttempt(ctx context.Context, who client.Attempter, now time.Time, window time.Duration) (client.Attempts, error) {
	key := itemKey(attemptKey(who))
	names := map[string]string{"#f": "failures", "#e": TTLAttribute}
	one := &types.AttributeValueMemberN{Value: "1"}
	exp := &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(window).Unix(), 10)}
	at := &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}
	for range maxAttempts {
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: key,
			UpdateExpression: aws.String("ADD #f :one SET #e = :exp"),
			// A cleared counter (0) counts from one whenever it was
			// cleared; a live one only under the limit.
			ConditionExpression:      aws.String("attribute_not_exists(#f) OR #f = :zero OR (#e > :now AND #f < :max)"),
			ExpressionAttributeNames: names,
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":one": one, ":exp": exp, ":now": at,
				":zero": &types.AttributeValueMemberN{Value: "0"},
				":max":  &types.AttributeValueMemberN{Value: strconv.Itoa(client.MaxFailedAttempts)},
			},
			ReturnValues:                        types.ReturnValueAllOld,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return attemptsOf(out.Attributes, now)
		}
		refused, ok := errors.AsType[*types.ConditionalCheckFailedException](err)
		if !ok {
			return client.Attempts{}, classify(fmt.Errorf("store: count attempt: %w", err))
		}
		before, err := attemptsOf(refused.Item, now)
		if err != nil || before.LockedFor(now) > 0 {
			return before, err
		}
		// Not locked, so lapsed: start again at one, if still lapsed.
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: key,
			UpdateExpression:          aws.String("SET #f = :one, #e = :exp"),
			ConditionExpression:       aws.String("#e <= :now"),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": one, ":exp": exp, ":now": at},
		})
		if err == nil {
			return client.Attempts{}, nil
		}
		if _, lost := errors.AsType[*types.ConditionalCheckFailedException](err); !lost {
			return client.Attempts{}, classify(fmt.Errorf("store: restart attempts: %w", err))
		}
	}
	return client.Attempts{}, fmt.Errorf("%w: store: attempt counter contended", client.ErrUnavailable)
}

// attemptsOf decodes a counter item as of now: a lapsed count counts
// nothing, and neither does an item without one (DynamoDB returns no
// ALL_OLD item for an item it creates; minidyn returns its key).
func attemptsOf(item map[string]types.AttributeValue, now time.Time) (client.Attempts, error) {
	if _, ok := item["failures"]; !ok {
		return client.Attempts{}, nil
	}
	n, err1 := numberAttr(item, "failures")
	exp, err2 := numberAttr(item, TTLAttribute)
	if err := errors.Join(err1, err2); err != nil {
		return client.Attempts{}, fmt.Errorf("store: decode attempts: %w", err)
	}
	return client.Attempts{Failures: int(n), Expires: time.Unix(exp, 0)}.Current(now), nil
}

func numberAttr(item map[string]types.AttributeValue, name string) (int64, error) {
	av, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("%s is not a number", name)
	}
	return strconv.ParseInt(av.Value, 10, 64)
}

// ClearAttempts ends who's run of failures after a success: the count goes
// back to zero (which CountAttempt counts from in one write, lapsed or not)
// and the item is left to the TTL. An UpdateItem rather than a DeleteItem, so
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
