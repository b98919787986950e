// Package passhash generates client secrets and keeps only hashes of what
// sign-in checks: client secrets as a keyed HMAC-SHA256 (SecretHasher,
// secret.go: they are random machine credentials, so a slow hash buys
// nothing), the admin password as a slow, salted argon2id hash (Hasher,
// made by cmd/hash-password). SecretHasher also verifies the argon2id
// client-secret hashes written before keyed hashes, and bcrypt admin
// password hashes made elsewhere.
package passhash

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams follows the OWASP password storage recommendation (19 MiB,
// 2 passes, 1 lane), which fits a 128 MB Lambda.
func DefaultParams() Params { return Params{Memory: 19 * 1024, Time: 2, Threads: 1} }

const (
	saltLen = 16
	keyLen  = 32
)

// ErrMalformed means a stored hash could not be parsed.
var ErrMalformed = errors.New("secret: malformed hash")

// Hasher hashes and verifies secrets. Build it once per process.
type Hasher struct {
	params Params
	dummy  string // a hash of nothing anyone knows, for unknown accounts
	// slots bounds the hashes computed at once. Each argon2id run holds
	// Params.Memory (19 MiB by default) until it ends, and runs beyond the
	// number of CPUs only queue for a CPU while holding that memory: 64
	// concurrent sign-ins took a long-running host (make run) to 1.7 GB.
	// With one slot per CPU the memory is bounded by GOMAXPROCS x 19 MiB
	// and the throughput is the same. A Lambda instance serves one request
	// at a time and never waits here.
	slots chan struct{}
}

// NewHasher returns a Hasher using p for new hashes.
func NewHasher(p Params) (*Hasher, error) {
	// The dummy is random salt and key in the hash format: it matches no
	// secret, costs the same to verify as a real hash with p, and needs no
	// argon2 run at cold start (an argon2id hash with the default cost takes
	// tens of milliseconds and 19 MiB, which every function would pay).
	salt, key := make([]byte, saltLen), make([]byte, keyLen)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	return &Hasher{params: p, dummy: format(p, salt, key), slots: make(chan struct{}, runtime.GOMAXPROCS(0))}, nil
}

// hashing runs f in one of the hasher's slots, waiting for one if all are
// taken.
func (h *Hasher) hashing(f func()) {
	h.slots <- struct{}{}
	defer func() { <-h.slots }()
	f()
}

func format(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Generate returns a new client secret: 32 random bytes, URL-safe base64.
func Generate() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash returns the PHC-format argon2id hash of s with a fresh salt.
func (h *Hasher) Hash(s string) (string, error) {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	p := h.params
	var key []byte
	h.hashing(func() { key = argon2.IDKey([]byte(s), salt, p.Time, p.Memory, p.Threads, keyLen) })
	return format(p, salt, key), nil
}

// Verify reports whether s matches hash, in constant time. An empty hash
// (unknown account) is checked against a dummy hash so that the work done,
// and so the response time, does not tell whether the account exists.
func (h *Hasher) Verify(hash, s string) bool {
	if isBcrypt(hash) {
		// Accepted for an admin password hash made elsewhere; new hashes
		// are always argon2id.
		var err error
		h.hashing(func() { err = bcrypt.CompareHashAndPassword([]byte(hash), []byte(s)) })
		return err == nil
	}
	known := hash != ""
	if !known {
		hash = h.dummy
	}
	p, salt, want, err := parse(hash)
	if err != nil {
		p, salt, want, _ = parse(h.dummy)
		known = false
	}
	var got []byte
	h.hashing(func() { got = argon2.IDKey([]byte(s), salt, p.Time, p.Memory, p.Threads, uint32(len(want))) })
	return subtle.ConstantTimeCompare(got, want) == 1 && known
}

func parse(hash string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformed
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, ErrMalformed
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Memory > 256*1024 || p.Time == 0 || p.Time > 10 || p.Threads == 0 {
		return p, nil, nil, ErrMalformed
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return p, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}

func isBcrypt(hash string) bool {
	return strings.HasPrefix(hash, "$2a$") || strings.HasPrefix(hash, "$2b$") || strings.HasPrefix(hash, "$2y$")
}

// Valid reports whether hash is a hash Verify can check: argon2id in PHC
// format, or bcrypt. Configuration is checked with it at cold start.
func Valid(hash string) bool {
	if isBcrypt(hash) {
		_, err := bcrypt.Cost([]byte(hash))
		return err == nil
	}
	_, _, _, err := parse(hash)
	return err == nil
}
