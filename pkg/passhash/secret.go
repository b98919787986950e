package passhash

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// Client secrets are machine credentials: 256 random bits when generated,
// at least 32 characters when an admin sets one, never reused elsewhere.
// A slow password hash buys nothing against guessing them and costs every
// sign-in ~34 ms of CPU and 19 MiB. They are stored as a keyed hash
// instead:
//
//	$hmac-sha256$v=1$<salt>$<mac>
//
// mac = HMAC-SHA256(key, salt || secret), salt 16 random bytes per hash,
// both unpadded standard base64 (the PHC string alphabet, as the argon2id
// hashes use). Without the key, a table dump gives nothing to test guesses
// against; with the key, each guess costs one HMAC, and guessing a 256-bit
// secret stays hopeless (see docs/security.md, "Client secrets: threat
// model").

const (
	secretPrefix  = "$hmac-sha256$v=1$"
	secretSaltLen = 16
	// MinSecretKeyBytes is the shortest key NewSecretHasher takes: as long
	// as the MAC, so the key is never the weaker part.
	MinSecretKeyBytes = 32
)

// secretKeyLabel names the purpose of a key derived by DeriveSecretKey, so
// that a secret shared with another use (a token secret) yields a key
// that is useless for that use and vice versa.
const secretKeyLabel = "outbound-caller-admin-api/client-secret-hash/v1"

// DeriveSecretKey derives the client-secret hashing key from a configured
// secret: HMAC-SHA256(secret, label). The derived key cannot sign a token
// and a token secret cannot be recovered from it.
func DeriveSecretKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(secretKeyLabel))
	return m.Sum(nil)
}

// SecretHasher hashes client secrets with a keyed hash and verifies them,
// and verifies the hashes written before it (argon2id, through the
// password Hasher) so that existing clients keep signing in; Current tells
// the caller when a verified hash should be rewritten. It also verifies the
// admin password (argon2id or bcrypt), which it never hashes: Hash always
// writes the keyed format. Build it once per process; it is safe for
// concurrent use.
type SecretHasher struct {
	key       []byte
	passwords *Hasher
	dummy     string // a keyed hash of nothing anyone knows, for unknown ids
}

// NewSecretHasher returns a SecretHasher keyed with key (at least
// MinSecretKeyBytes; see DeriveSecretKey) that verifies older argon2id
// hashes and admin password hashes with passwords.
func NewSecretHasher(key []byte, passwords *Hasher) (*SecretHasher, error) {
	if len(key) < MinSecretKeyBytes {
		return nil, errors.New("passhash: the secret hashing key must be at least 32 bytes")
	}
	if passwords == nil {
		return nil, errors.New("passhash: NewSecretHasher needs the password hasher for older hashes")
	}
	h := &SecretHasher{key: append([]byte(nil), key...), passwords: passwords}
	h.dummy = h.hash(Generate())
	return h, nil
}

// Hash returns the keyed hash of secret with a fresh salt. It never fails;
// the error is there for the interface it shares with the password Hasher.
func (h *SecretHasher) Hash(secret string) (string, error) {
	return h.hash(secret), nil
}

func (h *SecretHasher) hash(secret string) string {
	salt := make([]byte, secretSaltLen)
	_, _ = rand.Read(salt)
	return secretPrefix + base64.RawStdEncoding.EncodeToString(salt) + "$" +
		base64.RawStdEncoding.EncodeToString(h.mac(salt, secret))
}

func (h *SecretHasher) mac(salt []byte, secret string) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write(salt) // fixed length, so salt || secret is unambiguous
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// Verify reports whether secret matches hash, in constant time for a given
// hash format. A keyed hash costs one HMAC; an empty or malformed hash
// (unknown account) is checked against a dummy keyed hash at the same
// cost, so the work done does not tell whether the account exists. An
// argon2id or bcrypt hash (a client created before keyed hashes, or the
// admin password) is verified by the password Hasher.
func (h *SecretHasher) Verify(hash, secret string) bool {
	if hash != "" && !strings.HasPrefix(hash, secretPrefix) && Valid(hash) {
		return h.passwords.Verify(hash, secret)
	}
	known := true
	salt, want, err := parseSecret(hash)
	if err != nil {
		salt, want, _ = parseSecret(h.dummy)
		known = false
	}
	return hmac.Equal(h.mac(salt, secret), want) && known
}

// Current reports whether hash is in the format Hash writes. A client
// whose verified hash is not current has its hash rewritten (see the
// sign-in route), so older argon2id hashes disappear as clients sign in.
func (h *SecretHasher) Current(hash string) bool {
	_, _, err := parseSecret(hash)
	return err == nil
}

func parseSecret(hash string) (salt, mac []byte, err error) {
	rest, ok := strings.CutPrefix(hash, secretPrefix)
	if !ok {
		return nil, nil, ErrMalformed
	}
	s, m, ok := strings.Cut(rest, "$")
	if !ok {
		return nil, nil, ErrMalformed
	}
	salt, err1 := base64.RawStdEncoding.Strict().DecodeString(s)
	mac, err2 := base64.RawStdEncoding.Strict().DecodeString(m)
	if err1 != nil || err2 != nil || len(salt) != secretSaltLen || len(mac) != sha256.Size {
		return nil, nil, ErrMalformed
	}
	return salt, mac, nil
}
