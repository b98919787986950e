package testkit

import (
	"sync"

	"github.com/outbound-caller/admin-api/pkg/api"
)

// CountingHasher passes every call to the real hasher and records the hash
// each Verify checks against, so a test sees how much hashing work a
// request did and on what.
type CountingHasher struct {
	api.Hasher
	mu     sync.Mutex
	hashes []string
}

// Verify records hash and verifies s against it with the real hasher.
func (c *CountingHasher) Verify(hash, s string) bool {
	c.mu.Lock()
	c.hashes = append(c.hashes, hash)
	c.mu.Unlock()
	return c.Hasher.Verify(hash, s)
}

// Take returns the hashes verified since the last call, and resets.
func (c *CountingHasher) Take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.hashes
	c.hashes = nil
	return h
}

// CountVerifies puts a CountingHasher in front of h's hasher.
func CountVerifies(h *api.Handler) *CountingHasher {
	c := &CountingHasher{Hasher: h.Secrets}
	h.Secrets = c
	return c
}
