package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/outbound-caller/admin-api/internal/auth"
	"github.com/outbound-caller/admin-api/internal/client"
)

var (
	ownReadOp   = operation{invalid: "Invalid request", failed: "Failed to get client", role: auth.RoleClient}
	ownUpdateOp = operation{invalid: "Invalid update data", failed: "Failed to update client", role: auth.RoleClient}
)

// clientSession authorizes a client token and returns its claims. A client
// token must name its client and carry the session stamp it was issued
// under; one without (made before stamps existed, or by hand) is invalid.
func (h *Handler) clientSession(req *Request) (auth.Claims, error) {
	c, err := h.Auth.Authorize(header(req, "authorization"), auth.RoleClient)
	if err != nil {
		return c, err
	}
	if !client.ValidID(c.ClientID) || c.Subject != c.ClientID || c.Session == "" {
		return c, auth.ErrInvalidToken
	}
	return c, nil
}

// GetOwnClient serves GET /secure/client: the signed-in client's own
// record. The one read also decides whether the token still counts.
func (h *Handler) GetOwnClient(ctx context.Context, req Request) (Response, error) {
	return h.serve(ctx, &req, func(ctx context.Context, o *outcome) Response {
		claims, err := h.clientSession(&req)
		o.sub = claims.Subject
		if err != nil {
			return o.fail(ownReadOp, err)
		}
		o.clientID = claims.ClientID
		c, err := h.Clients.Get(ctx, claims.ClientID)
		if errors.Is(err, client.ErrNotFound) {
			return o.fail(ownReadOp, client.ErrSessionRevoked) // deleted: its tokens died with it
		}
		if err != nil {
			return o.fail(ownReadOp, err)
		}
		if !c.SessionCurrent(claims.Session) {
			return o.fail(ownReadOp, client.ErrSessionRevoked)
		}
		return jsonResponse(http.StatusOK, viewOf(c), map[string]string{"ETag": etag(c.Version)})
	})
}

// UpdateOwnClient serves PUT /secure/client: the update route's partial
// update, limited to the contact fields a client may change itself. The
// one UpdateItem is conditioned on the token's session still being current.
func (h *Handler) UpdateOwnClient(ctx context.Context, req Request) (Response, error) {
	return h.serve(ctx, &req, func(ctx context.Context, o *outcome) Response {
		claims, err := h.clientSession(&req)
		o.sub = claims.Subject
		if err != nil {
			return o.fail(ownUpdateOp, err)
		}
		o.clientID = claims.ClientID
		body, err := jsonBody(&req)
		if err != nil {
			return o.fail(ownUpdateOp, err)
		}
		u, err := h.Rules.DecodeOwnUpdate(body)
		if err != nil {
			return o.fail(ownUpdateOp, err)
		}
		c, err := h.Clients.Update(ctx, claims.ClientID, u, client.Write{By: claims.ClientID, Session: claims.Session})
		if errors.Is(err, client.ErrNotFound) {
			err = client.ErrSessionRevoked
		}
		if err != nil {
			return o.fail(ownUpdateOp, err)
		}
		return updated(c)
	})
}
