package api

import (
	"context"
	"log/slog"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// audit writes the one audit line of a successful admin write: who, which
// client, which route and the names of the fields changed — never values.
func (h *Handler) audit(ctx context.Context, req *Request, o *outcome, fields []string) {
	if fields == nil {
		fields = []string{}
	}
	h.Log.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.String("requestId", req.RequestContext.RequestID),
		slog.String("route", req.RouteKey),
		slog.String("sub", o.sub),
		slog.String("clientId", o.clientID),
		slog.Any("fields", fields),
	)
}

// origin is what a write of action a is, for the client's history: the
// caller the router verified (an admin's sub, or the client itself), the
// request's id and the caller's address.
func origin(req *Request, o *outcome, a client.Action) client.Origin {
	role := client.RoleAdmin
	if a == client.ActionSelfUpdate {
		role = client.RoleClient
	}
	return client.Origin{Action: a, Actor: client.Actor{Sub: o.sub, Role: role},
		RequestID: req.RequestContext.RequestID, SourceIP: sourceIP(req)}
}
