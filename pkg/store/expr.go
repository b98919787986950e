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
	e.set = append(e.set, path+" = "+e.value(&types.AttributeValueMemberS{Value: value}))
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

// updateExpr translates u into SET/REMOVE clauses on the fields present,
// stamps updatedAt/updatedBy and bumps the version. clientMeta fields are
// set one by one so that the fields not named survive.
func updateExpr(u client.Update, at, by string) *expr {
	e := &expr{
		names:  map[string]string{"#version": "version"},
		values: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
	}
	if u.Status != nil {
		e.setValue(e.name("status"), string(*u.Status))
		if *u.Status != client.StatusActive {
			// Tokens issued before a suspension must not outlive it.
			e.setValue(e.name("tokensValidAfter"), at)
		}
	}
	if u.AgentID != nil {
		e.setValue(e.name("agentId"), *u.AgentID)
	}
	if u.TwilioPhoneNumber != nil {
		e.setValue(e.name("twilioPhoneNumber"), *u.TwilioPhoneNumber)
	}
	if u.CalID != nil {
		// Removal writes "" (read back as unset) rather than REMOVE: minidyn,
		// the local and test store, ignores REMOVE of a top-level attribute.
		e.setValue(e.name("calId"), *u.CalID)
	}
	meta := "#clientMeta"
	if values := u.Meta.Values(); len(values) > 0 || len(u.Meta.Remove) > 0 {
		e.names[meta] = "clientMeta"
		for _, f := range values {
			e.setValue(meta+"."+e.name(f.Name), f.Value)
			if attr, ok := searchAttr(f.Name); ok {
				e.setValue(e.name(attr), fold(f.Value))
			}
		}
		for _, name := range u.Meta.Remove {
			e.remove = append(e.remove, meta+"."+e.name(name))
			if attr, ok := searchAttr(name); ok {
				e.setValue(e.name(attr), "") // kept present: see listing
			}
		}
	}
	e.setValue(e.name("updatedAt"), at)
	e.setValue(e.name("updatedBy"), by)
	return e
}
