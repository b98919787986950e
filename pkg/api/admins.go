package api

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/outbound-caller/admin-api/pkg/auth"
)

// verifyAdmin finds the account named user and checks password against
// its hash. Every account's username is compared, as digests and in
// constant time, so neither which account matched nor a name's length
// shows; and exactly one hash is verified whatever the outcome: an
// unknown username is checked against the first account's hash (a real
// configured hash, so the same work as a wrong password; the dummy hash
// when there is no account) and then refused.
func (h *Handler) verifyAdmin(user, password string) (auth.AdminAccount, bool) {
	got := sha256.Sum256([]byte(user))
	found := -1
	for i, a := range h.SignIn.Admins {
		want := sha256.Sum256([]byte(a.Username))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 && a.Username != "" && found < 0 {
			found = i
		}
	}
	hash := ""
	switch {
	case found >= 0:
		hash = h.SignIn.Admins[found].PasswordHash
	case len(h.SignIn.Admins) > 0:
		hash = h.SignIn.Admins[0].PasswordHash
	}
	ok := h.Secrets.Verify(hash, password) && found >= 0 && hash != ""
	if !ok {
		return auth.AdminAccount{}, false
	}
	return h.SignIn.Admins[found], true
}
