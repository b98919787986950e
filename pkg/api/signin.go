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
	key := client.Attempter{Scope: "admin", Account: user, Source: sourceIP(req)}
	attempts, err := h.Clients.Attempts(ctx, key)
	if err != nil {
		return o.fail(err)
	}
	if d := attempts.LockedFor(h.now()); d > 0 {
		return o.fail(&lockedOut{retryAfter: d})
	}
	account, ok := h.verifyAdmin(user, password)
	if err := h.settleAttempts(ctx, key, attempts, ok); err != nil {
		return o.fail(err)
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

// signInClient checks a client's credentials with one read and one hash
// verification, whatever the outcome: an unknown id is verified against the
// dummy hash, and an Inactive or Suspended client's secret is verified
// before its status is looked at, so neither the answer nor the time it
// takes tells which check failed. It returns a client token carrying the
// client's tokensValidAfter stamp. A successful sign-in with a hash in an
// older format (argon2id) rewrites it in the current one, once.
//
// The failed-attempt counter of the id and source address is read in the
// same round trip as the client; a locked pair is refused before any hash
// work. A failure counts (one more write), a success after failures clears
// the count (one more write, skipped when there were none, so the common
// success is one round trip).
func (h *Handler) signInClient(ctx context.Context, id, secret, source string) (client.Client, string, error) {
	var c client.Client
	var hash string
	var attempts client.Attempts
	var err error
	key := client.Attempter{Scope: "client", Account: id, Source: source}
	if client.ValidID(id) {
		c, hash, attempts, err = h.Clients.CredentialsAndAttempts(ctx, id, key)
		if errors.Is(err, client.ErrNotFound) {
			err = nil
		}
	} else { // no client can have this id: only the counter to read
		attempts, err = h.Clients.Attempts(ctx, key)
	}
	if err != nil {
		return client.Client{}, "", err
	}
	if d := attempts.LockedFor(h.now()); d > 0 {
		return client.Client{}, "", &lockedOut{retryAfter: d}
	}
	ok := h.Secrets.Verify(hash, secret) // hash "" means the dummy hash
	ok = ok && hash != "" && c.Status == client.StatusActive
	if err := h.settleAttempts(ctx, key, attempts, ok); err != nil {
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

// settleAttempts records the outcome of a sign-in attempt in its counter:
// a failure counts (the answer stays 401: the attempt that reaches the
// limit is refused like the others, the next one is locked out); a success
// clears a count there was. Only a store failure is an error.
func (h *Handler) settleAttempts(ctx context.Context, key client.Attempter, attempts client.Attempts, ok bool) error {
	switch {
	case !ok:
		_, err := h.Clients.RecordFailure(ctx, key, client.LockoutWindow)
		return err
	case attempts.Failures > 0:
		return h.Clients.ClearAttempts(ctx, key)
	}
	return nil
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
