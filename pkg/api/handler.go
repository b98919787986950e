package api

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/cursor"
	"github.com/outbound-caller/admin-api/pkg/metrics"
	"github.com/outbound-caller/admin-api/pkg/passhash"
)

// Clients is what the handlers need from the store.
type Clients interface {
	Update(ctx context.Context, id string, u client.Update, w client.Write) (client.Client, error)
	Create(ctx context.Context, c client.Client, secretHash string, o client.Origin) error
	Get(ctx context.Context, id string) (client.Client, error)
	// History reads a page of a client's history (client.ErrNotFound for
	// an id that never had a client).
	History(ctx context.Context, q client.HistoryQuery) (client.HistoryPage, error)
	List(ctx context.Context, q client.ListQuery) (client.Page, error)
	Delete(ctx context.Context, id string, w client.Write) error
	ResetSecret(ctx context.Context, id, secretHash string, w client.Write) error
	// Credentials reads a client and its secret hash for a sign-in.
	Credentials(ctx context.Context, id string) (client.Client, string, error)
	// CountAttempt counts a sign-in attempt of who, unless who is locked
	// out as of now, in one atomic step, and returns the counter as it was
	// before (before.LockedFor(now) > 0: refused, nothing counted). The
	// count lapses window after the last counted attempt.
	CountAttempt(ctx context.Context, who client.Attempter, now time.Time, window time.Duration) (before client.Attempts, err error)
	// ClearAttempts ends a run of failed sign-ins of who.
	ClearAttempts(ctx context.Context, who client.Attempter) error
	// UpgradeSecretHash replaces a client's secret hash oldHash with newHash, if
	// oldHash is still the stored one.
	UpgradeSecretHash(ctx context.Context, id, oldHash, newHash string) error
}

// Hasher hashes client secrets and verifies them and the admin password;
// *passhash.SecretHasher is the implementation.
type Hasher interface {
	Hash(s string) (string, error)
	Verify(hash, s string) bool
	// Current reports whether hash is in the format Hash writes; a verified
	// hash that is not is rewritten at sign-in.
	Current(hash string) bool
}

var _ Hasher = (*passhash.SecretHasher)(nil)

// Authorizer checks the Authorization header for a role.
type Authorizer interface {
	Authorize(header, role string) (auth.Claims, error)
}

// Handler serves the routes. Build it once per process; it is safe for
// concurrent use.
type Handler struct {
	Auth    Authorizer
	Rules   *client.Rules
	Clients Clients
	// Secrets hashes and verifies client secrets and admin passwords.
	Secrets Hasher
	// Cursors signs and checks the list route's nextCursor.
	Cursors *cursor.Codec
	// SignIn configures the sign-in routes.
	SignIn SignIn
	Log    *slog.Logger
	// Metrics writes the request lines' Embedded Metric Format members, in
	// the function's CloudWatch namespace (metrics.NewLine).
	Metrics metrics.Line
	// Now is the clock used for latency; nil means time.Now.
	Now func() time.Time
	// DeadlineMargin is kept free before the Lambda deadline so that the
	// handler answers (503) instead of being killed.
	DeadlineMargin time.Duration

	// served turns true with the first request this handler serves: that
	// request's line reports the cold start (one handler per instance).
	served atomic.Bool
}

// outcome carries what one request log line reports besides the response.
type outcome struct {
	// claims are the verified token's, set by the router on routes that
	// require a role.
	claims   auth.Claims
	clientID string
	sub      string
	err      error
	// op is the route's error wording (its entry in the route table).
	op operation
}

// serve runs fn with a deadline short of the invocation's and writes the
// single log line of the request.
func (h *Handler) serve(ctx context.Context, r Route, req *Request, fn func(context.Context, *outcome) Response) (Response, error) {
	now := h.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	if dl, ok := ctx.Deadline(); ok && h.DeadlineMargin > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-h.DeadlineMargin))
		defer cancel()
	}
	var o outcome
	resp := fn(ctx, &o)
	// The line is the request's metrics too (Embedded Metric Format, see
	// pkg/metrics): route, status class, latency, cold start; the members
	// below it are never dimensions.
	end := now()
	// Room for every member below: the line is built in one allocation.
	attrs := make([]slog.Attr, 1, 16)
	attrs[0] = slog.String("requestId", req.RequestContext.RequestID)
	attrs = h.Metrics.AppendAttrs(attrs, metrics.Request{
		Route: r.Key(), Status: resp.StatusCode, Latency: end.Sub(start),
		ColdStart: h.served.CompareAndSwap(false, true), SignIn: r.signIn, Time: end,
	})
	if o.clientID != "" {
		attrs = append(attrs, slog.String("clientId", o.clientID))
	}
	if o.sub != "" {
		attrs = append(attrs, slog.String("sub", o.sub))
	}
	if r := tokenRefusal(o.err); r != "" {
		attrs = append(attrs, slog.String("authError", string(r)))
	}
	level := slog.LevelInfo
	if resp.StatusCode >= 500 && o.err != nil {
		// Store errors name operations and tables, never request values.
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", o.err.Error()))
	}
	h.Log.LogAttrs(ctx, level, "request", attrs...)
	return resp, nil
}

// fail records err for the log and renders it for the caller in the
// route's wording.
func (o *outcome) fail(err error) Response {
	o.err = err
	return o.op.errorResponse(err)
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}
