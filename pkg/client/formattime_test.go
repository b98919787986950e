package client_test

import (
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// formatTimeSeeds are (seconds, nanoseconds) since 1970: today, the
// epoch, the ends of years 0 and 9999, before 1970.
func formatTimeSeeds() [][2]int64 {
	return [][2]int64{
		{1_764_806_400, 123_456_789}, {0, 0}, {0, 999_999}, {-1, 0},
		{time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 0},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix(), 999_999_999},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 0},
	}
}

// TestFormatTimeIsFormat: FormatTime writes what time.Format writes, at
// the edges of its fast path (years 0 and 9999, the zero time, a fraction
// that must be cut, not rounded) and past them (years -1 and 10000).
func TestFormatTimeIsFormat(t *testing.T) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	for _, tm := range []time.Time{
		{}, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 4, 9, 30, 0, 999_999_999, zone), time.Date(2026, 2, 28, 23, 59, 59, 1_000_000, time.UTC),
		time.Unix(0, 1_764_806_400_123_456_789),
	} {
		if got, want := client.FormatTime(tm), tm.UTC().Format(client.TimeLayout); got != want {
			t.Errorf("FormatTime(%v) = %q, time.Format gives %q", tm, got, want)
		}
	}
}

func FuzzFormatTime(f *testing.F) {
	for _, s := range formatTimeSeeds() {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, sec, nsec int64) {
		tm := time.Unix(sec, nsec)
		if got, want := client.FormatTime(tm), tm.UTC().Format(client.TimeLayout); got != want {
			t.Fatalf("FormatTime(%v) = %q, time.Format gives %q", tm, got, want)
		}
	})
}
