package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/pkg/auth"
)

// A token seen before skips the signature check but not the clock: once
// expired it is refused like any other expired token, and a token that
// failed once is never remembered as good.
func TestVerifiedTokensAreRevalidated(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	v, err := auth.NewVerifier(context.Background(), auth.Config{Secret: []byte(benchSecret), Skew: 30 * time.Second, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.Issuer{Secret: []byte(benchSecret), Now: clock}.Sign("admin-1", auth.RoleAdmin, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if c, err := v.Verify(tok); err != nil || c.Subject != "admin-1" || c.Role != auth.RoleAdmin {
			t.Fatalf("verify #%d: %+v %v", i+1, c, err)
		}
	}
	now = now.Add(2 * time.Minute)
	if _, err := v.Verify(tok); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("expired token seen before: err = %v, want ErrInvalidToken", err)
	}
	forged := tok[:len(tok)-2] + "xx"
	now = now.Add(-2 * time.Minute)
	for range 2 {
		if _, err := v.Verify(forged); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("forged signature: err = %v", err)
		}
	}
}
