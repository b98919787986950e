package api

import (
	"context"
	"net/http"
)

// getClient serves GET /admin/clients/{clientId}: one GetItem.
func (h *Handler) getClient(ctx context.Context, req *Request, o *outcome) Response {
	id := o.clientID
	c, err := h.Clients.Get(ctx, id)
	if err != nil {
		return o.fail(err)
	}
	return jsonResponse(http.StatusOK, viewOf(c), map[string]string{"ETag": etag(c.Version)})
}
