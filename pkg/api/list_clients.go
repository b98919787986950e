package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// List parameter bounds.
const (
	defaultLimit   = 10
	maxLimit       = 100
	maxSearchRunes = 200
)

type listResponse struct {
	Total      int          `json:"total"`
	Count      int          `json:"count"`
	Clients    []clientView `json:"clients"`
	NextCursor string       `json:"nextCursor,omitempty"`
	// TotalExact is present, false, when total is only the matches a
	// search found in the part of the list it read (store.SearchBound);
	// absent when total is exact, as the original's callers expect.
	TotalExact *bool `json:"totalExact,omitempty"`
}

func badParam(name, msg string) error {
	return &client.ValidationError{Field: name, Message: msg}
}

// listQuery reads and checks the query string; every problem is a 400
// naming the parameter.
func (h *Handler) listQuery(params map[string]string) (client.ListQuery, error) {
	q := client.ListQuery{Limit: defaultLimit}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	slices.Sort(names) // the same request always names the same parameter
	for _, k := range names {
		v := params[k]
		switch k {
		case "status":
			switch st := client.Status(v); st {
			case client.StatusActive, client.StatusInactive, client.StatusSuspended:
				q.Status = st
			default:
				return q, badParam(k, "status must be one of Active, Inactive, Suspended")
			}
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxLimit {
				return q, badParam(k, "limit must be an integer from 1 to 100")
			}
			q.Limit = n
		case "offset":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return q, badParam(k, "offset must be an integer of 0 or more")
			}
			q.Offset = n
		case "search":
			s := strings.TrimSpace(v)
			if utf8.RuneCountInString(s) > maxSearchRunes {
				return q, badParam(k, "search must be at most 200 characters")
			}
			q.Search = strings.ToLower(s)
		case "cursor":
		default:
			// The name is the caller's: bytes that are not UTF-8 become U+FFFD
			// here, once per run, rather than once per byte in the JSON encoder,
			// so that the field key and the message say the same thing.
			name := strings.ToValidUTF8(k, "\uFFFD")
			return q, badParam(name, "Unknown query parameter: "+name)
		}
	}
	if c, ok := params["cursor"]; ok {
		if _, both := params["offset"]; both {
			return q, badParam("cursor", "cursor and offset cannot be used together")
		}
		p, err := h.Cursors.Decode(c, q)
		if err != nil {
			return q, badParam("cursor", "cursor is invalid or belongs to another query")
		}
		q.After = &p
	}
	return q, nil
}

// listClients serves GET /admin/clients: newest first, from the list
// indexes (total from the counts, then the page; store.List).
func (h *Handler) listClients(ctx context.Context, req *Request, o *outcome) Response {
	q, err := h.listQuery(req.QueryStringParameters)
	if err != nil {
		return o.fail(err)
	}
	page, err := h.Clients.List(ctx, q)
	if err != nil {
		return o.fail(err)
	}
	for _, id := range page.Unreadable {
		// The page shows fewer than its limit: said here, by id (no
		// personal data), for whoever repairs or deletes the item.
		h.Log.LogAttrs(ctx, slog.LevelError, "unreadable client skipped from a list page",
			slog.String("requestId", req.RequestContext.RequestID), slog.String("clientId", id))
	}
	r := listResponse{Total: page.Total, Count: len(page.Clients), Clients: make([]clientView, 0, len(page.Clients))}
	for _, c := range page.Clients {
		r.Clients = append(r.Clients, viewOf(c))
	}
	if !page.TotalExact {
		r.TotalExact = &page.TotalExact
	}
	if page.Next != nil {
		r.NextCursor = h.Cursors.Encode(*page.Next, q)
	}
	return jsonResponse(http.StatusOK, r, nil)
}
