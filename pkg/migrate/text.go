package migrate

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The source is not ours: a clientId, a field name or an _id may hold
// ESC, CR, BEL, NUL, a bidirectional override (U+202E) or a newline that
// would forge a line of the summary. Everything of the source that reaches
// stdout, stderr or the report goes through quote (names) or escape
// (sentences we built around them) first.

// maxShown bounds what is shown of one name of the source, in bytes.
const maxShown = 200

// quote returns s as it is when it is plain printable text (no space,
// quote or backslash, nothing a terminal acts on), and otherwise Go-quoted
// with every such rune escaped, so that it reads as one name. A name
// longer than maxShown is cut, and says so.
func quote(s string) string {
	cut := ""
	if len(s) > maxShown {
		n := maxShown
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		cut = "…(" + strconv.Itoa(len(s)) + " bytes)"
		s = s[:n]
	}
	if plain(s) {
		return s + cut
	}
	return strconv.Quote(s) + cut
}

func plain(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == ' ' || r == '"' || r == '\\' || !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}

// escape keeps a sentence readable and makes every rune a terminal could
// act on (controls, format characters such as U+202E, invalid UTF-8)
// visible as its escape. Its parts from the source are quoted already;
// this is the last line of defence for the rest.
func escape(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r != ' ' && !strconv.IsPrint(r) }) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case r == ' ' || strconv.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		s = s[size:]
	}
	return b.String()
}
