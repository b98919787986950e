package core

import "github.com/truora/minidyn/types"

// Patched (see the repository's README): the stream capture in the server
// package reads an item's image before and after a write.

// ItemImage returns a deep copy of the item whose key attributes are in
// keyItem (a key or a whole item), and its table key; nil when no such
// item is stored.
func (t *Table) ItemImage(keyItem map[string]*types.Item) (map[string]*types.Item, string, bool) {
	key, err := t.KeySchema.GetKey(t.AttributesDef, keyItem)
	if err != nil {
		return nil, "", false
	}

	item, ok := t.Data[key]
	if !ok {
		return nil, key, true
	}

	return deepCopyItemMap(item), key, true
}

// ImageAt returns a deep copy of the item stored under table key key, or
// nil.
func (t *Table) ImageAt(key string) map[string]*types.Item {
	item, ok := t.Data[key]
	if !ok {
		return nil
	}

	return deepCopyItemMap(item)
}

// KeyOf returns the key attributes of item as the table's key schema
// names them.
func (t *Table) KeyOf(item map[string]*types.Item) map[string]*types.Item {
	out := map[string]*types.Item{}
	for _, name := range []string{t.KeySchema.HashKey, t.KeySchema.RangeKey} {
		if v, ok := item[name]; ok && name != "" {
			out[name] = v
		}
	}

	return out
}
