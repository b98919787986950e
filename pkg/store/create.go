package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Create writes a new client with its secret hash, its lock items, its
// counts (counts.go) and its history's first event (history.go: a create
// or an import, as o says) in one transaction. It fails with ErrIDTaken,
// ErrEmailTaken or ErrPhoneTaken; a transaction that loses a race for a
// counter shard starts over on another shard, up to maxAttempts, then
// ErrConflict (503).
func (s *Store) Create(ctx context.Context, c client.Client, secretHash string, o client.Origin) error {
	r := toRecord(c)
	r.SecretHash = secretHash
	// The event's time is the write's: an import keeps the original's
	// createdAt and updatedAt, but it happens now.
	at := s.now()
	stamp := stampOf(o, client.FormatTime(at))
	r.LastChange = &stamp
	key, err := client.EmailKey(c.Meta.Email)
	if err != nil {
		return err
	}
	r.EmailKey = key
	item, err := r.item()
	if err != nil {
		return err
	}
	absent := aws.String("attribute_not_exists(pk)")
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: &s.table, Item: item, ConditionExpression: absent}}}
	taken := []error{client.ErrIDTaken}
	for _, q := range uniques() {
		if v := q.current(&c); v != "" {
			key, err := q.key(v)
			if err != nil {
				return err
			}
			items = append(items, types.TransactWriteItem{Put: &types.Put{
				TableName: &s.table, Item: lockItem(key, c.ClientID), ConditionExpression: absent,
			}})
			taken = append(taken, q.taken)
		}
	}
	// The create's event: every field set, and the secret when it has one.
	event, err := s.eventPut(client.NewEvent(o, at, c.ClientID, c.Version, client.Client{}, c, secretHash != ""))
	if err != nil {
		return err
	}
	items = append(items, event)
	taken = append(taken, nil)
	counter := len(items)
	items = append(items, types.TransactWriteItem{})
	return retry(ctx, client.ErrConflict, func() error {
		items[counter] = s.countItem(created(c.Status))
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		failed := cancelled(err)
		for i, t := range taken {
			if failed.conditionFailed(i) && t != nil {
				return t
			}
		}
		if failed.conflict {
			return errRetry
		}
		return classify(fmt.Errorf("store: create client: %w", err))
	})
}
