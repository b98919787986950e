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
