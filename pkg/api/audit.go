package api

import (
	"context"
	"log/slog"
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
