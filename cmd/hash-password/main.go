// Command hash-password prints the argon2id hash of a password for
// ADMIN_PASSWORD_HASH or an adminAccounts entry's passwordHash. The password comes from the PASSWORD environment
// variable or the first line of standard input (make hash-password reads it
// without echo), never from the command line, so it stays out of shell
// history and process listings.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/outbound-caller/admin-api/pkg/passhash"
)

func main() {
	pw, ok := os.LookupEnv("PASSWORD")
	if !ok {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(os.Stderr, "hash-password: no password on standard input")
			os.Exit(2)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if len(pw) < 12 {
		fmt.Fprintln(os.Stderr, "hash-password: use a password of at least 12 characters")
		os.Exit(2)
	}
	h, err := passhash.NewHasher(passhash.DefaultParams())
	if err != nil {
		fmt.Fprintln(os.Stderr, "hash-password:", err)
		os.Exit(1)
	}
	hash, err := h.Hash(pw)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hash-password:", err)
		os.Exit(1)
	}
	fmt.Println(hash)
	// Standard output is the hash alone (scripts capture it); where it
	// goes is said on standard error.
	fmt.Fprintf(os.Stderr, "hash-password: the secret's adminPasswordHash (ADMIN_PASSWORD_HASH locally), or an entry of its adminAccounts list:\n"+
		"  {\"username\": \"support\", \"passwordHash\": \"%s\", \"scopes\": [\"read:clients\"]}\n"+
		"  (leave scopes out for full access; docs/security.md#admin-accounts)\n", hash)
}
