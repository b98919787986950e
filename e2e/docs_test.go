package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/outbound-caller/admin-api/internal/localdb"
	"github.com/outbound-caller/admin-api/internal/testkit"
)

// The docs' runnable blocks. A fenced block whose info string is
// "sh runnable" is executed; a comment line "# <status> <body>" right after
// a command is what the last curl of that command must answer, "…" in the
// body standing for any text. docs/development.md ("Docs that run") states
// the same convention for writers.
var (
	runnableBlock = regexp.MustCompile("(?ms)^```sh runnable\n(.*?)^```\n")
	expectedLine  = regexp.MustCompile(`^# ([1-5][0-9]{2})(?: (.*))?$`)
)

// docsAddr is the address the docs are written for; the test substitutes
// the port of the server it started.
const docsAddr = "127.0.0.1:3000"

// expectation is one "# <status> <body>" line and where the docs hold it.
type expectation struct {
	line   int
	status int
	body   string
}

// step is a run of shell lines and the answers its last curl calls must give.
type step struct {
	code   []string
	line   int // first line of code, in the file
	expect []expectation
}

// parseRunnable returns the steps of every runnable block of a markdown
// text, in order.
func parseRunnable(text string) []step {
	var steps []step
	for _, m := range runnableBlock.FindAllStringSubmatchIndex(text, -1) {
		firstLine := strings.Count(text[:m[2]], "\n") + 1
		var cur *step
		for i, l := range strings.Split(strings.TrimSuffix(text[m[2]:m[3]], "\n"), "\n") {
			if e := expectedLine.FindStringSubmatch(l); e != nil && cur != nil {
				status, _ := strconv.Atoi(e[1])
				cur.expect = append(cur.expect, expectation{line: firstLine + i, status: status, body: e[2]})
				continue
			}
			if cur == nil || len(cur.expect) > 0 {
				steps = append(steps, step{line: firstLine + i})
				cur = &steps[len(steps)-1]
			}
			cur.code = append(cur.code, l)
		}
	}
	return steps
}

// bodyPattern turns a documented body into a regular expression: the text
// literally, "…" matching anything.
func bodyPattern(doc string) *regexp.Regexp {
	parts := strings.Split(doc, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`(?s)^` + strings.Join(parts, ".*") + `$`)
}

// answer is what one curl call received.
type answer struct {
	status int
	body   string
}

// shellPrelude wraps curl so that every call records its status and body
// (in files, because calls inside $(…) run in subshells) while printing the
// body as curl would, and marks the end of each step.
const shellPrelude = `set -euo pipefail
curl() {
  local body
  body=$(mktemp "$DOCS_OUT/body.XXXXXX")
  # The docs' own -w '\n' (a newline after each body, for a reader's
  # terminal) gives way to the status code this check records.
  local args=()
  while (($#)); do
    if [[ $1 == -w ]]; then shift 2; continue; fi
    args+=("$1"); shift
  done
  local code
  code=$(command curl -sS -o "$body" -w '%{http_code}' "${args[@]}")
  printf 'curl %s %s\n' "$code" "$body" >> "$DOCS_OUT/log"
  cat "$body"
}
docs_step() { printf 'step %s\n' "$1" >> "$DOCS_OUT/log"; }
`

// mismatch is a documented answer the server did not give.
type mismatch struct {
	line int
	msg  string
}

// runDoc runs the steps in one bash against the server at addr, from the
// repository root, and returns where the answers differ from the docs.
func runDoc(t *testing.T, root, addr string, steps []step) []mismatch {
	t.Helper()
	out := t.TempDir()
	var script strings.Builder
	script.WriteString(shellPrelude)
	for i, s := range steps {
		for _, l := range s.code {
			script.WriteString(strings.ReplaceAll(l, docsAddr, addr) + "\n")
		}
		fmt.Fprintf(&script, "docs_step %d\n", i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = root
	// The blocks read the server's address from $API (3000 by default).
	cmd.Env = append(docsEnv(), "DOCS_OUT="+out, "API=http://"+addr)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	runErr := cmd.Run()

	answers := map[int][]answer{}
	done := -1
	var pending []answer
	log, _ := os.ReadFile(filepath.Join(out, "log"))
	for _, l := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && f[0] == "step":
			done, _ = strconv.Atoi(f[1])
			answers[done], pending = pending, nil
		case len(f) == 3 && f[0] == "curl":
			status, _ := strconv.Atoi(f[1])
			body, _ := os.ReadFile(f[2])
			pending = append(pending, answer{status, strings.TrimRight(string(body), "\n")})
		}
	}
	var problems []mismatch
	for i, s := range steps {
		if i > done {
			problems = append(problems, mismatch{s.line, fmt.Sprintf("the command did not complete (%v):\n%s", runErr, output.String())})
			break
		}
		got := answers[i]
		if len(got) < len(s.expect) {
			problems = append(problems, mismatch{s.line, fmt.Sprintf("the docs show %d answers, the command made %d curl calls", len(s.expect), len(got))})
			continue
		}
		got = got[len(got)-len(s.expect):]
		for j, e := range s.expect {
			if got[j].status != e.status || !bodyPattern(e.body).MatchString(got[j].body) {
				problems = append(problems, mismatch{e.line, fmt.Sprintf("got\n  %d %s\nthe docs say\n  %d %s", got[j].status, got[j].body, e.status, e.body)})
			}
		}
	}
	if runErr != nil && done == len(steps)-1 {
		problems = append(problems, mismatch{0, fmt.Sprintf("bash: %v\n%s", runErr, output.String())})
	}
	return problems
}

// docsEnv is the test's environment without what would make the docs'
// commands or `make -s token` differ from a newcomer's shell: the service's
// configuration and make's own variables (make test runs this test).
func docsEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "ADMIN_"), strings.HasPrefix(k, "CLIENT_"), strings.HasPrefix(k, "JWT_"),
			strings.HasPrefix(k, "AWS_"), k == "CURSOR_SECRET", k == "TABLE_NAME", k == "SEED", k == "PORT",
			k == "MAKEFLAGS", k == "MFLAGS", k == "MAKELEVEL", k == "APP_ENV":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// buildMakeRun builds the server `make run` starts (cmd/local) into a
// directory that lives as long as the test t.
func buildMakeRun(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "local")
	build := exec.Command("go", "build", "-o", bin, "./cmd/local")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/local: %v\n%s", err, out)
	}
	return bin
}

// startMakeRun starts bin (buildMakeRun) on a free port with a newcomer's
// environment plus extra, and returns its address once it listens. Its logs
// join the suite's output audit. A port taken between choosing and binding
// it makes the server exit at once (cmd/local binds first), so a few
// attempts cover that race.
func startMakeRun(t *testing.T, root, bin, name string, extra ...string) string {
	t.Helper()
	var failures []string
	for attempt := 0; attempt < 3; attempt++ {
		addr, failure := startServer(t, root, bin, name, extra)
		if failure == "" {
			return addr
		}
		failures = append(failures, failure)
	}
	t.Fatalf("the server did not start:\n%s", strings.Join(failures, "\n"))
	return ""
}

// startServer runs bin on a free port; it returns the address once the
// server listens, or what went wrong.
func startServer(t *testing.T, root, bin, name string, extra []string) (string, string) {
	t.Helper()
	port := testkit.FreePort(t)

	cmd := exec.Command(bin)
	cmd.Dir = root
	cmd.Env = append(append(docsEnv(), "PORT="+port), extra...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &testkit.SyncBuffer{}
	cmd.Stderr = stderr
	if dir := os.Getenv(testkit.LogDirEnv); dir != "" {
		f, err := os.Create(filepath.Join(dir, "docs-"+name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		cmd.Stderr = io.MultiWriter(f, stderr)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// "Listening on" is the server's last line before it serves; until
	// then, what it printed explains a failure. An empty value means ready.
	ready := make(chan string, 1)
	go func() {
		var printed strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			printed.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Listening on ") {
				ready <- ""
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- "the server ended before listening:\n" + printed.String()
	}()
	select {
	case failure := <-ready:
		if failure != "" {
			_ = cmd.Wait()
			return "", failure + stderr.String()
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return "", "the server did not listen within 2 minutes"
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	return "127.0.0.1:" + port, ""
}

// docFiles are the markdown files whose runnable blocks are run.
func docFiles(t *testing.T, root string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return append([]string{filepath.Join(root, "README.md")}, files...)
}

// requireShellTools skips when bash or curl is missing, unless CI requires
// the docs to run (REQUIRE_CURL=1).
func requireShellTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("REQUIRE_CURL") == "1" {
				t.Fatalf("%s is required to run the docs' examples (REQUIRE_CURL=1)", tool)
			}
			t.Skipf("%s not found: the docs' runnable blocks are not run", tool)
		}
	}
}

// TestDocsRunAsWritten runs the runnable blocks of README.md and docs/*.md,
// each file in order against its own fresh `make run` server, and fails on
// any status or body that differs from what the docs show.
func TestDocsRunAsWritten(t *testing.T) {
	requireShellTools(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildMakeRun(t, root)
	ran := 0
	for _, file := range docFiles(t, root) {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		steps := parseRunnable(string(text))
		if len(steps) == 0 {
			continue
		}
		rel, _ := filepath.Rel(root, file)
		t.Run(rel, func(t *testing.T) {
			emptyDocsTable(t)
			addr := startMakeRun(t, root, bin, strings.ReplaceAll(rel, "/", "-"), docsServerEnv()...)
			for _, p := range runDoc(t, root, addr, steps) {
				t.Errorf("%s:%d: %s", rel, p.line, p.msg)
			}
			requireDocsTableUsed(t)
		})
		ran++
	}
	if ran == 0 {
		t.Fatal("no runnable blocks found: the README's tour should have some")
	}
}

// docsServerEnv lets a run point the docs' server at an existing table
// (make deploy-check: the one a CloudFormation stack created from
// template.yaml, so that its keys, indexes and projections are the
// template's): DOCS_DYNAMODB_ENDPOINT and DOCS_TABLE_NAME. The server then
// creates no table (CREATE_TABLE=0) and seeds the demo clients (SEED=1).
func docsServerEnv() []string {
	ep := os.Getenv("DOCS_DYNAMODB_ENDPOINT")
	if ep == "" {
		return nil
	}
	return []string{"AWS_ENDPOINT_URL_DYNAMODB=" + ep, "TABLE_NAME=" + os.Getenv("DOCS_TABLE_NAME"), "SEED=1", "CREATE_TABLE=0"}
}

// requireDocsTableUsed fails unless the server wrote to DOCS_TABLE_NAME
// (emptied before it started): proof that the examples ran on that table.
func requireDocsTableUsed(t *testing.T) {
	t.Helper()
	ep, table := os.Getenv("DOCS_DYNAMODB_ENDPOINT"), os.Getenv("DOCS_TABLE_NAME")
	if ep == "" {
		return
	}
	ctx := context.Background()
	db, err := localdb.Client(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: &table, Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count == 0 {
		t.Errorf("table %s is empty after the examples: the server did not use it", table)
	}
}

// emptyDocsTable deletes every item of the DOCS_TABLE_NAME table, so that
// each file's examples meet a fresh server there too; without
// DOCS_DYNAMODB_ENDPOINT every server has its own embedded store.
func emptyDocsTable(t *testing.T) {
	t.Helper()
	ep, table := os.Getenv("DOCS_DYNAMODB_ENDPOINT"), os.Getenv("DOCS_TABLE_NAME")
	if ep == "" {
		return
	}
	ctx := context.Background()
	db, err := localdb.Client(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		t.Fatalf("DOCS_TABLE_NAME %q: %v", table, err)
	}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: &table})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			key := map[string]types.AttributeValue{}
			for _, k := range desc.Table.KeySchema {
				key[*k.AttributeName] = item[*k.AttributeName]
			}
			if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: key}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestDocsCheckFailsOnWrongAnswers: the docs test is only worth its name if
// a documented status or body that the server does not give fails it.
func TestDocsCheckFailsOnWrongAnswers(t *testing.T) {
	requireShellTools(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	doc := "```sh runnable\n" +
		"TOKEN=$(make -s token)\n" +
		"curl -s \"http://127.0.0.1:3000/admin/clients/client_nobody\" -H \"Authorization: Bearer $TOKEN\"\n" +
		"# 404 {\"error\":\"Client not found\",\"statusCode\":404}\n" +
		"curl -s \"http://127.0.0.1:3000/admin/clients/client_nobody\" -H \"Authorization: Bearer $TOKEN\"\n" +
		"# 200 {\"error\":\"Client not found\",\"statusCode\":404}\n" +
		"curl -s \"http://127.0.0.1:3000/admin/clients/client_12345abcde\" -H \"Authorization: Bearer $TOKEN\"\n" +
		"# 200 {\"clientId\":\"client_12345abcde\",\"status\":\"Inactive\",…}\n" +
		"curl -s \"http://127.0.0.1:3000/admin/clients/client_12345abcde\" -H \"Authorization: Bearer $TOKEN\"\n" +
		"# 200 {\"clientId\":\"client_12345abcde\",\"status\":\"Active\",…}\n" +
		"```\n" +
		"```sh runnable\n" +
		"false\n" +
		"curl -s \"http://127.0.0.1:3000/admin/clients\"\n" +
		"# 401 {…}\n" +
		"```\n"
	steps := parseRunnable(doc)
	if len(steps) != 5 {
		t.Fatalf("parsed %d steps, want 5: %+v", len(steps), steps)
	}
	addr := startMakeRun(t, root, buildMakeRun(t, root), "checker")
	got := runDoc(t, root, addr, steps)
	var lines []int
	for _, p := range got {
		lines = append(lines, p.line)
	}
	// Line 6: a wrong status; line 8: a wrong body; line 13: a command that
	// fails stops the run there. Lines 4 and 10 are right.
	if fmt.Sprint(lines) != "[6 8 13]" {
		t.Errorf("mismatches at lines %v, want [6 8 13]:\n%+v", lines, got)
	}
}

// TestMakeHelpListsEveryTarget: every target a person can type has its
// one-line description in `make help` (from its "## name: …" comment).
func TestMakeHelpListsEveryTarget(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not found")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "-s", "help")
	cmd.Dir = root
	cmd.Env = docsEnv()
	help, err := cmd.Output()
	if err != nil {
		t.Fatalf("make help: %v", err)
	}
	described := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  (\S+) +\S`).FindAllStringSubmatch(string(help), -1) {
		described[m[1]] = true
	}
	// Rules with a plain name: not variables (:=, ?=), pattern rules or
	// special targets.
	targets := regexp.MustCompile(`(?m)^([A-Za-z][A-Za-z0-9_-]*)\s*:([^=]|$)`).FindAllStringSubmatch(string(mk), -1)
	if len(targets) < 10 {
		t.Fatalf("found only %d targets in the Makefile", len(targets))
	}
	for _, m := range targets {
		if !described[m[1]] {
			t.Errorf("make help does not describe %q: add a \"## %s: …\" line above it", m[1], m[1])
		}
	}
}

// TestDocsLinksResolve: every relative link of README.md and docs/*.md
// names a file that exists and, with a #fragment into markdown, one of its
// headings (GitHub's anchors: lower case, punctuation dropped, spaces to
// hyphens), so that moving a section cannot strand a link.
func TestDocsLinksResolve(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fence := regexp.MustCompile("(?ms)^```.*?^```")
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	heading := regexp.MustCompile(`(?m)^#+ (.*)$`)
	drop := regexp.MustCompile(`[^\p{L}\p{N}_\- ]`)
	anchors := func(file string) map[string]bool {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, h := range heading.FindAllStringSubmatch(fence.ReplaceAllString(string(b), ""), -1) {
			out[strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(strings.TrimSpace(h[1])), ""), " ", "-")] = true
		}
		return out
	}
	for _, file := range docFiles(t, root) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, file)
		for _, m := range link.FindAllStringSubmatch(fence.ReplaceAllString(string(b), ""), -1) {
			target, frag, _ := strings.Cut(m[1], "#")
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path := file
			if target != "" {
				path = filepath.Join(filepath.Dir(file), target)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: link %s: no such file", rel, m[1])
				continue
			}
			if frag != "" && strings.HasSuffix(path, ".md") && !anchors(path)[frag] {
				t.Errorf("%s: link %s: no such heading", rel, m[1])
			}
		}
	}
}
