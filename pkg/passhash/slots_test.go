package passhash

import (
	"runtime"
	"testing"
	"time"
)

// No more hashes run at once than there are CPUs: with every slot taken, a
// verification waits, and it runs as soon as a slot is free. (The memory
// figure this buys is measured on a running server, cmd/bench/signinload, not
// here.)
func TestHashingIsBoundedByTheCPUs(t *testing.T) {
	h, err := NewHasher(Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cap(h.slots), runtime.GOMAXPROCS(0); got != want {
		t.Fatalf("%d hashing slots, want GOMAXPROCS = %d", got, want)
	}
	hash, _ := h.Hash("s")
	for range cap(h.slots) {
		h.slots <- struct{}{} // every slot taken, as by running hashes
	}
	done := make(chan bool)
	go func() { done <- h.Verify(hash, "s") }()
	select {
	case <-done:
		t.Fatal("a verification ran while every slot was taken")
	case <-time.After(100 * time.Millisecond):
	}
	<-h.slots
	if !<-done {
		t.Error("the verification that waited for a slot failed")
	}
}
