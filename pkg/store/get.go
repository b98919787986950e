package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Get reads a client with a strongly consistent read.
func (s *Store) Get(ctx context.Context, id string) (client.Client, error) {
	item, err := s.getItem(ctx, id)
	if err != nil {
		return client.Client{}, err
	}
	return fromItem(item)
}

// Credentials reads a client and its secret hash with a strongly
// consistent read, for a sign-in; a missing client is client.ErrNotFound.
func (s *Store) Credentials(ctx context.Context, id string) (client.Client, string, error) {
	item, err := s.getItem(ctx, id)
	if err != nil {
		return client.Client{}, "", err
	}
	return credentials(item)
}

// credentials is a client item's client and secret hash (Credentials):
// the only way the hash leaves the store.
func credentials(item map[string]types.AttributeValue) (client.Client, string, error) {
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
