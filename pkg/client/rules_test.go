package client_test

import (
	"testing"

	"github.com/outbound-caller/admin-api/pkg/client"
)

func TestPlainText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"John Smith", true},
		{"Zoë Ångström — 東京", true},
		{"notes\nover lines\twith a tab\r\n", true},
		{"", true},
		{"Admin\u202egnp.exe", false}, // right-to-left override
		{"a\u2066b\u2069", false},     // bidi isolate
		{"John\u200bSmith", false},    // zero-width space
		{"a\u200db", false},           // zero-width joiner
		{"\ufeffBOM", false},
		{"soft\u00adhyphen", false},
		{"bell\a", false},
		{"esc\x1b[31m", false},
		{"nul\x00", false},
		{"c1\u0085", false},
	} {
		if got := client.PlainText(tc.in); got != tc.want {
			t.Errorf("PlainText(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
