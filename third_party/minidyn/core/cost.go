package core

// Cost counts the work a table's writes did that could grow with the size
// of the table rather than with the items written: stored items copied
// (to be able to roll a transaction back) and keys passed through a sort
// of a whole key list. A write whose cost is flat adds the same to both
// at 1,000 items as at 20,000. Counts, not times: the same on every
// machine. Patched into the repository's copy (README.md).
type Cost struct {
	// ItemsCopied counts stored items (and index entries) copied.
	ItemsCopied int64
	// KeysSorted counts keys passed through a sort of a whole key list.
	KeysSorted int64
}

// Cost returns what the table's writes have cost so far.
func (t *Table) Cost() Cost { return t.cost }
