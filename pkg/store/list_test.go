package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// readCounter is the DynamoDB client of a store under test that counts
// what its Queries read: ScannedCount, the index items DynamoDB reads (and
// bills) before a filter, which the embedded store reports as DynamoDB
// does (third_party/minidyn). Counts, not time: a page's cost in items is
// the same on every machine.
type readCounter struct {
	store.BatchAPI
	items atomic.Int64
}

func (r *readCounter) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := r.BatchAPI.Query(ctx, in, opts...)
	if err == nil {
		r.items.Add(int64(max(out.ScannedCount, out.Count)))
	}
	return out, err
}

// reads returns the items read since the last call.
func (r *readCounter) reads() int { return int(r.items.Swap(0)) }

// population is n clients a second apart (the newest last), a third of
// them Suspended; client i's fullName is "Person i", and only the oldest
// one's businessName is "Needle Works".
func population(n int) []client.Client {
	base := time.Now().Add(-time.Duration(n) * time.Second).UTC()
	out := make([]client.Client, n)
	for i := range n {
		at := base.Add(time.Duration(i) * time.Second)
		c := client.Client{
			ClientID: fmt.Sprintf("client_load_%06d", i), Status: client.StatusActive, AgentID: "agent",
			TwilioPhoneNumber: fmt.Sprintf("+1415%07d", i),
			Meta: client.Meta{
				FullName: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.com", i), Phone: "+14155550000",
				BusinessName: "Haystack Inc",
			},
			CreatedAt: at, UpdatedAt: at, TokensValidAfter: at, Version: 1, UpdatedBy: "load",
		}
		if i%3 == 0 {
			c.Status = client.StatusSuspended
		}
		if i == 0 {
			c.Meta.BusinessName = "Needle Works"
		}
		out[i] = c
	}
	return out
}

// loaded is a store over a new table holding population(n), and its
// read counter.
func loaded(t *testing.T, n int) (*store.Store, *readCounter) {
	t.Helper()
	e := testkit.NewEnv(t)
	rc := &readCounter{BatchAPI: e.DB}
	if err := store.Load(t.Context(), e.DB, e.Table, population(n)); err != nil {
		t.Fatal(err)
	}
	return store.New(rc, e.Table, nil), rc
}

// TestPageCostIsFlat counts the index items each kind of page reads at
// two table sizes: the same at both, and at most 100 for a page of 20;
// offset costs what it skips. It fails if a page's cost grows with the
// table (as it did when total was a COUNT Query of the whole index).
func TestPageCostIsFlat(t *testing.T) {
	type measure struct {
		name  string
		q     client.ListQuery
		after bool // continue from the first page's cursor
	}
	measures := []measure{
		{"first page", client.ListQuery{Limit: 20}, false},
		{"cursor page", client.ListQuery{Limit: 20}, true},
		{"status page", client.ListQuery{Limit: 20, Status: client.StatusSuspended}, false},
		{"status cursor page", client.ListQuery{Limit: 20, Status: client.StatusSuspended}, true},
		{"offset 40", client.ListQuery{Limit: 20, Offset: 40}, false},
	}
	sizes := []int{150, 1500}
	cost := map[string][]int{}
	for _, n := range sizes {
		s, rc := loaded(t, n)
		for _, m := range measures {
			q := m.q
			if m.after {
				first, err := s.List(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				q.After = first.Next
			}
			rc.reads()
			p, err := s.List(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			cost[m.name] = append(cost[m.name], rc.reads())
			want := n
			if q.Status == client.StatusSuspended {
				want = (n + 2) / 3
			}
			if p.Total != want || !p.TotalExact || len(p.Clients) != 20 || p.Next == nil {
				t.Errorf("%d clients, %s: total %d exact %v, %d shown, next %v; want total %d, 20 shown and a next page",
					n, m.name, p.Total, p.TotalExact, len(p.Clients), p.Next, want)
			}
		}
	}
	for _, m := range measures {
		c := cost[m.name]
		limit := 100
		if m.q.Offset > 0 {
			limit = m.q.Offset + m.q.Limit + 1
		}
		t.Logf("%s: %v index items read at %v clients", m.name, c, sizes)
		if c[0] != c[1] || c[1] > limit {
			t.Errorf("%s reads %v index items at %v clients: want the same at both, at most %d", m.name, c, sizes, limit)
		}
	}
}

// TestSearchReadsABoundedPart searches for the oldest client of a list
// longer than store.SearchBound: the first page stops after the bound
// with a cursor and a total that says it is not exact; following the
// cursors finds the client, every page reading at most the bound, and
// the last page's total is exact.
func TestSearchReadsABoundedPart(t *testing.T) {
	n := store.SearchBound + 150
	s, rc := loaded(t, n)
	for _, tc := range []struct {
		search string
		total  int // on the last page
		first  []string
	}{
		{"needle", 1, nil},
		// Every client matches: pages fill at once, and the total counts
		// the matches of the part read until the last page.
		{"haystack", n - 1, []string{fmt.Sprintf("client_load_%06d", n-1)}},
	} {
		t.Run(tc.search, func(t *testing.T) {
			q := client.ListQuery{Search: tc.search, Limit: 1}
			var found []string
			for page := 0; ; page++ {
				rc.reads()
				p, err := s.List(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				if r := rc.reads(); r > store.SearchBound {
					t.Fatalf("page %d read %d index items, more than the bound %d", page, r, store.SearchBound)
				}
				if page == 0 && (p.TotalExact || p.Next == nil) {
					t.Errorf("first page: exact %v, next %v; want a partial total and a cursor", p.TotalExact, p.Next)
				}
				if page == 0 && tc.first != nil && (len(p.Clients) != 1 || p.Clients[0].ClientID != tc.first[0]) {
					t.Errorf("first page shows %v, want %v", p.Clients, tc.first)
				}
				for _, c := range p.Clients {
					found = append(found, c.ClientID)
				}
				if p.Next == nil {
					if !p.TotalExact || p.Total != tc.total {
						t.Errorf("last page: total %d exact %v, want %d exact", p.Total, p.TotalExact, tc.total)
					}
					break
				}
				if p.TotalExact {
					t.Errorf("page %d: exact total with a next page", page)
				}
				if page > 3 && tc.total == 1 {
					t.Fatalf("no end after %d pages", page)
				}
				if tc.total > 1 {
					break // the second case checks the first page only
				}
				q.After = p.Next
			}
			if tc.total == 1 && (len(found) != 1 || found[0] != "client_load_000000") {
				t.Errorf("found %v, want the oldest client", found)
			}
		})
	}
}

// TestCountsExactUnderConcurrency runs 20 writers at once, each creating,
// flipping the status of and deleting clients of its own while the others
// do the same (so that writes meet on counter shards), and then compares
// the counts with a full count of the table. On the embedded store, which
// applies each call atomically as DynamoDB does; on moto (make test-moto)
// too, where transactions and ADD are serialised per call.
func TestCountsExactUnderConcurrency(t *testing.T) {
	e := testkit.NewEnv(t)
	s := e.Store
	statuses := []client.Status{client.StatusActive, client.StatusInactive, client.StatusSuspended}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for g := range 20 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 24))
			for i := range 6 {
				now := time.Now().UTC()
				c := client.Client{
					ClientID: fmt.Sprintf("client_race_%02d_%d", g, i), Status: statuses[r.IntN(3)], AgentID: "agent",
					Meta:      client.Meta{FullName: "Racer", Email: fmt.Sprintf("race%d.%d@example.com", g, i)},
					CreatedAt: now, UpdatedAt: now, TokensValidAfter: now, Version: 1,
				}
				if err := s.Create(t.Context(), c, "", testkit.SetupOrigin()); err != nil {
					errs <- fmt.Errorf("create %s: %w", c.ClientID, err)
					return
				}
				for range 2 {
					st := statuses[r.IntN(3)]
					if _, err := s.Update(t.Context(), c.ClientID, client.UpdateOf(map[string]string{"status": string(st)}), client.Write{By: "race"}); err != nil {
						errs <- fmt.Errorf("status %s: %w", c.ClientID, err)
						return
					}
				}
				if i%2 == 1 {
					if err := s.Delete(t.Context(), c.ClientID, client.Write{By: "race"}); err != nil {
						errs <- fmt.Errorf("delete %s: %w", c.ClientID, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, ready, err := s.Counts(t.Context())
	if err != nil || !ready {
		t.Fatalf("counts: ready %v, %v", ready, err)
	}
	full := map[client.Status]int{}
	all := 0
	for _, line := range e.Snapshot(t) {
		if !strings.Contains(line, `"pk":"CLIENT#`) {
			continue
		}
		all++
		for _, st := range statuses {
			if strings.Contains(line, `"status":"`+string(st)+`"`) {
				full[st]++
			}
		}
	}
	if all != 60 {
		t.Errorf("the table holds %d clients, want 60", all)
	}
	if got.All != all {
		t.Errorf("count of all %d, full count %d", got.All, all)
	}
	for _, st := range statuses {
		if got.Of(st) != full[st] {
			t.Errorf("count of %s %d, full count %d", st, got.Of(st), full[st])
		}
	}
}

// TestRecountReadiesATableFromBeforeCounts takes a table whose clients
// were written before counts existed (no counter items, no ready marker):
// listings still answer the exact total, by counting the index; Recount
// sets the counts and the marker, and listings then read the counts. A
// table whose counts went wrong is repaired the same way.
func TestRecountReadiesATableFromBeforeCounts(t *testing.T) {
	e := testkit.NewEnv(t)
	if err := store.Load(t.Context(), e.DB, e.Table, population(30)); err != nil {
		t.Fatal(err)
	}
	del := func(pk string) {
		if _, err := e.DB.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: &e.Table, Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	del("COUNT#ready")
	for i := range 16 {
		del(fmt.Sprint("COUNT#", i))
	}
	rc := &readCounter{BatchAPI: e.DB}
	s := store.New(rc, e.Table, nil)
	if _, ready, _ := s.Counts(t.Context()); ready {
		t.Fatal("counts ready without a marker")
	}
	p, err := s.List(t.Context(), client.ListQuery{Limit: 5, Status: client.StatusSuspended})
	if err != nil || p.Total != 10 || !p.TotalExact {
		t.Fatalf("before recount: total %d exact %v, %v; want 10", p.Total, p.TotalExact, err)
	}
	// A wrong shard, as if edited by hand: Recount overwrites it.
	if _, err := e.DB.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &e.Table, Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "COUNT#3"}, "all": &types.AttributeValueMemberN{Value: "7"},
		"seq": &types.AttributeValueMemberN{Value: "2"},
	}}); err != nil {
		t.Fatal(err)
	}
	got, err := store.Recount(t.Context(), e.DB, e.Table, func() string { return "2026-01-01T00:00:00.000Z" })
	if err != nil || got.All != 30 || got.Of(client.StatusSuspended) != 10 || got.Of(client.StatusActive) != 20 {
		t.Fatalf("recount = %+v, %v; want 30, 10 Suspended, 20 Active", got, err)
	}
	counts, ready, err := s.Counts(t.Context())
	if err != nil || !ready || counts.All != 30 || counts.Of(client.StatusSuspended) != 10 {
		t.Fatalf("after recount: %+v ready %v, %v", counts, ready, err)
	}
	rc.reads()
	if p, err := s.List(t.Context(), client.ListQuery{Limit: 5}); err != nil || p.Total != 30 || rc.reads() != 6 {
		t.Errorf("after recount: total %d, %v; want 30 from the counts and one page read", p.Total, err)
	}
}
