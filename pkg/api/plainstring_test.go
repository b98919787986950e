package api

import (
	"encoding/json"
	"testing"
)

func plainStringSeeds() []string {
	return []string{
		`"Paris"`, `""`, `" spaced "`, `"~"`, `" "`, `"a\"b"`, `"a\\b"`, `"\u00e9"`, `"é"`, "\"tab\there\"",
		"\"\x7f\"", "\"\x1f\"", `"unterminated`, `unquoted"`, `"`, `12`, `null`, `"a"b"`, `["x"]`, `"\ud800"`,
	}
}

// TestPlainStringIsUnmarshal: whatever plainString reads, json.Unmarshal
// reads the same; and plainString does read the common case.
func TestPlainStringIsUnmarshal(t *testing.T) {
	for _, in := range plainStringSeeds() {
		checkPlainString(t, in)
	}
	if s, ok := plainString([]byte(`"John Smith"`)); !ok || s != "John Smith" {
		t.Errorf(`plainString("John Smith") = %q, %v`, s, ok)
	}
}

func FuzzPlainString(f *testing.F) {
	for _, in := range plainStringSeeds() {
		f.Add(in)
	}
	f.Fuzz(checkPlainString)
}

func checkPlainString(t *testing.T, in string) {
	got, ok := plainString([]byte(in))
	if !ok {
		return
	}
	var want string
	if err := json.Unmarshal([]byte(in), &want); err != nil || got != want {
		t.Fatalf("plainString(%q) = %q; json.Unmarshal gives %q, %v", in, got, want, err)
	}
}
