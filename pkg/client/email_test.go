package client_test

import (
	"strings"
	"testing"

	"github.com/outbound-caller/admin-api/pkg/client"
)

// held is the address another client holds in the attack.
const held = "kasia.X@example.com"

// TestEmailKeyJoinsSpellingsOfOneMailbox: every spelling the email rule
// accepts that reaches held's mailbox, or reads as it on screen, has
// held's key.
func TestEmailKeyJoinsSpellingsOfOneMailbox(t *testing.T) {
	for _, tc := range []struct{ name, a, b string }{
		{"letter case", held, "KASIA.x@EXAMPLE.COM"},
		{"long s is s", "kasia.s@example.com", "kasia.\u017f@example.com"},
		{"final sigma is sigma", "\u03bc\u03b1\u03c3@example.com", "\u03bc\u03b1\u03c2@example.com"},
		{"capital sigma is sigma", "\u03bc\u03b1\u03c3@example.com", "\u039c\u0391\u03a3@example.com"},
		{"NFD is NFC", "jos\u00e9@example.com", "jose\u0301@example.com"},
		{"full-width letter in the local part", held, "kasia.\uff38@example.com"},
		{"full-width letter in the domain", held, "kasia.X@\uff45xample.com"},
		{"upper-case IDN domain", "a@m\u00fcnchen.de", "a@M\u00dcNCHEN.DE"},
		{"IDN domain as its A-label", "a@m\u00fcnchen.de", "a@xn--mnchen-3ya.de"},
		{"ideographic full stop in the domain", held, "kasia.X@example\u3002com"},
		{"ligature is its letters", "file@example.com", "\ufb01le@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ka, err := client.EmailKey(tc.a)
			if err != nil {
				t.Fatalf("EmailKey(%q): %v", tc.a, err)
			}
			kb, err := client.EmailKey(tc.b)
			if err != nil {
				t.Fatalf("EmailKey(%q): %v", tc.b, err)
			}
			if ka != kb {
				t.Errorf("EmailKey(%q) = %q, EmailKey(%q) = %q: one mailbox, two keys", tc.a, ka, tc.b, kb)
			}
		})
	}
}

// TestEmailKeyKeepsDistinctMailboxesApart: folding must not join
// addresses that are different mailboxes.
func TestEmailKeyKeepsDistinctMailboxesApart(t *testing.T) {
	for _, tc := range []struct{ name, a, b string }{
		{"another letter", "kasia.x@example.com", "kasia.y@example.com"},
		{"accent matters", "jose@example.com", "jos\u00e9@example.com"},
		{"dots matter", "kasia.x@example.com", "kasiax@example.com"},
		{"plus tags are other addresses", "kasia@example.com", "kasia+a@example.com"},
		{"eszett is not ss in the domain (IDNA 2008)", "a@fa\u00df.de", "a@fass.de"},
		// Full folding keeps the Turkish dotless i apart from i (it has no
		// folding), as a lower-of-upper folding would not.
		{"dotless i is not i", "ali@example.com", "al\u0131@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ka, errA := client.EmailKey(tc.a)
			kb, errB := client.EmailKey(tc.b)
			if errA != nil || errB != nil {
				t.Fatalf("refused: %v %v", errA, errB)
			}
			if ka == kb {
				t.Errorf("%q and %q share the key %q", tc.a, tc.b, ka)
			}
		})
	}
}

// TestEmailRuleRefuses: what no real mailbox needs is refused, so that it
// cannot spell a taken address anew.
func TestEmailRuleRefuses(t *testing.T) {
	for _, tc := range []struct{ name, email string }{
		{"quoted local part", `"kasia.X"@example.com`},
		{"quoted local part with a space", `"kasia X"@example.com`},
		{"comment", "kasia.X(work)@example.com"},
		{"backslash", `kasia\.X@example.com`},
		{"zero-width space", "kasia.\u200bX@example.com"},
		{"zero-width non-joiner", "kasia.\u200cX@example.com"},
		{"zero-width joiner", "kasia.\u200dX@example.com"},
		{"soft hyphen", "kasia.\u00adX@example.com"},
		{"soft hyphen in the domain", "kasia.X@exam\u00adple.com"},
		{"byte order mark", "\ufeffkasia.X@example.com"},
		{"word joiner", "kasia.\u2060X@example.com"},
		{"left-to-right mark", "kasia.X\u200e@example.com"},
		{"right-to-left mark", "kasia.X@example.com\u200f"},
		{"right-to-left override", "kasia.\u202eX@example.com"},
		{"left-to-right isolate", "kasia.\u2066X\u2069@example.com"},
		{"variation selector", "kasia.X\ufe0f@example.com"},
		{"Hangul filler", "kasia.\u3164X@example.com"},
		{"combining grapheme joiner", "kasia.\u034fX@example.com"},
		{"tab", "kasia.\tX@example.com"},
		{"inner space", "kasia X@example.com"},
		{"no-break space", "kasia\u00a0X@example.com"},
		{"ideographic space", "kasia\u3000X@example.com"},
		{"NUL", "kasia\x00X@example.com"},
		{"private use", "kasia\ue000X@example.com"},
		{"unassigned code point", "kasia\U000e0080X@example.com"},
		{"replacement character", "kasia\ufffdX@example.com"},
		{"two at signs", "kasia@X@example.com"},
		{"leading dot", ".kasia@example.com"},
		{"trailing dot", "kasia.@example.com"},
		{"double dot", "kasia..X@example.com"},
		{"IP literal domain", "kasia@[192.0.2.1]"},
		{"single-label domain", "kasia@localhost"},
		{"domain with a trailing dot", "kasia@example.com."},
		{"domain label over 63", "kasia@" + strings.Repeat("a", 64) + ".com"},
		{"local part over 64 bytes", strings.Repeat("a", 65) + "@example.com"},
		{"underscore in the domain (STD3)", "kasia@exa_mple.com"},
		{"symbol outside ASCII in the local part", "kasia\u2603@example.com"},
		{"invalid UTF-8", "kasia\xff@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if k, err := client.EmailKey(tc.email); err == nil {
				t.Errorf("EmailKey(%q) = %q, want a refusal", tc.email, k)
			}
			if err := client.NewRules().CheckUpdate(client.UpdateOf(map[string]string{"clientMeta.email": tc.email})); err == nil ||
				err.Error() != "Email format is invalid" {
				t.Errorf("CheckUpdate: %v, want Email format is invalid", err)
			}
		})
	}
}

// TestEmailKeyOfASCIIIsTheOldKey: for ASCII addresses the new key is the
// strings.ToLower key locks were written under, so their locks carry over
// unchanged.
func TestEmailKeyOfASCIIIsTheOldKey(t *testing.T) {
	for _, email := range []string{
		"john.smith@example.com", "Jane.Doe@Example.COM", "O'Brien+tag@Sub.Example.co.uk",
		"a!#$%&'*+-/=?^_`{|}~z@x-y.example", "X@xn--mnchen-3ya.DE", "1@2.io",
	} {
		k, err := client.EmailKey(email)
		if err != nil {
			t.Errorf("EmailKey(%q): %v", email, err)
			continue
		}
		if want := strings.ToLower(email); k != want {
			t.Errorf("EmailKey(%q) = %q, want the old key %q", email, k, want)
		}
	}
}

func TestFoldFindsUnderTheKeysFolding(t *testing.T) {
	for _, tc := range []struct{ stored, term string }{
		{"Straße GmbH", "STRASSE"},
		{"kasia.s@example.com", "KASIA.\u017f"},
		{"\u039c\u0391\u03a3 Ltd", "\u03bc\u03b1\u03c2"},
		{"jos\u00e9@example.com", "jose\u0301"},
		{"kasia@example.com", "\uff45xample"},
	} {
		if !strings.Contains(client.Fold(tc.stored), client.Fold(tc.term)) {
			t.Errorf("Fold(%q) = %q does not contain Fold(%q) = %q", tc.stored, client.Fold(tc.stored), tc.term, client.Fold(tc.term))
		}
	}
}

// TestEmailKeyFoldsFullCase: the case folding joins the pairs Unicode full
// case folding joins that matter for addresses, beyond lower-casing.
func TestEmailKeyFoldsFullCase(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"strasse@example.com", "stra\u00dfe@example.com"},
		{"strasse@example.com", "STRA\u1e9eE@example.com"},
		{"kelvin@example.com", "\u212aelvin@example.com"},
		// Full folding expands the iota subscript (CaseFolding.txt, status F),
		// which a lower-of-upper folding built from simple mappings misses.
		{"\u03b1\u03b9@example.com", "\u1fb3@example.com"},
	} {
		ka, errA := client.EmailKey(tc.a)
		kb, errB := client.EmailKey(tc.b)
		if errA != nil || errB != nil || ka != kb {
			t.Errorf("EmailKey(%q) = %q, %v; EmailKey(%q) = %q, %v: want one key", tc.a, ka, errA, tc.b, kb, errB)
		}
	}
}
