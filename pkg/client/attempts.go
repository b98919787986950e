package client

import "time"

// The brute-force lockout rule (issue 14): after MaxFailedAttempts
// consecutive failed sign-ins for one account from one source address,
// further attempts for that pair are refused until LockoutWindow after the
// last failure. Unknown accounts count exactly like real ones, so a refusal
// tells nothing about whether the account exists; other addresses are not
// affected.
const (
	MaxFailedAttempts = 10
	LockoutWindow     = 15 * time.Minute
)

// Attempter names whose sign-in attempts a counter counts: an account
// (a username, a client id, as typed) in a scope ("admin", "client"), from
// a source address.
type Attempter struct {
	Scope, Account, Source string
}

// Attempts is a counter of consecutive failed sign-ins for one account from
// one source address.
type Attempts struct {
	Failures int
	// Expires is when the count lapses: LockoutWindow after the last
	// failure. Zero when there is no count.
	Expires time.Time
}

// Current is a as of now: a lapsed count counts nothing.
func (a Attempts) Current(now time.Time) Attempts {
	if !now.Before(a.Expires) {
		return Attempts{}
	}
	return a
}

// LockedFor is how long attempts stay refused as of now: zero when they
// are not.
func (a Attempts) LockedFor(now time.Time) time.Duration {
	a = a.Current(now)
	if a.Failures < MaxFailedAttempts {
		return 0
	}
	return a.Expires.Sub(now)
}
