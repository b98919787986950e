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

// Update applies u to client id and returns the client as written.
//
// Every update starts as one conditional UpdateItem. When u names a
// lock-bearing value (email, Twilio number), its condition also says that
// the stored value holds the same lock (the stored emailKey equals the
// new address's key, the stored number equals the new one), so an update
// that moves no lock, a full-body PUT or a case-only email change, is one
// round trip. Likewise, when u names a status, the condition says the
// stored status is that one: a PUT naming the status the client already
// has changes no count and stays one round trip. When that condition
// fails, the item DynamoDB returns with the failure
// (ReturnValuesOnConditionCheckFailure ALL_OLD) is the read: a refusal
// (missing client, stale If-Match, revoked session) is answered from it,
// and a real lock move or status change is one TransactWriteItems
// conditioned on the version read, which moves the locks and the counts
// (counts.go) with the client. A transaction that loses a race starts over, up to
// maxAttempts, then ErrConflict (503).
func (s *Store) Update(ctx context.Context, id string, u client.Update, w client.Write) (client.Client, error) {
	// The new lock keys are computed before any I/O: a value the rule
	// refuses never reaches the table.
	var wantEmailKey string
	if email, ok := u.Value(client.EmailField); ok {
		k, err := client.EmailKey(email)
		if err != nil {
			return client.Client{}, err
		}
		wantEmailKey = k
	}
	// session is the spelling of the token's stamp the condition compares
	// as text, the only comparison DynamoDB has. When the stored item holds
	// the same instant spelled otherwise (written by an older version, or
	// another tool), the next attempt names the stored text exactly, which
	// still fails if the stamp moved.
	session := w.Session
	var written client.Client
	err := retry(ctx, client.ErrConflict, func() error {
		c, cur, err := s.updateInPlace(ctx, id, u, w, session, wantEmailKey)
		if !errors.Is(err, errCondition) {
			written = c
			return err
		}
		switch {
		case w.Session != "" && cur.TokensValidAfter != session:
			session = cur.TokensValidAfter
			return errRetry
		case !movesLock(cur, u, wantEmailKey) && !changesStatus(cur, u) && timesFit(cur):
			// Every clause of the condition was checked and passes on the
			// item DynamoDB returned: a refusal we cannot explain must not
			// pass for a write.
			return fmt.Errorf("store: update client: condition failed for no known reason")
		}
		written, err = s.updateMovingLocks(ctx, id, u, w, cur, wantEmailKey)
		return err
	})
	if err != nil {
		return client.Client{}, err
	}
	return written, nil
}

// storedTimeWidth is the length of every time the service stores
// (client.FormatTime: UTC, milliseconds, "Z").
const storedTimeWidth = len("2006-01-02T15:04:05.000Z")

// timesFit reports whether r's kept times have the stored width that the
// in-place update's condition asks for. A readable item whose times are
// spelled otherwise (written by another tool) is updated by the
// transaction path instead, which reads them first; an unreadable one is
// refused there before any write.
func timesFit(r record) bool {
	return len(r.CreatedAt) == storedTimeWidth && (r.TokensValidAfter == "" || len(r.TokensValidAfter) == storedTimeWidth)
}

// errCondition means the in-place update's condition failed although the
// caller may write: a lock moves, or the session is spelled otherwise in
// the table.
var errCondition = errors.New("store: in-place update refused")

// movesLock reports whether u changes a lock-bearing value of cur. A
// stored item without emailKey (written before the attribute existed)
// counts as moving its email lock: its key is unknown until read, and the
// lock-moving path writes it.
func movesLock(cur record, u client.Update, wantEmailKey string) bool {
	_, email := u.Value(client.EmailField)
	number, phone := u.Value(client.TwilioPhoneNumberField)
	return email && (cur.EmailKey == "" || cur.EmailKey != wantEmailKey) ||
		phone && cur.fields.TwilioPhoneNumber != number
}

// changesStatus reports whether u gives cur another status.
func changesStatus(cur record, u client.Update) bool {
	st, ok := u.Status()
	return ok && st != cur.fields.Status
}

// updateInPlace is one conditional UpdateItem. When the condition fails
// and w may write, it returns errCondition and the stored item.
func (s *Store) updateInPlace(ctx context.Context, id string, u client.Update, w client.Write, session, wantEmailKey string) (client.Client, record, error) {
	e := updateExpr(u, client.FormatTime(s.now()), w)
	// The stored times this update keeps must be ones the answer can read
	// back: every time the service writes has FormatTime's 24 characters,
	// so an item whose createdAt (or token stamp) was written in another
	// shape outside the service fails the condition and is refused, from
	// the item the refusal returns, without having been written — rather
	// than written and then answered 500.
	width := e.value(&types.AttributeValueMemberN{Value: strconv.Itoa(storedTimeWidth)})
	cond := "attribute_exists(pk) AND size(" + e.name("createdAt") + ") = " + width +
		" AND (attribute_not_exists(" + e.name("tokensValidAfter") + ") OR size(" + e.name("tokensValidAfter") + ") = " + width + ")"
	if w.IfVersion != 0 {
		cond += " AND #version = " + e.value(&types.AttributeValueMemberN{Value: strconv.FormatInt(w.IfVersion, 10)})
	}
	if w.Session != "" {
		cond += " AND " + e.name("status") + " = " + e.value(&types.AttributeValueMemberS{Value: string(client.StatusActive)}) +
			" AND " + e.equals(e.name("tokensValidAfter"), session)
	}
	if _, ok := u.Value(client.EmailField); ok {
		cond += " AND " + e.name("emailKey") + " = " + e.value(&types.AttributeValueMemberS{Value: wantEmailKey})
	}
	if number, ok := u.Value(client.TwilioPhoneNumberField); ok {
		cond += " AND " + e.name("twilioPhoneNumber") + " = " + e.value(&types.AttributeValueMemberS{Value: number})
	}
	if st, ok := u.Status(); ok {
		// The counts stay right only if the status does not change here.
		cond += " AND " + e.name("status") + " = " + e.value(&types.AttributeValueMemberS{Value: string(st)})
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: clientKey(id),
		UpdateExpression:                    aws.String(e.update()),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            e.names,
		ExpressionAttributeValues:           e.values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := errors.AsType[*types.ConditionalCheckFailedException](err); ok {
		// The old item says which condition failed, at no extra cost.
		if len(ccf.Item) == 0 {
			return client.Client{}, record{}, client.ErrNotFound
		}
		r, err := decodeRecord(ccf.Item)
		if err != nil {
			return client.Client{}, record{}, err
		}
		cur, err := r.client()
		if err != nil {
			return client.Client{}, record{}, err
		}
		if err := refusal(cur, w); err != nil {
			return client.Client{}, record{}, err
		}
		return client.Client{}, r, errCondition
	}
	if err != nil {
		return client.Client{}, record{}, classify(fmt.Errorf("store: update client: %w", err))
	}
	c, err := fromItem(out.Attributes)
	if err == nil && c.ClientID != id {
		err = fmt.Errorf("store: update client: the written item does not name the client")
	}
	return c, record{}, err
}

// refusal says why w may not write cur, or nil when it may.
func refusal(cur client.Client, w client.Write) error {
	switch {
	// A revoked token learns nothing about versions.
	case w.Session != "" && !cur.SessionCurrent(w.Session):
		return client.ErrSessionRevoked
	case w.IfVersion != 0 && cur.Version != w.IfVersion:
		return client.ErrPreconditionFailed
	default:
		return nil
	}
}

// updateMovingLocks writes u, moves the locks it changes and, when it
// changes the status, the counts, in one transaction conditioned on the
// version of r, the item as read.
func (s *Store) updateMovingLocks(ctx context.Context, id string, u client.Update, w client.Write, r record, wantEmailKey string) (client.Client, error) {
	cur, err := r.client()
	if err != nil {
		return client.Client{}, err
	}
	now := s.now()
	e := updateExpr(u, client.FormatTime(now), w)
	// The version pins everything we read, the lock values included.
	cond := "#version = " + e.value(&types.AttributeValueMemberN{Value: strconv.FormatInt(cur.Version, 10)})
	_, emailChanges := u.Value(client.EmailField)
	switch {
	case emailChanges:
		e.setValue(e.name("emailKey"), wantEmailKey)
	case r.EmailKey == "":
		// An item from before emailKey learns its key on this write, so
		// that its next update moving no lock is one round trip.
		if k, err := client.EmailKey(cur.Meta.Email); err == nil {
			e.setValue(e.name("emailKey"), k)
		}
	}
	me := map[string]types.AttributeValue{":me": &types.AttributeValueMemberS{Value: id}}
	items := []types.TransactWriteItem{{}} // the client update, filled in below
	var taken []error                      // taken[i] is the error when items[i+1] fails
	for _, q := range uniques() {
		want := q.wanted(&u)
		if want == nil {
			continue
		}
		key, err := q.key(*want)
		if err != nil {
			return client.Client{}, err
		}
		old := q.current(&cur)
		held := q.heldBy(r, old)
		if old != "" && held == key {
			continue // this lock stays where it is
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.table, Item: lockItem(key, id),
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR clientId = :me"),
			ExpressionAttributeValues: me,
		}})
		taken = append(taken, q.taken)
		if old != "" {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{
				TableName: &s.table, Key: itemKey(held),
				// Never delete a lock that some other client holds.
				ConditionExpression:       aws.String("attribute_not_exists(pk) OR clientId = :me"),
				ExpressionAttributeValues: me,
			}})
			taken = append(taken, nil)
		}
	}
	if changesStatus(r, u) {
		st, _ := u.Status()
		items = append(items, s.countItem(moved(cur.Status, st)))
		taken = append(taken, nil)
	}
	items[0].Update = &types.Update{
		TableName: &s.table, Key: clientKey(id),
		UpdateExpression:          aws.String(e.update()),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  e.names,
		ExpressionAttributeValues: e.values,
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return cur.Apply(u, now, w.By), nil
	}
	failed := cancelled(err)
	if failed.conditionFailed(0) || failed.conflict {
		return client.Client{}, errRetry
	}
	for i, t := range taken {
		if failed.conditionFailed(i+1) && t != nil {
			return client.Client{}, t
		}
	}
	return client.Client{}, classify(fmt.Errorf("store: move locks: %w", err))
}
