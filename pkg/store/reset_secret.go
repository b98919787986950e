package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// ResetSecret stores a new secret hash for client id and revokes every
// token issued before now, in one conditional UpdateItem. With w.IfVersion
// set the same condition requires that version (If-Match); the stored item
// handed back by a failed condition tells a missing client (ErrNotFound)
// from a stale version (ErrPreconditionFailed) without another read.
func (s *Store) ResetSecret(ctx context.Context, id, secretHash string, w client.Write) error {
	at := client.FormatTime(s.now())
	values := map[string]types.AttributeValue{
		":hash": &types.AttributeValueMemberS{Value: secretHash},
		":at":   &types.AttributeValueMemberS{Value: at},
		":by":   &types.AttributeValueMemberS{Value: w.By},
		":one":  &types.AttributeValueMemberN{Value: "1"},
		// The stamp the history writer reads from the stream (history.go).
		":change": stampOf(w.Origin, at).attr(),
	}
	cond := "attribute_exists(pk)"
	if w.IfVersion != 0 {
		cond += " AND #version = :version"
		values[":version"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(w.IfVersion, 10)}
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: clientKey(id),
		UpdateExpression:    aws.String("SET #secretHash = :hash, #tokensValidAfter = :at, #updatedAt = :at, #updatedBy = :by, #lastChange = :change ADD #version :one"),
		ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{
			"#secretHash": "secretHash", "#tokensValidAfter": "tokensValidAfter", "#updatedAt": "updatedAt",
			"#updatedBy": "updatedBy", "#version": "version", "#lastChange": lastChangeAttr,
		},
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := errors.AsType[*types.ConditionalCheckFailedException](err); ok {
		if len(ccf.Item) == 0 {
			return client.ErrNotFound
		}
		return client.ErrPreconditionFailed
	}
	if err != nil {
		return classify(fmt.Errorf("store: reset secret: %w", err))
	}
	return nil
}
