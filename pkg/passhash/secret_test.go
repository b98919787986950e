package passhash_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/outbound-caller/admin-api/pkg/passhash"
)

func newSecretHasher(t *testing.T, key string) *passhash.SecretHasher {
	t.Helper()
	pw, err := passhash.NewHasher(cheap)
	if err != nil {
		t.Fatal(err)
	}
	h, err := passhash.NewSecretHasher(passhash.DeriveSecretKey(key), pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestSecretHasher_HashVerify(t *testing.T) {
	h := newSecretHasher(t, "key-one")
	s := passhash.Generate()
	hash, err := h.Hash(s)
	if err != nil {
		t.Fatal(err)
	}
	// $hmac-sha256$v=1$ + 22 characters of salt + $ + 43 of MAC.
	if !strings.HasPrefix(hash, "$hmac-sha256$v=1$") || len(hash) != len("$hmac-sha256$v=1$")+22+1+43 || strings.Contains(hash, s) {
		t.Fatalf("hash %q", hash)
	}
	if other, _ := h.Hash(s); other == hash {
		t.Error("two hashes of one secret share a salt")
	}
	pw, _ := passhash.NewHasher(cheap)
	legacy, _ := pw.Hash(s)
	admin, _ := bcrypt.GenerateFromPassword([]byte("correct horse battery"), bcrypt.MinCost)
	otherKey, _ := newSecretHasher(t, "key-two").Hash(s)
	for _, tc := range []struct {
		name, hash, secret string
		want               bool
	}{
		{"right secret", hash, s, true},
		{"wrong secret", hash, s + "x", false},
		{"empty secret", hash, "", false},
		{"unknown account (no hash)", "", s, false},
		{"hash under another key", otherKey, s, false},
		{"tampered MAC", tampered(hash), s, false},
		{"salt of another hash", hash[:len("$hmac-sha256$v=1$")+22] + otherKey[len("$hmac-sha256$v=1$")+22:], s, false},
		{"malformed keyed hash", "$hmac-sha256$v=1$!!$!!", s, false},
		{"version 2", strings.Replace(hash, "v=1", "v=2", 1), s, false},
		{"truncated MAC", hash[:len(hash)-2], s, false},
		{"older argon2id hash, right secret", legacy, s, true},
		{"older argon2id hash, wrong secret", legacy, s + "x", false},
		{"bcrypt admin password", string(admin), "correct horse battery", true},
		{"bcrypt admin password, wrong", string(admin), "correct horse batterz", false},
		{"plain text stored", s, s, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.Verify(tc.hash, tc.secret); got != tc.want {
				t.Errorf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		hash string
		want bool
	}{{hash, true}, {otherKey, true}, {legacy, false}, {string(admin), false}, {"", false}, {"$hmac-sha256$v=1$!!$!!", false}} {
		if got := h.Current(tc.hash); got != tc.want {
			t.Errorf("Current(%.30q) = %v, want %v", tc.hash, got, tc.want)
		}
	}
}

// The key is derived with a label: it is neither the configured secret nor
// anything the same secret gives for another use, and it is the same in
// every instance.
func TestDeriveSecretKey(t *testing.T) {
	a, b := passhash.DeriveSecretKey("token-secret-0123456789abcdef0123"), passhash.DeriveSecretKey("token-secret-0123456789abcdef0123")
	if !bytes.Equal(a, b) || len(a) != 32 {
		t.Fatalf("derivation not deterministic or not 32 bytes: %x %x", a, b)
	}
	if bytes.Equal(a, passhash.DeriveSecretKey("token-secret-0123456789abcdef0124")) {
		t.Error("two secrets give one key")
	}
	if bytes.Contains(a, []byte("token-secret")) {
		t.Error("the key contains the secret")
	}
}

func TestNewSecretHasher_RefusesShortKeys(t *testing.T) {
	pw, _ := passhash.NewHasher(cheap)
	if _, err := passhash.NewSecretHasher(make([]byte, 31), pw); err == nil {
		t.Error("a 31-byte key was accepted")
	}
	if _, err := passhash.NewSecretHasher(make([]byte, 32), nil); err == nil {
		t.Error("no password hasher was accepted")
	}
}

// An unknown account, a malformed hash and a wrong secret each cost one
// HMAC, and none runs argon2id: measured as allocations (an HMAC makes
// about ten, argon2id thousands), which are deterministic where wall time
// is not. Parsing a malformed hash may cost an allocation or two more or
// less than parsing a good one: nanoseconds beside the network's noise.
func TestSecretHasher_SameWorkForUnknownAccounts(t *testing.T) {
	pw, err := passhash.NewHasher(passhash.Params{Memory: 4 * 1024, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	h, err := passhash.NewSecretHasher(passhash.DeriveSecretKey("k"), pw)
	if err != nil {
		t.Fatal(err)
	}
	s := passhash.Generate()
	hash, _ := h.Hash(s)
	allocs := func(f func()) float64 { return testing.AllocsPerRun(50, f) }
	known := allocs(func() { h.Verify(hash, s+"x") })
	for name, stored := range map[string]string{"unknown account": "", "malformed hash": "$hmac-sha256$v=1$!!$!!", "garbage": "xyz"} {
		if got := allocs(func() { h.Verify(stored, s) }); got < known-3 || got > known+3 {
			t.Errorf("%s: %v allocations a verification, a real one %v: the difference reveals the account", name, got, known)
		}
	}
	legacy, _ := pw.Hash(s)
	if argon := allocs(func() { h.Verify(legacy, s) }); argon <= known {
		t.Fatalf("an argon2id verification made %v allocations, a keyed one %v: the measure cannot tell them apart", argon, known)
	}
}
