package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Delete removes client id and its lock items, counts it out (counts.go)
// and records its delete in its history (history.go), in one transaction, so that
// its email and Twilio number are free the moment it returns. It reads the
// client first (the locks are named by its values) and conditions the
// delete on the version read, retrying when another writer got in between.
// With w.IfVersion set, the version read must be that one (If-Match): a
// later version is ErrPreconditionFailed, and the transaction's condition
// on the version read then pins exactly the version the caller named.
func (s *Store) Delete(ctx context.Context, id string, w client.Write) error {
	return retry(ctx, client.ErrConflict, func() error { return s.deleteOnce(ctx, id, w) })
}

func (s *Store) deleteOnce(ctx context.Context, id string, w client.Write) error {
	item, err := s.getItem(ctx, id)
	if err != nil {
		return err
	}
	r, err := decodeRecord(item)
	if err != nil {
		return err
	}
	// A delete needs the id, version, status and unique values, never the
	// times: a client whose stored time does not parse (written outside the
	// service) can still be removed.
	cur := r.withoutTimes()
	if w.IfVersion != 0 && cur.Version != w.IfVersion {
		return client.ErrPreconditionFailed
	}
	items := []types.TransactWriteItem{{Delete: &types.Delete{
		TableName: &s.table, Key: clientKey(id),
		ConditionExpression:       aws.String("#version = :version"),
		ExpressionAttributeNames:  map[string]string{"#version": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":version": &types.AttributeValueMemberN{Value: strconv.FormatInt(cur.Version, 10)}},
	}}}
	me := map[string]types.AttributeValue{":me": &types.AttributeValueMemberS{Value: id}}
	for _, q := range uniques() {
		if v := q.current(&cur); v != "" {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{
				TableName: &s.table, Key: itemKey(q.heldBy(r, v)),
				// Never free a value that some other client holds.
				ConditionExpression:       aws.String("attribute_not_exists(pk) OR clientId = :me"),
				ExpressionAttributeValues: me,
			}})
		}
	}
	items = append(items, s.countItem(deleted(cur.Status)))
	// The delete's event records every field as it was.
	event, err := s.eventPut(client.NewEvent(w.Origin, s.now(), id, versionAfter(cur.Version), cur, client.Client{}, false))
	if err != nil {
		return err
	}
	items = append(items, event)
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	if failed := cancelled(err); failed.conditionFailed(0) || failed.conflict {
		return errRetry
	}
	return classify(fmt.Errorf("store: delete client: %w", err))
}
