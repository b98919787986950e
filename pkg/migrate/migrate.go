package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/passhash"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// Store is what the migration needs of the table; *store.Store has it.
type Store interface {
	Get(ctx context.Context, id string) (client.Client, error)
	Create(ctx context.Context, c client.Client, secretHash string, o client.Origin) error
	Holders(ctx context.Context, c client.Client) (map[string]string, error)
}

var _ Store = (*store.Store)(nil)

// Hasher hashes client secrets the way the service does.
type Hasher interface {
	Hash(secret string) (string, error)
}

// Migration is one run: where it writes, with which rules and hasher.
type Migration struct {
	Store  Store
	Rules  *client.Rules
	Hasher Hasher
	// DryRun reads and checks everything, writes nothing, and reports what
	// a real run would do.
	DryRun bool
	// Concurrency bounds the clients in flight (at least 1).
	Concurrency int
	// Progress, when not nil, receives a progress line now and then
	// (a terminal: the line rewrites itself).
	Progress io.Writer
}

// Report is what a run did, in the JSON shape of -report.
type Report struct {
	Imported      int            `json:"imported"`
	Unchanged     int            `json:"unchanged"`
	NeedsReset    []string       `json:"needsReset"`
	Refused       []Refusal      `json:"refused"`
	DroppedFields map[string]int `json:"droppedFields"`
	// Stopped, when set, is why the run stopped before its end: the
	// counts are then what was done before it, not a result.
	Stopped string `json:"stopped,omitempty"`
}

// Run migrates docs. Unreadable parts of the source are refusals. Among
// clients that claim the same email or Twilio number, or the same
// clientId, the one created earliest keeps it; the others are refused
// naming it. Each client is then read, and written by store.Create only
// when it is not in the table yet: a client already there with the same
// values is unchanged, one with other values is refused and left as it is.
// The error is for a failure of the table itself (unreachable, throttled
// past the SDK's retries), after which a re-run resumes.
func (m *Migration) Run(ctx context.Context, docs []Document, unreadable []Unreadable) (Report, error) {
	rep := Report{NeedsReset: []string{}, Refused: []Refusal{}, DroppedFields: map[string]int{}}
	for _, u := range unreadable {
		rep.Refused = append(rep.Refused, Refusal{Reason: u.Where + ": " + u.Reason})
	}
	var cands []candidate
	for _, d := range docs {
		c, r := convert(m.Rules, d)
		for _, name := range c.dropped {
			rep.DroppedFields[name]++
		}
		if r != nil {
			rep.Refused = append(rep.Refused, *r)
			continue
		}
		cands = append(cands, c)
	}
	cands, conflicts := claim(cands)
	rep.Refused = append(rep.Refused, conflicts...)

	results := make([]result, len(cands))
	var done atomic.Int64
	stop := m.progress(&done, len(cands))
	err := m.each(ctx, cands, func(ctx context.Context, i int) error {
		var err error
		results[i], err = m.one(ctx, cands[i])
		done.Add(1)
		return err
	})
	stop()
	for i, r := range results {
		switch {
		case r.refusal != nil:
			rep.Refused = append(rep.Refused, *r.refusal)
			continue
		case r.imported:
			rep.Imported++
		case r.unchanged:
			rep.Unchanged++
		default:
			continue // not reached: the run stopped first
		}
		if cands[i].secret == "" {
			rep.NeedsReset = append(rep.NeedsReset, cands[i].client.ClientID)
		}
	}
	sort.Strings(rep.NeedsReset)
	for i, r := range rep.Refused {
		rep.Refused[i] = r.shown()
	}
	if err != nil {
		rep.Stopped = escape(err.Error())
	}
	return rep, err
}

// shown is r as the summary and the report show it: the names quoted
// when they are not plain text, the reason escaped (see quote).
func (r Refusal) shown() Refusal {
	if r.ClientID != "" {
		r.ClientID = quote(r.ClientID)
	}
	if r.HeldBy != "" {
		r.HeldBy = quote(r.HeldBy)
	}
	if r.Field != "" {
		r.Field = quote(r.Field)
	}
	r.Reason = escape(r.Reason)
	return r
}

// claim keeps, of the candidates sharing a clientId, an email or a Twilio
// number, the earliest created (then the earliest in the source), and
// refuses the others naming the holder. Keys are the store's lock keys,
// so "the same email" means what it means to Create.
func claim(cands []candidate) ([]candidate, []Refusal) {
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return cands[order[a]].client.CreatedAt.Before(cands[order[b]].client.CreatedAt)
	})
	held := map[string]string{} // lock key (or "id:"+clientId) → holder
	var kept []candidate
	var refused []Refusal
	for _, i := range order {
		c := cands[i]
		id := c.client.ClientID
		if holder, ok := held["id:"+id]; ok {
			refused = append(refused, Refusal{ClientID: id, Field: "clientId", HeldBy: holder,
				Reason: c.where + ": another document of the source, created earlier, has this clientId"})
			continue
		}
		keys := store.UniqueKeys(c.client)
		paths := make([]string, 0, len(keys))
		for p := range keys {
			paths = append(paths, p)
		}
		slices.Sort(paths)
		var r *Refusal
		for _, p := range paths {
			if holder, ok := held[keys[p]]; ok {
				r = &Refusal{ClientID: id, Field: p, HeldBy: holder,
					Reason: fmt.Sprintf("%s: %s is held by client %s, created earlier", c.where, p, holder)}
				break
			}
		}
		if r != nil {
			refused = append(refused, *r)
			continue
		}
		held["id:"+id] = id
		for _, k := range keys {
			held[k] = id
		}
		kept = append(kept, c)
	}
	return kept, refused
}

type result struct {
	imported, unchanged bool
	refusal             *Refusal
}

// one migrates one candidate: a read, then (when the client is new and
// this is not a dry run) one transaction.
func (m *Migration) one(ctx context.Context, c candidate) (result, error) {
	id := c.client.ClientID
	stored, err := m.Store.Get(ctx, id)
	switch {
	case err == nil:
		if same(stored, c.client) {
			return result{unchanged: true}, nil
		}
		reason := "changed in the source since it was imported; this service's copy is left as it is"
		if stored.Version > 1 || stored.UpdatedBy != Actor {
			reason = "already in this service, written or changed there since; this service's copy is left as it is"
		}
		return result{refusal: &Refusal{ClientID: id, Field: "clientId", HeldBy: id, Reason: c.where + ": " + reason}}, nil
	case !errors.Is(err, client.ErrNotFound):
		return result{}, fmt.Errorf("read client %s: %w", id, err)
	}
	if m.DryRun {
		holders, err := m.Store.Holders(ctx, c.client)
		if err != nil {
			return result{}, fmt.Errorf("read locks of client %s: %w", id, err)
		}
		if r := heldRefusal(c, holders); r != nil {
			return result{refusal: r}, nil
		}
		return result{imported: true}, nil
	}
	secret := c.secret
	if secret == "" {
		// Nobody knows this secret: the client cannot sign in until an
		// admin resets it (the report lists it).
		secret = passhash.Generate()
	}
	hash, err := m.Hasher.Hash(secret)
	if err != nil {
		return result{}, fmt.Errorf("hash the secret of client %s: %w", id, err)
	}
	err = m.Store.Create(ctx, c.client, hash, Origin())
	switch {
	case err == nil:
		return result{imported: true}, nil
	case errors.Is(err, client.ErrIDTaken):
		// Written by someone else between our read and our write.
		return result{refusal: &Refusal{ClientID: id, Field: "clientId", HeldBy: id,
			Reason: c.where + ": created in this service while the migration ran; left as it is"}}, nil
	case errors.Is(err, client.ErrEmailTaken), errors.Is(err, client.ErrPhoneTaken):
		holders, herr := m.Store.Holders(ctx, c.client)
		if herr != nil {
			return result{}, fmt.Errorf("read locks of client %s: %w", id, herr)
		}
		if r := heldRefusal(c, holders); r != nil {
			return result{refusal: r}, nil
		}
		field := "clientMeta.email"
		if errors.Is(err, client.ErrPhoneTaken) {
			field = "twilioPhoneNumber"
		}
		return result{refusal: &Refusal{ClientID: id, Field: field, Reason: c.where + ": " + err.Error()}}, nil
	default:
		return result{}, fmt.Errorf("write client %s: %w", id, err)
	}
}

func heldRefusal(c candidate, holders map[string]string) *Refusal {
	for _, p := range []string{"clientMeta.email", "twilioPhoneNumber"} {
		if h, ok := holders[p]; ok {
			return &Refusal{ClientID: c.client.ClientID, Field: p, HeldBy: h,
				Reason: fmt.Sprintf("%s: %s is held by client %s in this service", c.where, p, h)}
		}
	}
	return nil
}

// each runs f for every candidate index with at most m.Concurrency at a
// time, and stops starting new ones at the first error.
func (m *Migration) each(ctx context.Context, cands []candidate, f func(context.Context, int) error) error {
	n := max(m.Concurrency, 1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for i := range next {
				if err := f(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
	for i := range cands {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// progress prints "n/total" to m.Progress every 200 ms until stopped.
func (m *Migration) progress(done *atomic.Int64, total int) (stop func()) {
	if m.Progress == nil || total == 0 {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprintf(m.Progress, "\rmigrate: %d/%d clients\n", done.Load(), total)
				return
			case <-t.C:
				fmt.Fprintf(m.Progress, "\rmigrate: %d/%d clients", done.Load(), total)
			}
		}
	})
	return func() { close(quit); wg.Wait() }
}
