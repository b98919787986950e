package api

import (
	"context"
	"net/http"

	"github.com/outbound-caller/admin-api/pkg/client"
)

type messageResponse struct {
	Message string `json:"message"`
}

// deleteClient serves DELETE /admin/clients/{clientId}: one read, then one
// transaction removing the client and its locks. An If-Match header is
// honoured as on the update route: a stale tag is a 412, a malformed one a
// 400 before any I/O.
func (h *Handler) deleteClient(ctx context.Context, req *Request, o *outcome) Response {
	id := o.clientID
	version, err := preconditions(req)
	if err != nil {
		return o.fail(err)
	}
	if err := h.Clients.Delete(ctx, id, client.Write{By: o.sub, IfVersion: version, Origin: origin(req, o, client.ActionDelete)}); err != nil {
		return o.fail(err)
	}
	h.audit(ctx, req, o, nil)
	return jsonResponse(http.StatusOK, messageResponse{Message: "Client deleted successfully"}, nil)
}
