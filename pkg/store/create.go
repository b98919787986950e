package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Create writes a new client with its secret hash, its lock items and its
// counts (counts.go) in one transaction. It fails with ErrIDTaken,
// ErrEmailTaken or ErrPhoneTaken; a transaction that loses a race for a
// counter shard starts over on another shard, up to maxAttempts, then
// ErrConflict (503).
func (s *Store) Create(ctx context.Context, c client.Client, secretHash string) error {
	r := toRecord(c)
	r.SecretHash = secretHash
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
			if failed.conditionFailed(i) {
				return t
			}
		}
		if failed.conflict {
			return errRetry
		}
		return classify(fmt.Errorf("store: create client: %w", err))
	})
}
