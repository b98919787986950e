package migrate

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Summary is the report for people: counts, refusals grouped by field and
// reason, and the dropped field names. It names clients by id and fields by
// name, never a value (an email, a phone number, a secret).
func (r Report) Summary(dryRun bool) string {
	var b strings.Builder
	verb := "imported"
	if dryRun {
		verb = "would be imported (dry run: nothing written)"
	}
	fmt.Fprintf(&b, "%d %s, %d unchanged, %d refused, %d needing a secret reset\n", r.Imported, verb, r.Unchanged, len(r.Refused), len(r.NeedsReset))
	if len(r.Refused) > 0 {
		byField := map[string]int{}
		for _, x := range r.Refused {
			f := x.Field
			if f == "" {
				f = "(document)"
			}
			byField[f]++
		}
		b.WriteString("refused, by field:")
		for _, f := range slices.Sorted(maps.Keys(byField)) {
			fmt.Fprintf(&b, " %s %d;", f, byField[f])
		}
		b.WriteString("\n")
		for _, x := range r.Refused {
			id := x.ClientID
			if id == "" {
				id = "-"
			}
			held := ""
			if x.HeldBy != "" && x.HeldBy != x.ClientID {
				held = " (held by " + x.HeldBy + ")"
			}
			fmt.Fprintf(&b, "  refused %s [%s]%s: %s\n", id, x.Field, held, x.Reason)
		}
	}
	if len(r.NeedsReset) > 0 {
		fmt.Fprintf(&b, "needing a secret reset (no secret in the source): %s\n", strings.Join(r.NeedsReset, ", "))
	}
	if len(r.DroppedFields) > 0 {
		b.WriteString("fields not carried over (documents holding them):")
		for _, f := range slices.Sorted(maps.Keys(r.DroppedFields)) {
			fmt.Fprintf(&b, " %s %d;", f, r.DroppedFields[f])
		}
		b.WriteString("\n")
	}
	return b.String()
}
