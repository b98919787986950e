package store

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

func lockItem(key, owner string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		keyAttr:    &types.AttributeValueMemberS{Value: key},
		"clientId": &types.AttributeValueMemberS{Value: owner},
	}
}

// unique is an attribute at most one client may hold. A lock item keyed
// prefix+canonical value names its owner; it is written, moved and deleted
// only in the same transaction as the client.
type unique struct {
	prefix string
	names  []string // the JSON path of the value ("clientMeta", "email")
	// canon is the canonical form two values share when they are one
	// (client.EmailKey for emails), or an error when the value is refused.
	canon func(string) (string, error)
	field *client.Field
	taken error
}

func uniques() [2]unique {
	return [2]unique{
		{
			prefix: emailPrefix, names: []string{"clientMeta", "email"},
			canon: client.EmailKey,
			field: client.EmailField,
			taken: client.ErrEmailTaken,
		},
		{
			prefix: phonePrefix, names: []string{"twilioPhoneNumber"},
			canon: func(s string) (string, error) { return s, nil }, // E.164 has one spelling
			field: client.TwilioPhoneNumberField,
			taken: client.ErrPhoneTaken,
		},
	}
}

// current is the value c holds.
func (q unique) current(c *client.Client) string { return q.field.Get(c) }

// wanted is the value u writes, or nil when u leaves it.
func (q unique) wanted(u *client.Update) *string {
	if v, ok := u.Value(q.field); ok {
		return &v
	}
	return nil
}

// key is the lock key of a value about to be written: a value the rule
// refuses never reaches the table.
func (q unique) key(v string) (string, error) {
	k, err := q.canon(v)
	if err != nil {
		return "", err
	}
	return q.prefix + k, nil
}

// heldKey is the lock key of a value already stored. A stored value that
// the rule now refuses was written before it, under the key of that time
// (the lower-cased text), and its lock is still there under that key.
func (q unique) heldKey(v string) string {
	if k, err := q.canon(v); err == nil {
		return q.prefix + k
	}
	return q.prefix + strings.ToLower(v)
}

// heldBy is the lock key of v, the value of q that the stored item r
// holds. An item that records its email's lock key (emailKey) names the
// key the lock was written under, whatever the rule of today makes of v.
func (q unique) heldBy(r record, v string) string {
	if q.prefix == emailPrefix && r.EmailKey != "" {
		return emailPrefix + r.EmailKey
	}
	return q.heldKey(v)
}

// cancellation is what a cancelled transaction says of its items.
type cancellation struct {
	failed   map[int]bool // items whose condition failed, by index
	conflict bool         // an item lost to another transaction: worth retrying
}

// conditionFailed reports whether item i failed its condition.
func (c cancellation) conditionFailed(i int) bool { return c.failed[i] }

// cancelled reads a cancelled transaction's reasons. It is the zero
// cancellation for any other outcome.
func cancelled(err error) cancellation {
	tce, ok := errors.AsType[*types.TransactionCanceledException](err)
	if !ok {
		return cancellation{}
	}
	c := cancellation{failed: map[int]bool{}}
	for i, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed":
			c.failed[i] = true
		case "TransactionConflict":
			c.conflict = true
		}
	}
	return c
}
