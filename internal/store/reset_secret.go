package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/client"
)

// ResetSecret stores a new secret hash for client id and revokes every
// token issued before now, in one conditional UpdateItem.
func (s *Store) ResetSecret(ctx context.Context, id, secretHash string, w client.Write) error {
	at := client.FormatTime(s.now())
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: clientKey(id),
		UpdateExpression:    aws.String("SET #secretHash = :hash, #tokensValidAfter = :at, #updatedAt = :at, #updatedBy = :by ADD #version :one"),
		ConditionExpression: aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames: map[string]string{
			"#secretHash": "secretHash", "#tokensValidAfter": "tokensValidAfter", "#updatedAt": "updatedAt",
			"#updatedBy": "updatedBy", "#version": "version",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":hash": &types.AttributeValueMemberS{Value: secretHash},
			":at":   &types.AttributeValueMemberS{Value: at},
			":by":   &types.AttributeValueMemberS{Value: w.By},
			":one":  &types.AttributeValueMemberN{Value: "1"},
		},
	})
	if _, ok := errors.AsType[*types.ConditionalCheckFailedException](err); ok {
		return client.ErrNotFound
	}
	if err != nil {
		return classify(fmt.Errorf("store: reset secret: %w", err))
	}
	return nil
}
