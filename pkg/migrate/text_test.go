package migrate

import (
	"strings"
	"testing"
)

// terminalActive are the runes a terminal acts on that the source may hold.
var terminalActive = []string{"\x1b", "\r", "\a", "\x00", "\u202e", "\n", "\x9b", "\u009b"}

func TestQuoteShowsOnlyPlainText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"client_1", "client_1"},
		{"Zoë-1", "Zoë-1"},
		{"a\x1b[31mred", `"a\x1b[31mred"`},
		{"a\rb", `"a\rb"`},
		{"bell\a", `"bell\a"`},
		{"nul\x00", `"nul\x00"`},
		{"evil\u202etxt.exe", `"evil\u202etxt.exe"`},
		{"x\n  refused fake [clientId]: forged", `"x\n  refused fake [clientId]: forged"`},
		{"two words", `"two words"`},
		{"", `""`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{strings.Repeat("a", 300), strings.Repeat("a", 200) + "…(300 bytes)"},
	} {
		if got := quote(tc.in); got != tc.want {
			t.Errorf("quote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEscapeLeavesNothingATerminalActsOn(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"line 3: clientId must be a string", "line 3: clientId must be a string"},
		{"a\x1b]0;title\a b", `a\x1b]0;title\a b`},
		{"over\rwrite", `over\rwrite`},
		{"rtl \u202e here", `rtl \u202e here`},
		{"x\ny", `x\ny`},
		{"bad \xff byte", `bad \xff byte`},
		{"U+FFFD \uFFFD stays", "U+FFFD \uFFFD stays"},
	} {
		got := escape(tc.in)
		if got != tc.want {
			t.Errorf("escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for _, r := range terminalActive {
			if strings.Contains(got, r) {
				t.Errorf("escape(%q) keeps %q", tc.in, r)
			}
		}
	}
}
