package passhash_test

import (
	"runtime"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/outbound-caller/admin-api/pkg/passhash"
)

// cheap keeps the tests fast; the format and logic are the same.
var cheap = passhash.Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := passhash.NewHasher(cheap)
	if err != nil {
		t.Fatal(err)
	}
	s := passhash.Generate()
	hash, err := h.Hash(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, s) || !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q", hash)
	}
	other, _ := h.Hash(s)
	if other == hash {
		t.Error("two hashes of one secret share a salt")
	}
	for _, tc := range []struct {
		name, hash, secret string
		want               bool
	}{
		{"right secret", hash, s, true},
		{"wrong secret", hash, s + "x", false},
		{"empty secret", hash, "", false},
		{"unknown account", "", s, false},
		{"malformed hash", "$argon2id$v=19$m=64,t=1,p=1$!!$!!", s, false},
		{"other algorithm", "$2a$10$abcdefghijklmnopqrstuv", s, false},
		{"hash tampered", tampered(hash), s, false},
	} {
		if got := h.Verify(tc.hash, tc.secret); got != tc.want {
			t.Errorf("%s: Verify = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// tampered changes one character of the key well inside the hash: the last
// characters of unpadded base64 carry bits the decoder ignores, so changing
// those can leave the key as it was, and the test then failed at random.
func tampered(hash string) string {
	b := []byte(hash)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestGenerate(t *testing.T) {
	a, b := passhash.Generate(), passhash.Generate()
	if a == b || len(a) != 43 || strings.ContainsAny(a, "+/=") {
		t.Errorf("secrets %q %q: want distinct 43-char URL-safe base64", a, b)
	}
}

func TestVerifyBcrypt(t *testing.T) {
	h, err := passhash.NewHasher(cheap)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bcrypt.GenerateFromPassword([]byte("correct horse battery"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !passhash.Valid(string(b)) {
		t.Error("a bcrypt hash is not Valid")
	}
	if !h.Verify(string(b), "correct horse battery") || h.Verify(string(b), "correct horse batterz") {
		t.Error("bcrypt verification is wrong")
	}
	for _, bad := range []string{"", "plain-password", "$argon2id$v=19$m=64,t=1,p=1$!!$!!", "$2a$10$short"} {
		if passhash.Valid(bad) {
			t.Errorf("Valid(%q) = true", bad)
		}
	}
}

// A cold start must not run argon2: with the default cost one hash is
// 19 MiB and tens of milliseconds, paid by every function at init.
func TestNewHasherRunsNoArgon2(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := passhash.NewHasher(passhash.DefaultParams()); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("NewHasher allocated %d bytes; an argon2 run at init?", n)
	}
}

// TestVerifyDoesTheSameWorkForUnknownAccounts checks that a sign-in for an
// account that does not exist (empty hash) or whose stored hash is
// unreadable costs the same argon2id work as a real one, so that timing
// does not reveal which accounts exist. argon2id's cost is its memory, so
// the work is measured as bytes allocated, which is deterministic where
// wall time is not.
func TestVerifyDoesTheSameWorkForUnknownAccounts(t *testing.T) {
	p := passhash.Params{Memory: 4 * 1024, Time: 1, Threads: 1}
	h, err := passhash.NewHasher(p)
	if err != nil {
		t.Fatal(err)
	}
	s := passhash.Generate()
	hash, _ := h.Hash(s)
	allocated := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	known := allocated(func() { h.Verify(hash, s+"x") })
	if known < uint64(p.Memory)*1024 {
		t.Fatalf("a real verification allocated %d bytes, less than argon2id's %d KiB: the measure is wrong", known, p.Memory)
	}
	for name, stored := range map[string]string{"unknown account": "", "malformed hash": "$argon2id$v=19$m=4096,t=1,p=1$!!$!!"} {
		if got := allocated(func() { h.Verify(stored, s) }); got < known*9/10 {
			t.Errorf("%s: verification allocated %d bytes, a real one %d: the missing work reveals the account", name, got, known)
		}
	}
}
