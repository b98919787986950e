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

// SearchBound is the most index items one search page reads (evaluates
// with its filter), whatever the size of the list: a search that has not
// reached the end of the list by then answers with the matches found so
// far, a cursor to continue, and a total that is not exact.
const SearchBound = 2000

// List returns one page of clients matching q, newest first, and the
// number of all matches. It reads the status index when q.Status is set,
// the all-clients index otherwise; never the table itself.
//
// Its cost does not grow with the table: a page reads the counts (one
// BatchGetItem, counts.go) and then q.Offset+q.Limit+1 index items, the
// one more telling whether a next page exists; a cursor page reads
// q.Limit+1. A search reads at most SearchBound index items (search).
func (s *Store) List(ctx context.Context, q client.ListQuery) (client.Page, error) {
	base := s.listQuery(q)
	if q.Search != "" {
		return s.search(ctx, q, base)
	}
	total, err := s.total(ctx, q, base)
	if err != nil {
		return client.Page{}, err
	}
	page := client.Page{Total: total, TotalExact: true, Clients: []client.Client{}}
	if q.Offset >= total && q.After == nil {
		return page, nil
	}
	r, err := s.read(ctx, s.startAt(q, base), q.Offset+q.Limit+1, 0)
	if err != nil {
		return client.Page{}, err
	}
	return page, s.fill(&page, q, r.matched, nil)
}

// total is the number of clients of q.Status (all when ""), from the
// counts; a table whose counts are not ready yet (counts.go) is counted
// as before counts existed, by reading the whole index partition.
func (s *Store) total(ctx context.Context, q client.ListQuery, base *dynamodb.QueryInput) (int, error) {
	counts, ready, err := s.Counts(ctx)
	if err != nil {
		return 0, err
	}
	if ready {
		return counts.Of(q.Status), nil
	}
	return s.count(ctx, base)
}

// search reads at most SearchBound index items from q's start, counting
// every match among them, and shows the page of matches q asks for.
// Total is the matches found so far: those before the cursor (its
// Before) and those of this read. It is exact when the read reached the
// end of the list (every page's read begins where the page before it
// stopped, and the first at the list's beginning). A page that has not
// reached the end ends with a cursor: after its last client when more
// matches were found, or after the last item read when the bound stopped
// the read.
func (s *Store) search(ctx context.Context, q client.ListQuery, base *dynamodb.QueryInput) (client.Page, error) {
	r, err := s.read(ctx, s.startAt(q, base), 0, SearchBound)
	if err != nil {
		return client.Page{}, err
	}
	prior := 0
	if q.After != nil {
		prior = q.After.Before
	}
	page := client.Page{Total: prior + len(r.matched), TotalExact: r.end, Clients: []client.Client{}}
	var resume *client.Position
	if !r.end {
		p, err := positionOf(r.last)
		if err != nil {
			return client.Page{}, err
		}
		p.Before = page.Total
		resume = &p
	}
	if err := s.fill(&page, q, r.matched, resume); err != nil {
		return client.Page{}, err
	}
	if page.Next != nil && page.Next != resume {
		page.Next.Before = prior + q.Offset + len(page.Clients)
	}
	return page, nil
}

// fill shows matched[q.Offset:][:q.Limit] on page, with the position
// after its last client when more matches follow, or resume (where the
// read stopped) when the read did not reach the end of the list.
func (s *Store) fill(page *client.Page, q client.ListQuery, matched []map[string]types.AttributeValue, resume *client.Position) error {
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
			page.Unreadable = append(page.Unreadable, stringAttr(item, "clientId"))
			continue
		}
		page.Clients = append(page.Clients, c)
	}
	switch {
	case more:
		// The next page starts after the last item read, readable or not,
		// by the stored text of its sort key.
		last := matched[len(matched)-1]
		page.Next = &client.Position{CreatedAt: stringAttr(last, "createdAt"), ClientID: stringAttr(last, "clientId")}
	case resume != nil:
		page.Next = resume
	}
	return nil
}

// startAt is base starting after q.After, if set.
func (s *Store) startAt(q client.ListQuery, base *dynamodb.QueryInput) *dynamodb.QueryInput {
	in := *base
	if q.After != nil {
		in.ExclusiveStartKey = s.startKey(q.Status, *q.After)
	}
	return &in
}

// readResult is what read found.
type readResult struct {
	matched []map[string]types.AttributeValue
	end     bool                            // the read reached the end of the list
	last    map[string]types.AttributeValue // where it stopped, when not at the end
}

// read queries in, from its start, until it has want matches (0: no such
// stop) or has read bound index items (0: no bound), or reaches the end.
// Each Query's Limit is what is still wanted or allowed, so that it never
// reads past either: Limit caps the items DynamoDB reads, before the
// filter.
func (s *Store) read(ctx context.Context, in *dynamodb.QueryInput, want, bound int) (readResult, error) {
	var r readResult
	read := 0
	for range maxPageReads {
		n := 0
		if want > 0 {
			n = want - len(r.matched)
		}
		if bound > 0 && (n == 0 || bound-read < n) {
			n = bound - read
		}
		in.Limit = aws.Int32(int32(n))
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return readResult{}, classify(fmt.Errorf("store: list clients: %w", err))
		}
		r.matched = append(r.matched, out.Items...)
		// ScannedCount is the items read before the filter; an emulator
		// that leaves it out read at least the ones it returned.
		read += max(int(out.ScannedCount), int(out.Count))
		if len(out.LastEvaluatedKey) == 0 {
			r.end = true
			return r, nil
		}
		r.last = out.LastEvaluatedKey
		if want > 0 && len(r.matched) >= want || bound > 0 && read >= bound {
			return r, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return readResult{}, fmt.Errorf("store: list clients: more than %d pages", maxPageReads)
}

// positionOf is the listing position of an index key: the client whose
// gsi1sk (createdAt#clientId) it holds.
func positionOf(key map[string]types.AttributeValue) (client.Position, error) {
	sk, _ := key["gsi1sk"].(*types.AttributeValueMemberS)
	if sk == nil {
		return client.Position{}, fmt.Errorf("store: list clients: the index key has no gsi1sk")
	}
	at, id, ok := strings.Cut(sk.Value, "#")
	if !ok {
		return client.Position{}, fmt.Errorf("store: list clients: gsi1sk is not createdAt#clientId")
	}
	return client.Position{CreatedAt: at, ClientID: id}, nil
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
// is read (Select COUNT returns no items but costs the same reads). Only
// a table whose counts are not ready is counted so.
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

// stringAttr is item's string attribute name, or "" when it is absent or
// not a string.
func stringAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
