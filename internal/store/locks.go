package store

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/client"
)

func lockItem(key, owner string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		keyAttr:    &types.AttributeValueMemberS{Value: key},
		"clientId": &types.AttributeValueMemberS{Value: owner},
	}
}

// unique is an attribute at most one client may hold. A lock item keyed
// prefix+normalised value names its owner; it is written, moved and deleted
// only in the same transaction as the client.
type unique struct {
	prefix  string
	path    string // expression path on the client item
	names   []string
	norm    func(string) string
	current func(*client.Client) string
	wanted  func(*client.Update) *string
	taken   error
}

func uniques() [2]unique {
	return [2]unique{
		{
			prefix: emailPrefix, path: "#clientMeta.#email", names: []string{"clientMeta", "email"},
			norm:    strings.ToLower,
			current: func(c *client.Client) string { return c.Meta.Email },
			wanted:  func(u *client.Update) *string { return u.Meta.Email },
			taken:   client.ErrEmailTaken,
		},
		{
			prefix: phonePrefix, path: "#twilioPhoneNumber", names: []string{"twilioPhoneNumber"},
			norm:    func(s string) string { return s },
			current: func(c *client.Client) string { return c.TwilioPhoneNumber },
			wanted:  func(u *client.Update) *string { return u.TwilioPhoneNumber },
			taken:   client.ErrPhoneTaken,
		},
	}
}

func (q unique) key(v string) string { return q.prefix + q.norm(v) }

func lockKey(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{keyAttr: &types.AttributeValueMemberS{Value: key}}
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
