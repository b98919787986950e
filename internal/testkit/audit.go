package testkit

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// AuditedMain runs the tests of a suite that builds Envs and
// checks all their output: every Env keeps its handler logs and response
// bodies in a directory (LogDirEnv), and after the tests ran, the
// logs must hold no token, client secret, secret hash, email, phone number
// or notes text, and no response body may speak DynamoDB or the SDK. It
// returns the exit code for os.Exit.
func AuditedMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "api-output-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.Setenv(LogDirEnv, dir)
	code := m.Run()
	if code == 0 {
		if problems := auditOutput(dir); len(problems) > 0 {
			fmt.Fprintln(os.Stderr, "FAIL: output audit of the integration suite:")
			for _, p := range problems {
				fmt.Fprintln(os.Stderr, "  "+p)
			}
			code = 1
		}
	}
	os.RemoveAll(dir)
	return code
}

// logLeaks are what a log line must never contain. The patterns cover any
// value of these kinds, not only the ones this suite happens to use, so
// tests added later are checked too.
var logLeaks = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a JWT", regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}`)},
	{"a secret hash", regexp.MustCompile(`\$(argon2|hmac-sha256\$)`)},
	{"a client secret", regexp.MustCompile(`(^|[^A-Za-z0-9_-])[A-Za-z0-9_-]{43}([^A-Za-z0-9_-]|$)`)},
	{"an email address", regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+`)},
	{"a phone number", regexp.MustCompile(`\+[1-9][0-9]{6,14}`)},
	// Notes and other free text used by the tests.
	{"notes text", regexp.MustCompile(`(?i)updated account information|demo client|race notes|fault notes`)},
}

// bodyLeaks are what a response body must never contain: DynamoDB's or the
// SDK's wording, table names, stack traces.
var bodyLeaks = regexp.MustCompile(`ConditionalCheckFailed|TransactionCanceled|TransactionConflict|ResourceNotFound|ValidationException|ThrottlingException|ProvisionedThroughput|InternalServerError|operation error|(?i:dynamodb)|test-[0-9a-f]{12}|outbound-caller-clients|goroutine [0-9]+|\.go:[0-9]+|panic`)

func auditOutput(dir string) []string {
	// A run that built no Env (go test -run '^$' -fuzz ..., or -run naming
	// unit tests only) leaves nothing to audit.
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" {
				continue
			}
			if strings.HasSuffix(f, ".log") {
				for _, l := range logLeaks {
					if m := l.re.FindString(line); m != "" {
						problems = append(problems, fmt.Sprintf("log contains %s (%q): %s", l.what, m, line))
					}
				}
			} else if m := bodyLeaks.FindString(line); m != "" {
				problems = append(problems, fmt.Sprintf("response body contains %q: %s", m, line))
			}
		}
	}
	return problems
}
