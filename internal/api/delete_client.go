package api

import (
	"context"
	"net/http"
)

type messageResponse struct {
	Message string `json:"message"`
}

// deleteClient serves DELETE /admin/clients/{clientId}: one read, then one
// transaction removing the client and its locks.
func (h *Handler) deleteClient(ctx context.Context, req *Request, o *outcome) Response {
	id := o.clientID
	if err := h.Clients.Delete(ctx, id); err != nil {
		return o.fail(deleteOp, err)
	}
	h.audit(ctx, req, o, nil)
	return jsonResponse(http.StatusOK, messageResponse{Message: "Client deleted successfully"}, nil)
}
