package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
)

// SignIn configures the sign-in routes.
type SignIn struct {
	// Admins are the accounts that may sign in (config.Config.Admins);
	// none refuses every admin sign-in.
	Admins []auth.AdminAccount
	// AdminTokens signs admin tokens. It is nil when admin tokens come from
	// an identity provider (JWKS mode): admin sign-in then answers 404.
	AdminTokens  *auth.Issuer
	ClientTokens auth.Issuer
	AdminTTL     time.Duration
	ClientTTL    time.Duration
}

// noStore keeps tokens out of caches (RFC 6749 §5.1).
var noStore = map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache"}

type adminLoginResponse struct {
	Success bool       `json:"success"`
	Token   string     `json:"token"`
	Admin   adminLogin `json:"admin"`
}

type adminLogin struct {
	Username string `json:"username"`
}

type clientLoginResponse struct {
	Success bool        `json:"success"`
	Token   string      `json:"token"`
	Client  clientLogin `json:"client"`
}

type clientLogin struct {
	ClientID          string        `json:"clientId"`
	Status            client.Status `json:"status"`
	TwilioPhoneNumber string        `json:"twilioPhoneNumber"`
	AgentID           string        `json:"agentId"`
	Meta              loginMeta     `json:"clientMeta"`
}

type loginMeta struct {
	FullName     string `json:"fullName"`
	BusinessName string `json:"businessName,omitempty"`
	Email        string `json:"email"`
}

// adminLogin serves POST /auth/admin/login.
func (h *Handler) adminLogin(ctx context.Context, req *Request, o *outcome) Response {
	if h.SignIn.AdminTokens == nil {
		return jsonResponse(http.StatusNotFound, errorBody{Error: "Not found", StatusCode: 404}, nil)
	}
	f, err := requiredStrings(req, "username", "password")
	if err != nil {
		return o.fail(err)
	}
	user, password := f[0], f[1]
	// Two counts, both before the password is verified: the account from
	// this address (the lockout every sign-in has), and this address over
	// every username. An unknown username is verified against a real hash
	// (argon2id, the costly part), so without the second count one address
	// cycling usernames could make every request hash; with it, an address
	// gets LockoutLimit verifications a window whatever names it tries, and
	// its other requests cost one write each (docs/security.md, throttles).
	keys := []client.Attempter{
		{Scope: "admin", Account: user, Source: sourceIP(req)},
		{Scope: "admin-address", Source: sourceIP(req)},
	}
	for _, key := range keys {
		if err := h.countAttempt(ctx, key); err != nil {
			return o.fail(err)
		}
	}
	account, ok := h.verifyAdmin(user, password)
	for _, key := range keys {
		if err := h.settleAttempts(ctx, key, ok); err != nil {
			return o.fail(err)
		}
	}
	if !ok {
		return o.fail(errInvalidCredentials)
	}
	tok, err := h.SignIn.AdminTokens.SignAdmin(account.Username, account.Scopes, h.SignIn.AdminTTL)
	if err != nil {
		return o.fail(err)
	}
	o.sub = user
	return jsonResponse(http.StatusOK, adminLoginResponse{Success: true, Token: tok, Admin: adminLogin{Username: user}}, noStore)
}

// clientLogin serves POST /auth/login.
func (h *Handler) clientLogin(ctx context.Context, req *Request, o *outcome) Response {
	f, err := requiredStrings(req, "clientId", "clientSecret")
	if err != nil {
		return o.fail(err)
	}
	c, tok, err := h.signInClient(ctx, f[0], f[1], sourceIP(req))
	if err != nil {
		return o.fail(err)
	}
	o.clientID = c.ClientID
	return jsonResponse(http.StatusOK, clientLoginResponse{Success: true, Token: tok, Client: clientLogin{
		ClientID: c.ClientID, Status: c.Status, TwilioPhoneNumber: c.TwilioPhoneNumber, AgentID: c.AgentID,
		Meta: loginMeta{FullName: c.Meta.FullName, BusinessName: c.Meta.BusinessName, Email: c.Meta.Email},
	}}, noStore)
}

// signInClient checks a client's credentials with one hash verification,
// whatever the outcome: an unknown id is verified against the dummy hash,
// and an Inactive or Suspended client's secret is verified before its
// status is looked at, so neither the answer nor the time it takes tells
// which check failed. It returns a client token carrying the client's
// tokensValidAfter stamp. A successful sign-in with a hash in an older
// format (argon2id) rewrites it in the current one, once.
//
// The attempt is counted for the id and source address before anything
// else (countAttempt): a locked pair is refused after that one write,
// before the client is read or any hash work. Then the client is read; a
// success clears the count (one more write). An id no client can have is
// not read.
func (h *Handler) signInClient(ctx context.Context, id, secret, source string) (client.Client, string, error) {
	key := client.Attempter{Scope: "client", Account: id, Source: source}
	if err := h.countAttempt(ctx, key); err != nil {
		return client.Client{}, "", err
	}
	var c client.Client
	var hash string
	if client.ValidID(id) {
		var err error
		c, hash, err = h.Clients.Credentials(ctx, id)
		if err != nil && !errors.Is(err, client.ErrNotFound) {
			return client.Client{}, "", err
		}
	}
	ok := h.Secrets.Verify(hash, secret) // hash "" means the dummy hash
	ok = ok && hash != "" && c.Status == client.StatusActive
	if err := h.settleAttempts(ctx, key, ok); err != nil {
		return client.Client{}, "", err
	}
	if !ok {
		return client.Client{}, "", errInvalidCredentials
	}
	if !h.Secrets.Current(hash) {
		h.upgradeSecretHash(ctx, c.ClientID, hash, secret)
	}
	tok, err := h.SignIn.ClientTokens.SignClient(c.ClientID, client.FormatTime(c.TokensValidAfter), h.SignIn.ClientTTL)
	if err != nil {
		return client.Client{}, "", err
	}
	return c, tok, nil
}

// countAttempt counts a sign-in attempt of key before its secret is
// verified, in the one conditional write that also decides whether key
// may try (issue 23): however many attempts arrive at once, at most
// client.MaxFailedAttempts per window get past it, so at most that many
// secrets are verified. A locked-out key gets *lockedOut and nothing more
// is done: an attacker's extra attempts cost that write, not a hash.
func (h *Handler) countAttempt(ctx context.Context, key client.Attempter) error {
	now := h.now()
	before, err := h.Clients.CountAttempt(ctx, key, now, client.LockoutWindow)
	if err != nil {
		return err
	}
	if d := before.LockedFor(now); d > 0 {
		return &lockedOut{retryAfter: d}
	}
	return nil
}

// settleAttempts records the outcome of a counted attempt: a failure is
// already counted (the answer stays 401: the attempt that reaches the
// limit is refused like the others, the next one is locked out); a
// success clears the count, its own attempt included. Only a store
// failure is an error.
func (h *Handler) settleAttempts(ctx context.Context, key client.Attempter, ok bool) error {
	if !ok {
		return nil
	}
	return h.Clients.ClearAttempts(ctx, key)
}

// sourceIP is the caller's address as API Gateway saw it.
func sourceIP(req *Request) string { return req.RequestContext.HTTP.SourceIP }

// upgradeSecretHash rewrites a verified older hash in the current format,
// conditionally on the old one still being stored (a secret reset in
// between wins). It costs one more round trip, once per client. A failure
// does not fail the sign-in, whose credentials were good: the next
// sign-in tries again.
func (h *Handler) upgradeSecretHash(ctx context.Context, id, old, secret string) {
	hash, err := h.Secrets.Hash(secret)
	if err == nil {
		err = h.Clients.UpgradeSecretHash(ctx, id, old, hash)
	}
	if err != nil && h.Log != nil {
		h.Log.LogAttrs(ctx, slog.LevelWarn, "secret hash upgrade failed", slog.String("error", err.Error()))
	}
}

// requiredStrings reads a JSON object body and returns the named string
// members, in order. Absent, null or empty members are reported together
// as missing; other members are ignored, as the original API did.
func requiredStrings(req *Request, names ...string) ([]string, error) {
	body, err := jsonBody(req)
	if err != nil {
		return nil, err
	}
	obj := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
			return nil, &client.ValidationError{Message: "Request body must be a JSON object"}
		}
	}
	out := make([]string, len(names))
	var missing bool
	for i, n := range names {
		raw, ok := obj[n]
		if !ok || string(raw) == "null" {
			missing = true
			continue
		}
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return nil, &client.ValidationError{Field: n, Message: n + " must be a string"}
		}
		if out[i] == "" {
			missing = true
		}
	}
	if missing {
		// The contract lists every required field, not only the missing ones.
		return nil, &client.MissingError{Fields: names}
	}
	return out, nil
}
