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
	set    []string
	remove []string
	names  map[string]string
	values map[string]types.AttributeValue
}

func (e *expr) name(attr string) string {
	p := "#" + attr
	e.names[p] = attr
	return p
}

// value adds a value placeholder and returns it.
func (e *expr) value(v types.AttributeValue) string {
	p := ":v" + strconv.Itoa(len(e.values))
	e.values[p] = v
	return p
}

func (e *expr) setValue(path, value string) {
	e.setAttr(path, &types.AttributeValueMemberS{Value: value})
}

func (e *expr) setAttr(path string, v types.AttributeValue) {
	e.set = append(e.set, path+" = "+e.value(v))
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
	b.WriteString("SET ")
	b.WriteString(strings.Join(e.set, ", "))
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
	e := &expr{
		names:  map[string]string{"#version": "version"},
		values: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
	}
	meta := "#" + client.MetaKey
	for _, c := range u.Changes() {
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
