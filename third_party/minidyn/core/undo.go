package core

import (
	"sort"

	"github.com/truora/minidyn/types"
)

// The transaction undo log. Patched into the repository's copy
// (README.md): upstream's Snapshot deep-copied every item, key and index
// entry of each table a transaction touched, so every transaction cost
// O(table). The log instead records, before the first write to each key,
// that key's previous item and index entries, and a rollback puts those
// back: a transaction costs what it writes.

// undoEntry is one key as it was before the transaction first wrote it.
type undoEntry struct {
	key     string
	existed bool
	item    map[string]*types.Item // a deep copy: Update changes items in place
	refs    map[string]string      // index name → index key, for the indexes that held it
}

type undoLog struct {
	entries []undoEntry
	seen    map[string]struct{}
}

// TableSnapshot is the undo log of one transaction on a table, begun by
// Snapshot and ended by Restore (roll back) or Release (keep the writes).
type TableSnapshot struct {
	log *undoLog
}

// Snapshot begins recording, for the writes that follow, what each key
// held before the first of them, so that Restore can roll them back. It
// copies nothing yet.
func (t *Table) Snapshot() TableSnapshot {
	t.undo = &undoLog{seen: map[string]struct{}{}}

	return TableSnapshot{log: t.undo}
}

// Restore rolls back every write since Snapshot: each key the writes
// touched gets back its item and its index entries. It ends the log.
func (t *Table) Restore(s TableSnapshot) {
	if s.log == nil || t.undo != s.log {
		return
	}

	t.undo = nil

	for i := len(s.log.entries) - 1; i >= 0; i-- {
		t.undoKey(s.log.entries[i])
	}
}

// Release ends the log and keeps the writes.
func (t *Table) Release(s TableSnapshot) {
	if s.log != nil && t.undo == s.log {
		t.undo = nil
	}
}

// remember records key's item and index entries before the transaction's
// first write to it; outside a transaction, and for a key already
// recorded, it does nothing.
func (t *Table) remember(key string) {
	if t.undo == nil {
		return
	}

	if _, ok := t.undo.seen[key]; ok {
		return
	}

	t.undo.seen[key] = struct{}{}

	e := undoEntry{key: key, refs: map[string]string{}}
	if item, ok := t.Data[key]; ok {
		e.existed, e.item = true, deepCopyItemMap(item)
		t.cost.ItemsCopied++
	}

	for name, idx := range t.Indexes {
		if ik, ok := idx.refs[key]; ok {
			e.refs[name] = ik
			t.cost.ItemsCopied++
		}
	}

	t.undo.entries = append(t.undo.entries, e)
}

func (t *Table) undoKey(e undoEntry) {
	if e.existed {
		t.setItem(e.key, e.item)
	} else {
		t.removeItem(e.key)
	}

	for name, idx := range t.Indexes {
		ik, ok := e.refs[name]
		if !ok {
			ik = ""
		}

		idx.setRef(e.key, ik)
	}
}

// sortKeys brings SortedKeys up to date with the writes since it last was:
// the removed keys dropped, the new ones sorted and merged in. Writes only
// note their keys (setItem, removeItem), so a write sorts nothing; a read
// that walks the keys pays one merge, and walks them all anyway.
func (t *Table) sortKeys() {
	if len(t.newKeys) == 0 && !t.keysRemoved {
		return
	}

	sort.Strings(t.newKeys)

	merged := make([]string, 0, len(t.Data))
	old, added := t.SortedKeys, t.newKeys

	// A key removed and added again is in both lists, or twice in added.
	keep := func(k string) {
		if _, ok := t.Data[k]; !ok {
			return
		}

		if n := len(merged); n > 0 && merged[n-1] == k {
			return
		}

		merged = append(merged, k)
	}

	for len(old) > 0 || len(added) > 0 {
		if len(added) == 0 || (len(old) > 0 && old[0] <= added[0]) {
			keep(old[0])
			old = old[1:]
		} else {
			keep(added[0])
			added = added[1:]
		}
	}

	t.cost.KeysSorted += int64(len(t.SortedKeys) + len(t.newKeys))
	t.SortedKeys, t.newKeys, t.keysRemoved = merged, nil, false
}
