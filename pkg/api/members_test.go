package api

import (
	"bytes"
	"encoding/json"
	"maps"
	"testing"
)

func objectMemberSeeds() []string {
	return append([]string{
		`{}`, ` { } `, `{"a":1}`, `{ "a" : 1 , "b" : [1, {"c": "}"}] , "d": {"e": "\"]"} }`,
		`{"a":"x","a":"y"}`, `{"\u0061":true,"b\"c":null,"é":false}`, "{\"a\":\t\"\\\\\"\n}",
		`{"n":-1.5e+10,"s":"\ud800","o":{},"l":[]}`, `{"a":{"b":{"c":[[[]]]}}}`, `{"k":"\\"}`,
		`[1]`, `{"a":}`, `{`, `"x"`, `null`, `{"a":1}x`, "{\"a\":\"\xff\"}",
	}, seedBodies...)
}

// TestObjectMembersIsUnmarshal: on every valid JSON object objectMembers
// gives what json.Unmarshal into raw members gives.
func TestObjectMembersIsUnmarshal(t *testing.T) {
	for _, in := range objectMemberSeeds() {
		checkObjectMembers(t, []byte(in))
	}
}

func FuzzObjectMembers(f *testing.F) {
	for _, in := range objectMemberSeeds() {
		f.Add([]byte(in))
	}
	f.Fuzz(checkObjectMembers)
}

func checkObjectMembers(t *testing.T, in []byte) {
	trimmed := bytes.TrimSpace(in)
	if !json.Valid(trimmed) || len(trimmed) == 0 || trimmed[0] != '{' {
		return
	}
	var want map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &want); err != nil {
		t.Fatalf("json.Unmarshal(%q): %v", in, err)
	}
	got := objectMembers(trimmed)
	if !maps.EqualFunc(got, want, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
		t.Fatalf("objectMembers(%q) = %q, json.Unmarshal gives %q", in, got, want)
	}
}
