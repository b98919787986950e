package store

import (
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// expr is an update expression under construction. Every name and value is
// a placeholder: no caller text ever becomes part of the expression string.
type expr struct {
	set    []assignment
	remove []string
	names  map[string]string
	values map[string]types.AttributeValue
}

// assignment is one "path = value" of the SET clause, joined by update.
type assignment struct{ path, value string }

func (e *expr) name(attr string) string {
	p := "#" + attr
	e.names[p] = attr
	return p
}

// value adds a value placeholder and returns it.
func (e *expr) value(v types.AttributeValue) string {
	n := len(e.values)
	p := ""
	if n < len(valuePlaceholders) {
		p = valuePlaceholders[n] // no string built per value
	} else {
		p = ":v" + strconv.Itoa(n)
	}
	e.values[p] = v
	return p
}

// valuePlaceholders are the first placeholders value hands out (":one"
// is taken before them, hence ":v1" first), enough for any update.
var valuePlaceholders = [...]string{
	":v0", ":v1", ":v2", ":v3", ":v4", ":v5", ":v6", ":v7", ":v8", ":v9",
	":v10", ":v11", ":v12", ":v13", ":v14", ":v15", ":v16", ":v17", ":v18", ":v19",
	":v20", ":v21", ":v22", ":v23", ":v24", ":v25", ":v26", ":v27", ":v28", ":v29",
}

func (e *expr) setValue(path, value string) {
	e.setAttr(path, &types.AttributeValueMemberS{Value: value})
}

func (e *expr) setAttr(path string, v types.AttributeValue) {
	e.set = append(e.set, assignment{path, e.value(v)})
}

// equals is a condition that path holds value, or is absent when value is
// empty (the way the store writes an empty string).
func (e *expr) equals(path, value string) string {
	if value == "" {
		return "attribute_not_exists(" + path + ")"
	}
	return path + " = " + e.value(&types.AttributeValueMemberS{Value: value})
}

func (e *expr) update() string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString("SET ")
	for i, a := range e.set {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.path)
		b.WriteString(" = ")
		b.WriteString(a.value)
	}
	b.WriteString(" ADD #version :one")
	if len(e.remove) > 0 {
		b.WriteString(" REMOVE ")
		b.WriteString(strings.Join(e.remove, ", "))
	}
	return b.String()
}

// updateExpr translates u into SET/REMOVE clauses on the fields it names
// (client.Update.Changes, each at its stored attribute), stamps
// updatedAt/updatedBy and bumps the version. clientMeta fields are set one
// by one so that the fields not named survive.
func updateExpr(u client.Update, at string, w client.Write) *expr {
	by := w.By
	// Sized for the whole request, conditions included: seven names and
	// six values of the stamps and conditions, one of each per change, a
	// few more for search copies and a suspension. A map grown past its
	// first size rehashes (a tenth of this handler's own cost), and one
	// sized too large is that many more bytes for the collector.
	changes := u.Changes()
	e := &expr{
		set:    make([]assignment, 0, 4+2*len(changes)),
		names:  make(map[string]string, 10+len(changes)),
		values: make(map[string]types.AttributeValue, 8+len(changes)),
	}
	e.names["#version"] = "version"
	e.values[":one"] = &types.AttributeValueMemberN{Value: "1"}
	meta := "#" + client.MetaKey
	for _, c := range changes {
		path := e.name(c.Field.Attr)
		if c.Field.Meta {
			e.names[meta] = client.MetaKey
			path = meta + "." + path
		}
		switch {
		case c.Removes() && c.Field.Meta:
			e.remove = append(e.remove, path)
		default:
			// A removed top-level field is written "" (read back as unset)
			// rather than REMOVEd: minidyn, the local and test store,
			// ignores REMOVE of a top-level attribute.
			e.setValue(path, c.Value)
		}
		if c.Field.Searched {
			e.setValue(e.name(c.Field.SearchAttr()), fold(c.Value)) // kept present when removed: see record.item
		}
		if c.Field == client.StatusField && client.Status(c.Value) != client.StatusActive {
			// Tokens issued before a suspension must not outlive it.
			e.setValue(e.name("tokensValidAfter"), at)
		}
	}
	e.setValue(e.name("updatedAt"), at)
	e.setValue(e.name("updatedBy"), by)
	// The stamp the history writer reads from the stream (history.go).
	e.setAttr(e.name(lastChangeAttr), stampOf(w.Origin, at).attr())
	return e
}
