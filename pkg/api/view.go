package api

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// clientView is a client as the API shows it: clientId, then the table's
// fields in declaration order (clientMeta as one object where its fields
// are declared; a removable field only when set), then the stamps. The
// secret appears only in the create response; its hash and the token
// stamp never.
type clientView struct {
	c            client.Client
	UpdatedBy    string // "" leaves updatedBy out
	ClientSecret string // "" leaves clientSecret out
}

func viewOf(c client.Client) clientView {
	return clientView{c: c, UpdatedBy: c.UpdatedBy}
}

// MarshalJSON writes the view in the contract's key order.
func (v clientView) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"clientId":`)
	str(&b, v.c.ClientID)
	sep, inMeta := true, false // sep: a member precedes, the next needs a comma
	for _, f := range client.Fields() {
		if f.Meta != inMeta {
			if f.Meta {
				b.WriteString(`,"` + client.MetaKey + `":{`)
			} else {
				b.WriteByte('}')
			}
			sep, inMeta = !f.Meta, f.Meta
		}
		val := f.Get(&v.c)
		if val == "" && f.Removable {
			continue
		}
		if sep {
			b.WriteByte(',')
		}
		str(&b, f.Name)
		b.WriteByte(':')
		str(&b, val)
		sep = true
	}
	if inMeta {
		b.WriteByte('}')
	}
	b.WriteString(`,"createdAt":`)
	str(&b, client.FormatTime(v.c.CreatedAt))
	b.WriteString(`,"updatedAt":`)
	str(&b, client.FormatTime(v.c.UpdatedAt))
	for _, opt := range [...]struct{ name, val string }{{"updatedBy", v.UpdatedBy}, {"clientSecret", v.ClientSecret}} {
		if opt.val != "" {
			b.WriteString(`,"` + opt.name + `":`)
			str(&b, opt.val)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// str writes s as a JSON string, escaped as encoding/json escapes it.
func str(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always encodes
	b.Write(q)
}

// etag is a client version as the ETag header shows it.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }
