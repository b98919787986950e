package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// UniqueKeys returns the lock keys of c's unique values (its email and
// Twilio number) by JSON path ("clientMeta.email", "twilioPhoneNumber").
// Two clients conflict exactly when they share a key, so a tool that
// checks many clients against each other before writing (the migration)
// finds the same conflicts Create would.
func UniqueKeys(c client.Client) map[string]string {
	out := map[string]string{}
	for _, q := range uniques() {
		if v := q.current(&c); v != "" {
			out[strings.Join(q.names, ".")] = q.heldKey(v) // the key Create writes for a valid value
		}
	}
	return out
}

// Holders returns, by JSON path, the id of the client other than c whose
// lock holds one of c's unique values: one GetItem per value c has.
// Create's ErrEmailTaken and ErrPhoneTaken say only that a value is
// taken; this says by whom.
func (s *Store) Holders(ctx context.Context, c client.Client) (map[string]string, error) {
	out := map[string]string{}
	for path, key := range UniqueKeys(c) {
		res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: itemKey(key), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, classify(fmt.Errorf("store: read lock: %w", err))
		}
		var owner string
		if av, ok := res.Item["clientId"]; ok {
			if err := attributevalue.Unmarshal(av, &owner); err != nil {
				return nil, fmt.Errorf("store: decode lock: %w", err)
			}
		}
		if owner != "" && owner != c.ClientID {
			out[path] = owner
		}
	}
	return out, nil
}
