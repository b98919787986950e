package client

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// The email rule (docs/security.md, "Email addresses").
//
// An address is local@domain with exactly one "@". It is refused (400)
// when any character is invisible or could change how it reads: controls,
// format characters (zero-width space and joiners, soft hyphen, BOM, word
// joiner, every bidi control), other default-ignorable code points
// (variation selectors, Hangul fillers), whitespace, private-use,
// unassigned and noncharacter code points, and U+FFFD. The local part is a
// dot-atom (RFC 5322 §3.2.3, with the non-ASCII characters RFC 6531
// allows): quoted strings, comments, backslashes and empty labels are
// refused, because each either spells an existing mailbox differently
// ("kasia.X"@ is kasia.X@) or is needed by no real one. Its non-ASCII
// characters must be letters, marks or decimal digits. The domain must be a valid IDNA 2008 name
// under UTS #46 lookup processing, with at least two labels.
//
// Two addresses name the same mailbox for this service when their
// EmailKey is equal: the local part in NFKC, case-folded (foldCase) and
// in NFC (so ſ is s, ς is σ, an NFD é is the NFC é, ｅ is e), the domain
// mapped by UTS #46 to its lower-case A-label form (so a full-width ｅ in
// the domain is e). For an ASCII address the key is strings.ToLower of
// it, the key the store used before this rule.

// MaxLocalPart is RFC 5321's limit on the local part, in bytes.
const MaxLocalPart = 64

// emailRefused is every refusal of the email rule, worded as the contract
// words an invalid email.
func emailRefused() error {
	return invalid("clientMeta.email", "Email format is invalid")
}

// localKey is the comparison form of a local part: compatibility forms
// mapped to their plain ones (full-width Ｘ is X, ſ is s, ligatures are
// their letters), case folded (ς and σ, ß and ss fold equal), NFC.
func localKey(local string) string {
	return norm.NFC.String(foldCase(norm.NFKC.String(local)))
}

// foldCase is Unicode full case folding (CaseFolding.txt, status C and
// F: ß and ss, ſ and s, ς and σ, the Kelvin sign and k fold equal), the
// language-independent folding golang.org/x/text/cases implements. A Caser
// keeps state, so each call takes its own.
func foldCase(s string) string { return cases.Fold().String(s) }

// domainProfile maps and checks domains as a resolver does (UTS #46
// non-transitional lookup, STD3 rules, hyphen and joiner checks, the
// bidi rule) and bounds labels and the name to DNS lengths.
var domainProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false), idna.VerifyDNSLength(true))

// EmailKey returns the canonical form of email under which uniqueness is
// kept (the store's lock key), or a *ValidationError when the email rule
// refuses the address. Create, the admin update and the migration tool
// all reach the store through it.
func EmailKey(email string) (string, error) {
	local, domain, err := splitEmail(email)
	if err != nil {
		return "", err
	}
	lk := localKey(local)
	dk, err := domainProfile.ToASCII(domain)
	if err != nil || !strings.Contains(dk, ".") || strings.HasSuffix(dk, ".") {
		return "", emailRefused()
	}
	return lk + "@" + dk, nil
}

// splitEmail applies the character and syntax rules and splits email at
// its one "@".
func splitEmail(email string) (local, domain string, err error) {
	if !utf8.ValidString(email) {
		return "", "", emailRefused()
	}
	for _, r := range email {
		if invisible(r) {
			return "", "", emailRefused()
		}
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || len(local) > MaxLocalPart || strings.Contains(domain, "@") {
		return "", "", emailRefused()
	}
	for label := range strings.SplitSeq(local, ".") {
		if label == "" {
			return "", "", emailRefused() // leading, trailing or doubled dot
		}
		for _, r := range label {
			switch {
			case r < utf8.RuneSelf && !atext(byte(r)):
				return "", "", emailRefused() // quotes, comments, specials
			case r >= utf8.RuneSelf && !unicode.In(r, unicode.L, unicode.M, unicode.Nd):
				// Outside ASCII, letters, marks and digits only: no symbols,
				// punctuation or look-alike dots and at signs.
				return "", "", emailRefused()
			}
		}
	}
	return local, domain, nil
}

// atext is RFC 5322's atext for ASCII: letters, digits and
// !#$%&'*+-/=?^_`{|}~.
func atext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// invisible reports the characters no address may hold anywhere: they
// render as nothing, or as something else, or reorder what follows.
func invisible(r rune) bool {
	return r == utf8.RuneError || unicode.IsSpace(r) ||
		unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Bidi_Control,
			unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector, unicode.Noncharacter_Code_Point) ||
		!unicode.IsGraphic(r) // unassigned code points among others
}

// Fold is the folding of searchable text and of search terms: the email
// key's (compatibility forms to their plain ones, case folding, NFC), so
// that a search term finds a client under any spelling its email lock
// would refuse as taken: "STRASSE" finds "Straße", "ſ" finds "s".
func Fold(s string) string { return localKey(s) }
