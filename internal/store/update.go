package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/client"
)

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
	// The condition compares the stored tokensValidAfter as text, the only
	// comparison DynamoDB has. The first attempt spells it as the token
	// does; when the stored item holds the same instant spelled otherwise
	// (written by an older version, or by another tool), the next attempt
	// names the stored text exactly, which still fails if the stamp moved.
	session := w.Session
	for attempt := range maxAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return client.Client{}, classify(err)
			}
		}
		c, stored, err := s.updatePlainOnce(ctx, id, u, w, session)
		if !errors.Is(err, errRetry) {
			return c, err
		}
		session = stored
	}
	return client.Client{}, client.ErrConflict
}

// updatePlainOnce is one conditional UpdateItem. When the condition fails
// only because the stored session stamp is spelled otherwise than session,
// it returns errRetry and the stored spelling.
func (s *Store) updatePlainOnce(ctx context.Context, id string, u client.Update, w client.Write, session string) (client.Client, string, error) {
	e := updateExpr(u, client.FormatTime(s.now()), w.By)
	cond := "attribute_exists(pk)"
	if w.IfVersion != 0 {
		cond += " AND #version = " + e.value(&types.AttributeValueMemberN{Value: strconv.FormatInt(w.IfVersion, 10)})
	}
	if w.Session != "" {
		cond += " AND " + e.name("status") + " = " + e.value(&types.AttributeValueMemberS{Value: string(client.StatusActive)}) +
			" AND " + e.equals(e.name("tokensValidAfter"), session)
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
			return client.Client{}, "", client.ErrNotFound
		}
		r, err := decodeRecord(ccf.Item)
		if err != nil {
			return client.Client{}, "", err
		}
		cur, err := r.client()
		if err != nil {
			return client.Client{}, "", err
		}
		if err := refusal(cur, w); err != nil {
			return client.Client{}, "", err
		}
		if w.Session != "" && r.TokensValidAfter != session {
			return client.Client{}, r.TokensValidAfter, errRetry
		}
		// Every clause the condition holds was checked above and passes on
		// the item DynamoDB returned: a refusal we cannot explain must not
		// pass for a write.
		return client.Client{}, "", fmt.Errorf("store: update client: condition failed for no known reason")
	}
	if err != nil {
		return client.Client{}, "", classify(fmt.Errorf("store: update client: %w", err))
	}
	c, err := fromItem(out.Attributes)
	if err == nil && c.ClientID != id {
		err = fmt.Errorf("store: update client: the written item does not name the client")
	}
	return c, "", err
}

// refusal says why w may not write cur, or nil when it may.
func refusal(cur client.Client, w client.Write) error {
	switch {
	// A revoked token learns nothing about versions.
	case w.Session != "" && !cur.SessionCurrent(w.Session):
		return client.ErrSessionRevoked
	case w.IfVersion != 0 && cur.Version != w.IfVersion:
		return client.ErrPreconditionFailed
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
		key, err := q.key(*want)
		if err != nil {
			return client.Client{}, err
		}
		old := q.current(&cur)
		cond += " AND " + e.equals(q.path, old)
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: lockItem(key, id),
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR clientId = :me"),
			ExpressionAttributeValues: me,
		}})
		taken = append(taken, q.taken)
		if held := q.heldKey(old); old != "" && held != key {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{
				TableName: &s.table, Key: lockKey(held),
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
	if failed.conditionFailed(0) || failed.conflict {
		return client.Client{}, errRetry
	}
	for i, t := range taken {
		if failed.conditionFailed(i+1) && t != nil {
			return client.Client{}, t
		}
	}
	return client.Client{}, classify(fmt.Errorf("store: move locks: %w", err))
}
