package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// History page bounds.
const defaultHistoryLimit = 20

type historyResponse struct {
	ClientID   string         `json:"clientId"`
	Events     []historyEvent `json:"events"`
	NextCursor string         `json:"nextCursor,omitempty"`
}

type historyEvent struct {
	EventID   string                        `json:"eventId"`
	At        string                        `json:"at"`
	Action    client.Action                 `json:"action"`
	Actor     client.Actor                  `json:"actor"`
	RequestID string                        `json:"requestId,omitempty"`
	SourceIP  string                        `json:"sourceIp,omitempty"`
	Changes   map[string]client.FieldChange `json:"changes"`
}

// historyPositionShape is the shape of a history cursor's content: an
// event's sort key (store's at#version), '0' standing for any ASCII digit.
// The cursor is that key, base64url: it only says where an admin's own
// reading of one client's history resumes, so it needs no signature, only
// a shape the store can use as it is. Checked by a byte loop rather than a
// regular expression compiled at package init, which every function
// linking this package paid at its cold start (TestHistoryPositionShape
// holds the loop to the pattern).
const historyPositionShape = "0000-00-00T00:00:00.000Z#000000000000"

func isHistoryPosition(b []byte) bool {
	if len(b) != len(historyPositionShape) {
		return false
	}
	for i, c := range b {
		if want := historyPositionShape[i]; want == '0' && (c < '0' || c > '9') || want != '0' && c != want {
			return false
		}
	}
	return true
}

func encodeHistoryCursor(p *client.HistoryPosition) string {
	if p == nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(p.Key))
}

// historyQuery reads and checks the query string; every problem is a 400
// naming the parameter.
func historyQuery(id string, params map[string]string) (client.HistoryQuery, error) {
	q := client.HistoryQuery{ClientID: id, Limit: defaultHistoryLimit}
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v := params[k]
		switch k {
		case "limit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxLimit {
				return q, badParam(k, "limit must be an integer from 1 to 100")
			}
			q.Limit = n
		case "cursor":
			b, err := base64.RawURLEncoding.DecodeString(v)
			if err != nil || !isHistoryPosition(b) {
				return q, badParam(k, "cursor is invalid")
			}
			q.After = &client.HistoryPosition{Key: string(b)}
		default:
			name := strings.ToValidUTF8(k, "\uFFFD")
			return q, badParam(name, "Unknown query parameter: "+name)
		}
	}
	return q, nil
}

// clientHistory serves GET /admin/clients/{clientId}/history: one Query of
// the history index (store.History), and a GetItem only when the client
// has no event, to tell a client from before the history from none.
func (h *Handler) clientHistory(ctx context.Context, req *Request, o *outcome) Response {
	q, err := historyQuery(o.clientID, req.QueryStringParameters)
	if err != nil {
		return o.fail(err)
	}
	page, err := h.Clients.History(ctx, q)
	if err != nil {
		return o.fail(err)
	}
	out := historyResponse{ClientID: o.clientID, Events: make([]historyEvent, len(page.Events)), NextCursor: encodeHistoryCursor(page.Next)}
	for i, e := range page.Events {
		out.Events[i] = historyEvent{EventID: e.EventID, At: client.FormatTime(e.At), Action: e.Action, Actor: e.Actor,
			RequestID: e.RequestID, SourceIP: e.SourceIP, Changes: e.Changes}
	}
	return jsonResponse(http.StatusOK, out, nil)
}
