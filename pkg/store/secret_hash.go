package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// UpgradeSecretHash replaces a client's secret hash oldHash with newHash in one
// conditional UpdateItem, for a hash rewritten in a newer format after a
// successful sign-in. The condition is the old hash itself: a secret reset
// or a deletion in between wins, and the call then changes nothing and
// returns nil. Neither the version nor tokensValidAfter moves: the client
// and its sessions are as they were.
func (s *Store) UpgradeSecretHash(ctx context.Context, id, oldHash, newHash string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      clientKey(id),
		UpdateExpression:         aws.String("SET #h = :new"),
		ConditionExpression:      aws.String("#h = :old"),
		ExpressionAttributeNames: map[string]string{"#h": "secretHash"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":new": &types.AttributeValueMemberS{Value: newHash},
			":old": &types.AttributeValueMemberS{Value: oldHash},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil
	}
	if err != nil {
		return classify(fmt.Errorf("store: upgrade secret hash: %w", err))
	}
	return nil
}
