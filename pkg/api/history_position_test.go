package api

import (
	"regexp"
	"testing"
)

// historyPositionPattern is the cursor content's shape as a pattern, what
// isHistoryPosition checks by hand.
var historyPositionPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z#[0-9]{12}$`)

func historyPositionSeeds() []string {
	return []string{
		"2026-12-04T07:50:23.669Z#000000000001",
		"2026-12-04T07:50:23.669Z#00000000001",   // a digit short
		"2026-12-04T07:50:23.669Z#0000000000012", // a digit over
		"2026-12-04T07:50:23.669Z#00000000000a",
		"2026-12-04T07:50:23.669Z 000000000001",
		"2026-12-04 07:50:23.669Z#000000000001",
		"2026-12-04T07:50:23,669Z#000000000001",
		"2026-12-04T07:50:23.669z#000000000001",
		"2026/12/04T07:50:23.669Z#000000000001",
		"2026-12-04T07:50:23.669Z#000000000001\n",
		"2026-12-04T07:50:23.669Z#00000000000/",
		"2026-12-04T07:50:23.669Z#00000000000:",
		"２026-12-04T07:50:23.669Z#000000000001",
		"", "#", "0000-00-00T00:00:00.000Z#000000000000",
	}
}

func TestHistoryPositionShape(t *testing.T) {
	for _, in := range historyPositionSeeds() {
		if got, want := isHistoryPosition([]byte(in)), historyPositionPattern.MatchString(in); got != want {
			t.Errorf("isHistoryPosition(%q) = %v, the pattern says %v", in, got, want)
		}
	}
}

func FuzzHistoryPosition(f *testing.F) {
	for _, in := range historyPositionSeeds() {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := isHistoryPosition([]byte(in)), historyPositionPattern.MatchString(in); got != want {
			t.Fatalf("isHistoryPosition(%q) = %v, the pattern says %v", in, got, want)
		}
	})
}
