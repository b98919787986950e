package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// getOwnClient serves GET /secure/client: the signed-in client's own
// record. The one read also decides whether the token still counts.
func (h *Handler) getOwnClient(ctx context.Context, req *Request, o *outcome) Response {
	claims := o.claims
	c, err := h.Clients.Get(ctx, claims.ClientID)
	if errors.Is(err, client.ErrNotFound) {
		return o.fail(client.ErrSessionRevoked) // deleted: its tokens died with it
	}
	if err != nil {
		return o.fail(err)
	}
	if !c.SessionCurrent(claims.Session) {
		return o.fail(client.ErrSessionRevoked)
	}
	return jsonResponse(http.StatusOK, viewOf(c), map[string]string{"ETag": etag(c.Version)})
}

// updateOwnClient serves PUT /secure/client: the update route's partial
// update, limited to the contact fields a client may change itself. The
// one UpdateItem is conditioned on the token's session still being current
// and, with an If-Match header, on the version it names (as the admin
// update: a stale tag is a 412, a malformed one a 400 before any I/O).
func (h *Handler) updateOwnClient(ctx context.Context, req *Request, o *outcome) Response {
	claims := o.claims
	body, err := jsonBody(req)
	if err != nil {
		return o.fail(err)
	}
	u, err := decodeUpdate(body, true)
	if err == nil {
		err = h.Rules.CheckOwnUpdate(u)
	}
	if err != nil {
		return o.fail(err)
	}
	version, err := preconditions(req)
	if err != nil {
		return o.fail(err)
	}
	c, err := h.Clients.Update(ctx, claims.ClientID, u, client.Write{By: claims.ClientID, Session: claims.Session, IfVersion: version,
		Origin: origin(req, o, client.ActionSelfUpdate)})
	if errors.Is(err, client.ErrNotFound) {
		err = client.ErrSessionRevoked
	}
	if err != nil {
		return o.fail(err)
	}
	return updated(c)
}
