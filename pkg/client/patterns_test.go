package client

import (
	"regexp"
	"strings"
	"testing"
)

// The rules the documents state as patterns are checked by byte loops
// (see patterns); these hold each loop to its pattern.
var loops = map[string]func(string) bool{"e164": isE164, "agentid": isAgentID}

func TestRulePatternsAreTheLoops(t *testing.T) {
	if len(loops) != len(patterns) {
		t.Fatalf("%d loops for %d patterns", len(loops), len(patterns))
	}
	for _, in := range rulePatternSeeds() {
		for tag, loop := range loops {
			re := regexp.MustCompile(patterns[tag])
			if got, want := loop(in), re.MatchString(in); got != want {
				t.Errorf("%s(%q) = %v, its pattern says %v", tag, in, got, want)
			}
		}
	}
}

func FuzzRulePatterns(f *testing.F) {
	for _, in := range rulePatternSeeds() {
		f.Add(in)
	}
	res := map[string]*regexp.Regexp{}
	for tag, p := range patterns {
		res[tag] = regexp.MustCompile(p)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for tag, loop := range loops {
			if got, want := loop(in), res[tag].MatchString(in); got != want {
				t.Fatalf("%s(%q) = %v, its pattern says %v", tag, in, got, want)
			}
		}
	})
}

// rulePatternSeeds are the edges of both shapes: lengths at and past the
// bounds, each end of each character class and its neighbours, a
// trailing newline ($ in Go's regexp matches only at the end), non-ASCII.
func rulePatternSeeds() []string {
	return []string{
		"", "+", "+1", "+12", "+0", "+01", "+10", "+19", "+91",
		"+1" + strings.Repeat("0", 13), "+1" + strings.Repeat("0", 14), "+1" + strings.Repeat("0", 15),
		"+12125551234", "12125551234", "++12", "+1 2", "+12a", "+12/", "+12:", "+12\n", "\n+12", "+１２",
		"a", "z", "A", "Z", "0", "9", "_", "-", "@", "[", "`", "{", "/", ":", " ", ".",
		"agent_01-x", strings.Repeat("a", 128), strings.Repeat("a", 129), "agent\n", "agént", "a\x00",
	}
}
