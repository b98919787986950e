package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// Listing layout. Every client item carries gsi1pk = allClients and
// gsi1sk = createdAt#clientId, so that
//   - IndexAll (gsi1pk, gsi1sk) holds every client, newest last, and
//   - IndexStatus (status, gsi1sk) holds the clients of each status.
//
// Lock items have neither attribute and so are in no index. Both indexes
// project only what a listing shows: the secret hash and the token stamp
// stay in the table.
const (
	IndexAll    = "byCreated"
	IndexStatus = "byStatus"
	allClients  = "CLIENT"
)

// ListedAttributes are the non-key attributes index projects: what a
// listing shows and searches — the client's id and stamps, the table's
// Listed fields (clientMeta as one attribute) and the search copies.
// status is a key of IndexStatus, and DynamoDB refuses key attributes
// among the projected ones.
func ListedAttributes(index string) []string {
	attrs := []string{"clientId"}
	var search []string
	for _, f := range client.Fields() {
		if f.Searched {
			search = append(search, f.SearchAttr())
		}
		switch {
		case !f.Listed:
		case f.Meta:
			if !slices.Contains(attrs, client.MetaKey) {
				attrs = append(attrs, client.MetaKey)
			}
		case f != client.StatusField || index != IndexStatus:
			attrs = append(attrs, f.Attr)
		}
	}
	return append(append(attrs, "createdAt", "updatedAt", "updatedBy"), search...)
}

// fold is the folding of searchable text and of search terms: the one
// that keys emails, so that search finds a client under any spelling of
// its email that the lock would refuse as taken.
func fold(s string) string { return client.Fold(s) }

func sortKey(createdAt, id string) string { return createdAt + "#" + id }

// maxPageReads bounds the Query pages one listing may read for its items;
// each page is at most 1 MB.
const maxPageReads = 1000

// List returns one page of clients matching q, newest first, and the
// number of all matches. It reads the status index when q.Status is set,
// the all-clients index otherwise; never the table itself.
func (s *Store) List(ctx context.Context, q client.ListQuery) (client.Page, error) {
	base := s.listQuery(q)
	total, err := s.count(ctx, base)
	if err != nil {
		return client.Page{}, err
	}
	page := client.Page{Total: total, Clients: []client.Client{}}
	if q.Offset >= total && q.After == nil {
		return page, nil
	}
	in := *base
	if q.After != nil {
		in.ExclusiveStartKey = s.startKey(q.Status, *q.After)
	}
	// One match more than the page shows tells whether a next page exists.
	want := q.Offset + q.Limit + 1
	var matched []map[string]types.AttributeValue
	for range maxPageReads {
		in.Limit = aws.Int32(int32(max(want-len(matched), 25)))
		out, err := s.db.Query(ctx, &in)
		if err != nil {
			return client.Page{}, classify(fmt.Errorf("store: list clients: %w", err))
		}
		matched = append(matched, out.Items...)
		if len(matched) >= want || len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if q.Offset < len(matched) {
		matched = matched[q.Offset:]
	} else {
		matched = nil
	}
	more := len(matched) > q.Limit
	if more {
		matched = matched[:q.Limit]
	}
	for _, item := range matched {
		c, err := fromItem(item)
		if err != nil {
			return client.Page{}, err
		}
		page.Clients = append(page.Clients, c)
	}
	if more {
		last := page.Clients[len(page.Clients)-1]
		page.Next = &client.Position{CreatedAt: client.FormatTime(last.CreatedAt), ClientID: last.ClientID}
	}
	return page, nil
}

// listQuery is the key condition and filter of q, shared by the count and
// the item reads so that total and pages agree.
func (s *Store) listQuery(q client.ListQuery) *dynamodb.QueryInput {
	in := &dynamodb.QueryInput{
		TableName: &s.table, ScanIndexForward: aws.Bool(false),
		ExpressionAttributeNames:  map[string]string{},
		ExpressionAttributeValues: map[string]types.AttributeValue{},
	}
	if q.Status != "" {
		in.IndexName = aws.String(IndexStatus)
		in.ExpressionAttributeNames["#p"] = "status"
		in.ExpressionAttributeValues[":p"] = &types.AttributeValueMemberS{Value: string(q.Status)}
	} else {
		in.IndexName = aws.String(IndexAll)
		in.ExpressionAttributeNames["#p"] = "gsi1pk"
		in.ExpressionAttributeValues[":p"] = &types.AttributeValueMemberS{Value: allClients}
	}
	in.KeyConditionExpression = aws.String("#p = :p")
	if q.Search != "" {
		in.ExpressionAttributeValues[":q"] = &types.AttributeValueMemberS{Value: fold(q.Search)}
		var ors []string
		for _, f := range client.Fields() {
			if f.Searched {
				attr := f.SearchAttr()
				in.ExpressionAttributeNames["#"+attr] = attr
				ors = append(ors, "contains(#"+attr+", :q)")
			}
		}
		in.FilterExpression = aws.String(strings.Join(ors, " OR "))
	}
	return in
}

// count is the number of matches of in: every index entry under the key
// is read (Select COUNT returns no items but costs the same reads).
func (s *Store) count(ctx context.Context, base *dynamodb.QueryInput) (int, error) {
	in := *base
	in.Select = types.SelectCount
	total := 0
	for range maxPageReads {
		out, err := s.db.Query(ctx, &in)
		if err != nil {
			return 0, classify(fmt.Errorf("store: count clients: %w", err))
		}
		total += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return total, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return 0, fmt.Errorf("store: count clients: more than %d pages", maxPageReads)
}

// startKey is the index key of the client at p, where the next page begins.
func (s *Store) startKey(status client.Status, p client.Position) map[string]types.AttributeValue {
	k := map[string]types.AttributeValue{
		keyAttr:  &types.AttributeValueMemberS{Value: clientPrefix + p.ClientID},
		"gsi1sk": &types.AttributeValueMemberS{Value: sortKey(p.CreatedAt, p.ClientID)},
	}
	if status != "" {
		k["status"] = &types.AttributeValueMemberS{Value: string(status)}
	} else {
		k["gsi1pk"] = &types.AttributeValueMemberS{Value: allClients}
	}
	return k
}
