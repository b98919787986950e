package console_test

// Browser tests: Debian's Chromium, driven from Go with chromedp, against
// the real handlers over the embedded store (the API and the console on one
// httptest server, as make run serves them). Controls are found by role and
// accessible name through Chromium's accessibility tree, as a screen reader
// finds them, and operated with the keyboard (focus, type, Enter).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwt"

	adminapi "github.com/outbound-caller/admin-api"
	"github.com/outbound-caller/admin-api/internal/gateway"
	"github.com/outbound-caller/admin-api/internal/testkit"
	"github.com/outbound-caller/admin-api/pkg/auth"
	"github.com/outbound-caller/admin-api/pkg/client"
	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/console"
	"github.com/outbound-caller/admin-api/pkg/store"
)

// TestMain audits the handlers' output (no token, secret, email or phone in
// a log line) after every test, and closes the suite's one browser.
func TestMain(m *testing.M) {
	code := testkit.AuditedMain(m)
	browser.close()
	os.Exit(code)
}

// suiteBrowser is the suite's one Chromium, started by the first test
// that needs it and closed by TestMain.
type suiteBrowser struct {
	once    sync.Once
	ctx     context.Context
	cancels []context.CancelFunc
	dir     string
	err     error
}

var browser suiteBrowser

func (b *suiteBrowser) close() {
	for _, c := range slices.Backward(b.cancels) {
		c()
	}
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// chromium finds Debian's Chromium. Without one the browser tests skip,
// unless REQUIRE_CHROMIUM=1 (CI) makes that a failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("REQUIRE_CHROMIUM") == "1" {
		t.Fatal("REQUIRE_CHROMIUM=1 but no Chromium is installed (apt-get install -y chromium)")
	}
	t.Skip("no Chromium installed (apt-get install -y chromium): the console's browser tests did not run")
	return ""
}

// newTab opens a tab of the suite's browser on a viewport of width×height,
// recording what must never happen: a JavaScript dialog (an injected
// alert), an uncaught exception, a console error, a CSP violation.
func newTab(t *testing.T, width, height int64) *tab {
	t.Helper()
	path := chromium(t)
	browser.once.Do(func() {
		browser.dir, browser.err = os.MkdirTemp("", "console-chromium-")
		if browser.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.UserDataDir(browser.dir), // fresh profile
			chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("no-first-run", true),
			chromedp.WindowSize(1280, 900),
		)
		if os.Geteuid() == 0 {
			opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
		}
		actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
		browser.cancels = append(browser.cancels, cancel)
		bctx, cancel := chromedp.NewContext(actx)
		browser.cancels = append(browser.cancels, cancel)
		browser.err = chromedp.Do(bctx) // start the browser
		browser.ctx = bctx
	})
	if browser.err != nil {
		t.Fatalf("starting Chromium: %v", browser.err)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx) // a new tab
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	b := &tab{t: t, ctx: ctx}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.EmulateViewport(width, height))
	// Runs before the page's own scripts; CDP-injected, so the CSP does
	// not apply to it.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.checkClean)
	return b
}

type tab struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	dialogs  []string
	problems []string
}

// record runs in the tab's event loop: it must return fast and send no
// command, so a dialog is dismissed from another goroutine.
func (b *tab) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *page.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
		go chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false}) //nolint:errcheck
	case *runtime.EventExceptionThrown:
		b.problems = append(b.problems, "uncaught exception: "+ev.ExceptionDetails.Text+" "+describe(ev.ExceptionDetails.Exception))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == "error" {
			b.problems = append(b.problems, "console.error")
		}
	}
}

func describe(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	return o.Description
}

// checkClean fails the test if the page opened a dialog, threw, logged an
// error or had anything blocked by its Content-Security-Policy.
func (b *tab) checkClean() {
	b.t.Helper()
	var csp []string
	if v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`window.__csp || []`)); err == nil {
		csp = v
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.dialogs {
		b.t.Errorf("the page opened a dialog: %s", d)
	}
	for _, p := range b.problems {
		b.t.Errorf("the page had a problem: %s", p)
	}
	for _, v := range csp {
		b.t.Errorf("the Content-Security-Policy blocked: %s", v)
	}
}

func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// text is what the page shows.
func (b *tab) text() string {
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return v
}

const wait = 10 * time.Second

// waitText waits until the page shows s.
func (b *tab) waitText(s string) {
	b.t.Helper()
	deadline := time.Now().Add(wait)
	for !strings.Contains(b.text(), s) {
		if time.Now().After(deadline) {
			b.t.Fatalf("the page never showed %q; it shows:\n%s", s, b.text())
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// query lists the elements of one of roles named name that assistive
// technology sees (hidden and inert ones are ignored).
func (b *tab) query(name string, roles ...string) []*accessibility.Node {
	b.t.Helper()
	doc, err := chromedp.Call(b.ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: "document"})
	if err != nil {
		b.t.Fatal(err)
	}
	res, err := chromedp.Call(b.ctx, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{
		ObjectID: doc.Result.ObjectID, AccessibleName: name,
	})
	if err != nil {
		b.t.Fatal(err)
	}
	var out []*accessibility.Node
	for _, n := range res.Nodes {
		if !n.Ignored && slices.Contains(roles, axString(n.Role)) {
			out = append(out, n)
		}
	}
	return out
}

func axString(v *accessibility.Value) string {
	if v == nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(v.Value, &s)
	return s
}

var (
	fieldRoles = []string{"textbox", "searchbox", "combobox"}
	buttonRole = []string{"button"}
	linkRole   = []string{"link"}
)

// find waits for the one element of roles with this accessible name.
func (b *tab) find(name string, roles ...string) *accessibility.Node {
	b.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		switch found := b.query(name, roles...); len(found) {
		case 1:
			return found[0]
		case 0:
			if time.Now().After(deadline) {
				b.t.Fatalf("no %v named %q; the page shows:\n%s", roles, name, b.text())
			}
			time.Sleep(30 * time.Millisecond)
		default:
			b.t.Fatalf("%d elements %v are named %q: names must be unique", len(found), roles, name)
		}
	}
}

// waitGone waits until no element of roles is named name.
func (b *tab) waitGone(name string, roles ...string) {
	b.t.Helper()
	deadline := time.Now().Add(wait)
	for len(b.query(name, roles...)) > 0 {
		if time.Now().After(deadline) {
			b.t.Fatalf("%v %q is still there; the page shows:\n%s", roles, name, b.text())
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// call runs a JavaScript function with the element as this.
func call[T any](b *tab, n *accessibility.Node, fn string, args ...any) T {
	b.t.Helper()
	r, err := chromedp.Call(b.ctx, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: n.BackendDOMNodeID})
	if err != nil {
		b.t.Fatal(err)
	}
	v, err := chromedp.Run(b.ctx, chromedp.CallFunctionOn[T](fn, func(p *runtime.CallFunctionOnParams) { p.ObjectID = r.Object.ObjectID }, args...))
	if err != nil {
		b.t.Fatalf("%s: %v", fn, err)
	}
	return v
}

func (b *tab) focus(n *accessibility.Node) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, dom.Focus, dom.FocusParams{BackendNodeID: n.BackendDOMNodeID}); err != nil {
		b.t.Fatal(err)
	}
}

// press activates a button or link from the keyboard.
func (b *tab) press(name string, roles ...string) {
	b.t.Helper()
	if len(roles) == 0 {
		roles = buttonRole
	}
	b.focus(b.find(name, roles...))
	b.do(chromedp.KeyEvent(kb.Enter))
}

// fill replaces the value of the field labelled label by typing value.
func (b *tab) fill(label, value string) {
	b.t.Helper()
	n := b.find(label, fieldRoles...)
	b.focus(n)
	call[chromedp.Void](b, n, `function() { this.value = ''; this.dispatchEvent(new Event('input', { bubbles: true })); }`)
	if value != "" {
		b.do(chromedp.KeyEvent(value))
	}
}

// choose picks an option of the select labelled label.
func (b *tab) choose(label, value string) {
	b.t.Helper()
	n := b.find(label, "combobox")
	b.focus(n)
	call[chromedp.Void](b, n, `function(v) { this.value = v; this.dispatchEvent(new Event('change', { bubbles: true })); }`, value)
}

func (b *tab) value(label string) string {
	b.t.Helper()
	return call[string](b, b.find(label, fieldRoles...), `function() { return this.value; }`)
}

// description is what a screen reader reads after a field's name: its
// error and hint (aria-describedby).
func (b *tab) description(label string) string {
	b.t.Helper()
	return axString(b.find(label, fieldRoles...).Description)
}

// screenshot takes the whole page at the current viewport width, checks
// its width, and writes it to docs/img/name when UPDATE_SCREENSHOTS=1.
func (b *tab) screenshot(name string, width int64) {
	b.t.Helper()
	height := eval[float64](b, `document.documentElement.scrollHeight`)
	shot, err := chromedp.Call(b.ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format: page.CaptureScreenshotFormatPng, CaptureBeyondViewport: new(true), FromSurface: new(true),
		Clip: &page.Viewport{X: 0, Y: 0, Width: float64(width), Height: height, Scale: 1},
	})
	if err != nil {
		b.t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot.Data))
	if err != nil {
		b.t.Fatal(err)
	}
	if got := img.Bounds().Dx(); got != int(width) {
		b.t.Errorf("%s is %d px wide, want %d", name, got, width)
	}
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "img", name), shot.Data, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

// fitsWidth fails when the page scrolls sideways at the current viewport.
func (b *tab) fitsWidth(width int64) {
	b.t.Helper()
	if w := eval[float64](b, `document.documentElement.scrollWidth`); w > float64(width) {
		b.t.Errorf("the page is %v px wide at a %d px viewport: it scrolls sideways", w, width)
	}
}

// serve puts the console and the API on one origin, as make run does.
func serve(t *testing.T, e *testkit.Env) string {
	t.Helper()
	site, err := console.New()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	site.Mount(mux)
	mux.Handle("/", gateway.New(e.Handler))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// newClient is a client created through the API.
type newClient struct {
	ID, Secret, Name string
}

func create(t *testing.T, e *testkit.Env, admin, name, email, twilio string, extra map[string]string) newClient {
	t.Helper()
	meta := map[string]string{"fullName": name, "email": email, "phone": "+12125550100"}
	for k, v := range extra {
		meta[k] = v
	}
	body, _ := json.Marshal(map[string]any{"agentId": "agent_" + strings.Split(email, "@")[0], "twilioPhoneNumber": twilio, "clientMeta": meta})
	r := e.Do(t, "POST", "/admin/clients", string(body), append(testkit.AuthHeader(admin), "Content-Type", "application/json")...)
	if r.Status != 201 {
		t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
	}
	c := r.JSON(t)["client"].(map[string]any)
	return newClient{ID: c["clientId"].(string), Secret: c["clientSecret"].(string), Name: name}
}

func getClient(t *testing.T, e *testkit.Env, admin, id string) (map[string]any, string) {
	t.Helper()
	r := e.Do(t, "GET", "/admin/clients/"+id, "", testkit.AuthHeader(admin)...)
	if r.Status != 200 {
		t.Fatalf("get %s: %d %s", id, r.Status, r.Body)
	}
	return r.JSON(t), r.Header.Get("ETag")
}

func meta(c map[string]any, k string) string {
	s, _ := c["clientMeta"].(map[string]any)[k].(string)
	return s
}

// signInStatus is the status of a client's sign-in with secret.
func signInStatus(t *testing.T, e *testkit.Env, id, secret string) int {
	t.Helper()
	return e.Do(t, "POST", "/auth/login", `{"clientId":"`+id+`","clientSecret":"`+secret+`"}`, "Content-Type", "application/json").Status
}

const xssName = `<img src=x onerror=alert(1)>`

// TestConsoleManagesClients walks an administrator through the console:
// every step is checked on the page and, for writes, through the API.
func TestConsoleManagesClients(t *testing.T) {
	chromium(t)
	e := testkit.NewEnv(t)
	base := serve(t, e)
	admin := e.AdminToken(t)
	// Created oldest first: the list shows them newest first.
	create(t, e, admin, "Katherine Johnson", "katherine@example.com", "+15550000005", map[string]string{"businessName": "Orbital Mechanics"})
	create(t, e, admin, "Alan Turing", "alan@example.com", "+15550000004", map[string]string{"businessName": "Bletchley Consulting"})
	xss := create(t, e, admin, xssName, "xss@example.com", "+15550000003", nil)
	grace := create(t, e, admin, "Grace Hopper", "grace@example.com", "+15550000002", map[string]string{"businessName": "Compilers Inc"})
	ada := create(t, e, admin, "Ada Lovelace", "ada@example.com", "+15550000001",
		map[string]string{"businessName": "Analytical Engines", "city": "London", "jobTitle": "Analyst"})
	newest := []string{"Ada Lovelace", "Grace Hopper", xssName, "Alan Turing", "Katherine Johnson"}

	b := newTab(t, 1280, 900)
	// Each step is a subtest; a failed step ends the walk, since the next
	// ones start where it left the page.
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		ok := t.Run(name, func(st *testing.T) {
			b.t = st
			f(st)
		})
		b.t = t
		if !ok {
			t.FailNow()
		}
	}

	step("sign in with the keyboard", func(t *testing.T) {
		b.do(chromedp.Navigate(base + "/console/"))
		b.find("Sign in", "heading")
		b.waitGone("Sign out", buttonRole...) // nothing of a session shows yet
		b.fill("Username", config.DevAdminUsername)
		// Tab moves from Username to Password to the Sign in button.
		b.do(chromedp.KeyEvent(kb.Tab))
		if id := eval[string](b, `document.activeElement.id`); id != "password" {
			t.Fatalf("Tab from Username focused %q, want the password field", id)
		}
		b.do(chromedp.KeyEvent(config.DevAdminPassword), chromedp.KeyEvent(kb.Tab))
		if got := eval[string](b, `document.activeElement.textContent`); got != "Sign in" {
			t.Fatalf("Tab from Password focused %q, want the Sign in button", got)
		}
		b.do(chromedp.KeyEvent(kb.Enter))
		b.find("Ada Lovelace", linkRole...)
		b.find("Sign out", buttonRole...)
		// The token is kept for this tab only: never in localStorage or a cookie.
		if !eval[bool](b, `JSON.parse(sessionStorage.getItem('console.session')).token.split('.').length === 3`) {
			t.Error("no token in sessionStorage after signing in")
		}
		if n := eval[float64](b, `localStorage.length`); n != 0 {
			t.Errorf("localStorage holds %v items", n)
		}
		if c := eval[string](b, `document.cookie`); c != "" {
			t.Errorf("cookies set: %q", c)
		}
	})

	step("the list shows every client newest first with the total", func(t *testing.T) {
		b.waitText("Total: 5")
		got := eval[[]string](b, `[...document.querySelectorAll('main table a')].map((a) => a.textContent)`)
		if !slices.Equal(got, newest) {
			t.Errorf("list order %q, want %q", got, newest)
		}
		row := eval[string](b, `[...document.querySelectorAll('main tr')].find((r) => r.textContent.includes('Grace Hopper')).innerText`)
		for _, want := range []string{"grace@example.com", "Compilers Inc", "Active", "+15550000002"} {
			if !strings.Contains(row, want) {
				t.Errorf("Grace Hopper's row %q does not show %q", row, want)
			}
		}
		b.screenshot("console-list.png", 1280)
	})

	step("a name that is markup shows as text and runs nothing", func(t *testing.T) {
		b.find(xssName, linkRole...) // the link's text is the name, character for character
		if n := eval[float64](b, `document.querySelectorAll('img').length`); n != 0 {
			t.Errorf("the page has %v <img> elements: a name became markup", n)
		}
		b.press(xssName, linkRole...)
		b.find(xssName, "heading")
		if got := b.value("Full name"); got != xssName {
			t.Errorf("Full name shows %q", got)
		}
		if n := eval[float64](b, `document.querySelectorAll('img').length`); n != 0 {
			t.Errorf("the client page has %v <img> elements", n)
		}
		b.press("Back to clients", linkRole...)
		b.waitText("Total: 5")
		_ = xss
	})

	step("search and status filter", func(t *testing.T) {
		b.fill("Search", "grace")
		b.waitText("Total: 1")
		b.find("Grace Hopper", linkRole...)
		b.waitGone("Ada Lovelace", linkRole...)
		b.fill("Search", "nobody-matches-this")
		b.waitText("No clients match.")
		b.fill("Search", "")
		b.waitText("Total: 5")
		b.choose("Status", "Suspended")
		b.waitText("No clients match.")
		b.choose("Status", "")
		b.waitText("Total: 5")
	})

	step("open a client", func(t *testing.T) {
		b.press("Ada Lovelace", linkRole...)
		b.find("Ada Lovelace", "heading")
		for label, want := range map[string]string{
			"Full name": "Ada Lovelace", "Email": "ada@example.com", "Phone": "+12125550100", "Business name": "Analytical Engines",
			"City": "London", "Job title": "Analyst", "Notes": "", "Agent ID": "agent_ada", "Twilio phone number": "+15550000001",
		} {
			if got := b.value(label); got != want {
				t.Errorf("%s shows %q, want %q", label, got, want)
			}
		}
		b.screenshot("console-client.png", 1280)
	})

	step("edit and save sends the changed fields", func(t *testing.T) {
		_, before := getClient(t, e, admin, ada.ID)
		b.fill("City", "Cambridge")
		b.fill("Job title", "")
		b.fill("Notes", "Prefers email.")
		b.press("Save")
		b.waitText("Saved.")
		c, after := getClient(t, e, admin, ada.ID)
		if meta(c, "city") != "Cambridge" || meta(c, "notes") != "Prefers email." || meta(c, "jobTitle") != "" {
			t.Errorf("the API has city %q, notes %q, jobTitle %q", meta(c, "city"), meta(c, "notes"), meta(c, "jobTitle"))
		}
		if meta(c, "businessName") != "Analytical Engines" || meta(c, "email") != "ada@example.com" {
			t.Errorf("unchanged fields changed: %v", c["clientMeta"])
		}
		if before == after {
			t.Errorf("the version did not change (ETag %s)", after)
		}
		// The audit line names exactly the fields the form sent.
		if !strings.Contains(e.Logs.String(), `"fields":["clientMeta.city","clientMeta.notes","clientMeta.jobTitle"]`) {
			t.Errorf("the save did not send exactly city, notes and jobTitle; logs:\n%s", lastLines(e.Logs.String(), 3))
		}
	})

	step("a refused value is explained next to its field", func(t *testing.T) {
		_, before := getClient(t, e, admin, ada.ID)
		b.fill("Phone", "12345")
		b.press("Save")
		deadline := time.Now().Add(wait)
		for !strings.Contains(b.description("Phone"), "E.164") {
			if time.Now().After(deadline) {
				t.Fatalf("Phone's description is %q, want the server's E.164 message", b.description("Phone"))
			}
			time.Sleep(30 * time.Millisecond)
		}
		if strings.Contains(b.text(), "clientMeta.phone") {
			t.Error("the message shows the JSON path instead of the field's label")
		}
		if _, after := getClient(t, e, admin, ada.ID); after != before {
			t.Errorf("a refused save changed the client (ETag %s → %s)", before, after)
		}
		b.fill("Phone", "+12125550100") // back to the stored value: nothing to send
	})

	step("a concurrent edit answers 412 and offers to reload", func(t *testing.T) {
		_, etag := getClient(t, e, admin, ada.ID)
		r := e.Do(t, "PUT", "/admin/clients/"+ada.ID, `{"clientMeta":{"businessName":"Changed Elsewhere"}}`,
			append(testkit.AuthHeader(admin), "Content-Type", "application/json", "If-Match", etag)...)
		if r.Status != 200 {
			t.Fatalf("concurrent update: %d %s", r.Status, r.Body)
		}
		b.fill("Business name", "Mine")
		b.press("Save")
		b.waitText("This client was changed by someone else.")
		if c, _ := getClient(t, e, admin, ada.ID); meta(c, "businessName") != "Changed Elsewhere" {
			t.Errorf("the stale save was written: businessName %q", meta(c, "businessName"))
		}
		b.press("Reload")
		deadline := time.Now().Add(wait)
		for b.value("Business name") != "Changed Elsewhere" {
			if time.Now().After(deadline) {
				t.Fatalf("after Reload, Business name shows %q", b.value("Business name"))
			}
			time.Sleep(30 * time.Millisecond)
		}
	})

	step("a taken email or number is named next to its field", func(t *testing.T) {
		_, before := getClient(t, e, admin, ada.ID)
		for _, c := range []struct{ label, taken, want, stored string }{
			{"Email", "grace@example.com", "The email grace@example.com is already used by another client.", "ada@example.com"},
			{"Twilio phone number", "+15550000002", "The number +15550000002 is already assigned to another client.", "+15550000001"},
		} {
			b.fill(c.label, c.taken)
			b.press("Save")
			deadline := time.Now().Add(wait)
			for !strings.Contains(b.description(c.label), c.want) {
				if time.Now().After(deadline) {
					t.Fatalf("%s's description is %q, want %q", c.label, b.description(c.label), c.want)
				}
				time.Sleep(30 * time.Millisecond)
			}
			b.fill(c.label, c.stored) // back to the stored value: nothing to send
		}
		if _, after := getClient(t, e, admin, ada.ID); after != before {
			t.Errorf("a refused save changed the client (ETag %s → %s)", before, after)
		}
	})

	step("calendar ID, once the API has it", func(t *testing.T) {
		if !bytes.Contains(adminapi.OpenAPI(), []byte("calId")) {
			t.Skip("openapi.yaml has no calId yet: the console's Calendar ID field is not exercised")
		}
		b.fill("Calendar ID", "e0JBV5PARC9sbebxcYnY")
		b.press("Save")
		b.waitText("Saved.")
		if c, _ := getClient(t, e, admin, ada.ID); c["calId"] != "e0JBV5PARC9sbebxcYnY" {
			t.Errorf("the API has calId %v", c["calId"])
		}
		b.fill("Calendar ID", "") // emptied: sent as null, which removes it
		b.press("Save")
		deadline := time.Now().Add(wait)
		for c, _ := getClient(t, e, admin, ada.ID); c["calId"] != nil; c, _ = getClient(t, e, admin, ada.ID) {
			if time.Now().After(deadline) {
				t.Fatalf("the emptied Calendar ID is still %v in the API", c["calId"])
			}
			time.Sleep(30 * time.Millisecond)
		}
	})

	step("suspend refuses the client's token, reactivate lets it sign in", func(t *testing.T) {
		tok := testkit.Login(t, e, ada.ID, ada.Secret)
		if s := e.Do(t, "GET", "/secure/client", "", testkit.AuthHeader(tok)...).Status; s != 200 {
			t.Fatalf("the client's token before suspension: %d", s)
		}
		b.press("Suspend")
		b.waitText("Current status: Suspended")
		if s := e.Do(t, "GET", "/secure/client", "", testkit.AuthHeader(tok)...).Status; s != 401 {
			t.Errorf("the suspended client's token answered %d, want 401", s)
		}
		if c, _ := getClient(t, e, admin, ada.ID); c["status"] != "Suspended" {
			t.Errorf("status %v in the API", c["status"])
		}
		b.press("Reactivate")
		b.waitText("Current status: Active")
		if s := signInStatus(t, e, ada.ID, ada.Secret); s != 200 {
			t.Errorf("the reactivated client's sign-in answered %d", s)
		}
	})

	step("reset secret after a confirmation shows the new secret once", func(t *testing.T) {
		b.press("Reset secret")
		b.find("Reset this client's secret?", "dialog")
		b.press("Yes, reset the secret")
		b.find("New client secret", "heading")
		secret := b.value("Client secret")
		if len(secret) < 32 {
			t.Fatalf("the secret shown is %q", secret)
		}
		if s := signInStatus(t, e, ada.ID, secret); s != 200 {
			t.Errorf("sign-in with the new secret: %d", s)
		}
		if s := signInStatus(t, e, ada.ID, ada.Secret); s != 401 {
			t.Errorf("sign-in with the old secret: %d, want 401", s)
		}
		b.press("Hide secret")
		b.waitGone("Client secret", fieldRoles...)
		if strings.Contains(b.text(), secret) {
			t.Error("the secret is still on the page after Hide secret")
		}
	})

	var created newClient
	step("create a client and see its secret once", func(t *testing.T) {
		b.press("New client", linkRole...)
		b.find("New client", "heading")
		for _, f := range [][2]string{
			{"Full name", "Dorothy Vaughan"}, {"Email", "dorothy@example.com"}, {"Phone", "+12125550199"},
			{"Business name", "Fortran Works"}, {"City", "Hampton"}, {"Agent ID", "agent_dorothy"},
			{"Twilio phone number", "+15550000009"},
		} {
			b.fill(f[0], f[1])
		}
		b.press("Create client")
		b.find("Client created", "heading")
		b.waitText("It will not be shown again.")
		secret := b.value("Client secret")
		created.ID = eval[string](b, `document.querySelector('.created code').textContent`)
		created.Secret, created.Name = secret, "Dorothy Vaughan"
		if s := signInStatus(t, e, created.ID, secret); s != 200 {
			t.Errorf("the new client's sign-in with the secret shown: %d", s)
		}
		b.press("Dorothy Vaughan", linkRole...)
		b.find("Dorothy Vaughan", "heading")
		b.waitText(created.ID)
		if strings.Contains(b.text(), secret) {
			t.Error("the client page shows the secret again")
		}
	})

	step("the pages fit a 360 px screen", func(t *testing.T) {
		b.do(chromedp.EmulateViewport(360, 780))
		b.fitsWidth(360)
		b.screenshot("console-client-360.png", 360)
		b.press("Back to clients", linkRole...)
		b.waitText("Total: 6")
		b.fitsWidth(360)
		b.screenshot("console-list-360.png", 360)
		b.do(chromedp.EmulateViewport(1280, 900))
		b.press("Dorothy Vaughan", linkRole...)
		b.find("Dorothy Vaughan", "heading")
	})

	step("delete after typing the client ID", func(t *testing.T) {
		label := fmt.Sprintf("Type the client ID (%s) to confirm", created.ID)
		if !call[bool](b, b.find("Delete", buttonRole...), `function() { return this.disabled; }`) {
			t.Error("Delete is enabled before the client ID is typed")
		}
		b.fill(label, created.ID)
		b.press("Delete")
		b.waitText("Deleted Dorothy Vaughan")
		b.find("Clients", "heading")
		if s := e.Do(t, "GET", "/admin/clients/"+created.ID, "", testkit.AuthHeader(admin)...).Status; s != 404 {
			t.Errorf("the deleted client answers %d, want 404", s)
		}
	})

	step("an expired session returns to sign-in with a message", func(t *testing.T) {
		b.press("Grace Hopper", linkRole...)
		b.find("Grace Hopper", "heading")
		expired := testkit.Signed(t, auth.Issuer{Secret: []byte(testkit.TokenSecret)}, "admin", map[string]any{
			"role": auth.RoleAdmin, "exp": time.Now().Add(-time.Hour).Unix(), "iat": time.Now().Add(-2 * time.Hour).Unix(),
		})
		b.do(chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem('console.session', JSON.stringify({ token: '`+expired+`', username: 'admin' }))`),
			chromedp.Reload())
		b.waitText("Your session has expired. Sign in again.")
		b.fill("Username", config.DevAdminUsername)
		b.fill("Password", config.DevAdminPassword)
		b.press("Sign in")
		b.find("Grace Hopper", "heading") // back where the session ended
	})

	step("sign out", func(t *testing.T) {
		b.press("Sign out")
		b.waitText("You are signed out.")
		b.find("Username", fieldRoles...)
		if eval[bool](b, `sessionStorage.getItem('console.session') !== null`) {
			t.Error("the token is still in sessionStorage after signing out")
		}
		b.waitGone("Clients", linkRole...)
	})
	_ = grace
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestConsoleSignsInWithATokenInJWKSMode: with an identity provider there
// is no password sign-in; the console learns that from the API and asks
// for a pasted admin token, which it keeps for the tab.
func TestConsoleSignsInWithATokenInJWKSMode(t *testing.T) {
	chromium(t)
	k := testkit.NewJWKS(t)
	// No HS256 secret at all (config refuses that for a deployment, where
	// client tokens need CLIENT_JWT_SECRET), so the client-secret hashing
	// key, otherwise derived from that secret, is named explicitly.
	e := testkit.NewEnv(t, func(c *config.Config) {
		c.JWTSecret, c.JWKSURL, c.SecretHashKey = "", k.URL, "jwks-only-secret-hash-key-0123456789abcdef"
	})
	base := serve(t, e)
	b := newTab(t, 1280, 900)
	b.do(chromedp.Navigate(base + "/console/"))
	b.fill("Username", "admin")
	b.fill("Password", "anything")
	b.press("Sign in")
	b.waitText("This server does not sign admins in with a password.")
	b.fill("Admin token", "not a token")
	b.press("Sign in")
	b.waitText("That does not look like a token")
	tok := testkit.Token(t, jwa.RS256, k.PrivateJWK(t, testkit.KidRSA), func(b *jwt.Builder) *jwt.Builder { return b.Subject("idp-admin") })
	b.fill("Admin token", tok)
	b.press("Sign in")
	b.waitText("No clients match.") // the empty state of an empty table
	b.waitText("Signed in as idp-admin")

	// Pages: 11 clients, 10 a page, newest first.
	for i := 1; i <= 11; i++ {
		create(t, e, tok, fmt.Sprintf("Client %02d", i), fmt.Sprintf("c%02d@example.com", i), fmt.Sprintf("+155510000%02d", i), nil)
	}
	b.press("Apply")
	b.waitText("Total: 11 · page 1, clients 1–11")
	b.choose("Per page", "10")
	b.waitText("Total: 11 · page 1, clients 1–10")
	b.find("Client 11", linkRole...)
	b.press("Next")
	b.waitText("Total: 11 · page 2, clients 11–11")
	b.find("Client 01", linkRole...)
	b.waitGone("Client 11", linkRole...)
	if !call[bool](b, b.find("Next", buttonRole...), `function() { return this.disabled; }`) {
		t.Error("Next is enabled on the last page")
	}
	b.press("Previous")
	b.waitText("Total: 11 · page 1, clients 1–10")
	b.find("Client 11", linkRole...)
}

// TestConsoleShowsASearchThatHasNotReadEverything: a search reads at most
// store.SearchBound clients a page. With more clients than that and the
// only match the oldest, the first page says honestly that nothing was
// found so far and more may follow, with Next enabled; Next finds it and
// the count becomes a total.
func TestConsoleShowsASearchThatHasNotReadEverything(t *testing.T) {
	chromium(t)
	e := testkit.NewEnv(t)
	n := store.SearchBound + 40
	now := time.Now().Add(-time.Duration(n) * time.Second).UTC()
	clients := make([]client.Client, n)
	for i := range n {
		at := now.Add(time.Duration(i) * time.Second)
		clients[i] = client.Client{
			ClientID: fmt.Sprintf("client_many_%05d", i), Status: client.StatusActive, AgentID: "agent",
			Meta:      client.Meta{FullName: fmt.Sprintf("Haystack %d", i), Email: fmt.Sprintf("h%d@example.com", i), Phone: "+15550000000"},
			CreatedAt: at, UpdatedAt: at, TokensValidAfter: at, Version: 1, UpdatedBy: "load",
		}
	}
	clients[0].Meta.FullName = "Needle Oldest"
	if err := store.Load(t.Context(), e.DB, e.Table, clients); err != nil {
		t.Fatal(err)
	}
	base := serve(t, e)
	b := newTab(t, 1280, 900)
	b.do(chromedp.Navigate(base + "/console/"))
	b.fill("Username", config.DevAdminUsername)
	b.fill("Password", config.DevAdminPassword)
	b.press("Sign in")
	b.waitText(fmt.Sprintf("Total: %d", n))
	b.fill("Search", "needle")
	b.press("Apply")
	b.waitText("No matches in the part of the list searched so far.")
	b.waitText("Found so far: 0 · more results may follow: Next searches on")
	if call[bool](b, b.find("Next", buttonRole...), `function() { return this.disabled; }`) {
		t.Fatal("Next is disabled on a search that has not read the whole list")
	}
	b.press("Next")
	b.waitText("Total: 1 · page 2, clients 1–1")
	b.find("Needle Oldest", linkRole...)
	if !call[bool](b, b.find("Next", buttonRole...), `function() { return this.disabled; }`) {
		t.Error("Next is enabled after the search reached the end")
	}
}

// TestConsoleShowsAClientsHistory: the client page's History section lists
// who changed what, newest first, from → to, as text (a value that is
// markup stays text), and a deleted client's page still shows its
// history, reached from a search by its id.
func TestConsoleShowsAClientsHistory(t *testing.T) {
	chromium(t)
	e := testkit.NewEnv(t)
	e.RunHistory(t)
	base := serve(t, e)
	admin := e.AdminToken(t)
	ada := create(t, e, admin, "Ada Lovelace", "ada@example.com", "+15550000001", map[string]string{"city": "London"})
	for _, body := range []string{`{"clientMeta":{"city":"Paris","jobTitle":"Analyst"}}`, `{"clientMeta":{"notes":"` + strings.ReplaceAll(xssName, `"`, `\"`) + `"}}`, `{"status":"Suspended"}`} {
		if r := e.Do(t, "PUT", "/admin/clients/"+ada.ID, body, append(testkit.AuthHeader(admin), "Content-Type", "application/json")...); r.Status != 200 {
			t.Fatalf("PUT %s: %d %s", body, r.Status, r.Body)
		}
	}
	b := newTab(t, 1280, 900)
	b.do(chromedp.Navigate(base + "/console/"))
	b.fill("Username", config.DevAdminUsername)
	b.fill("Password", config.DevAdminPassword)
	b.press("Sign in")
	b.press("Ada Lovelace", linkRole...)
	b.find("History", "heading")
	b.waitText("City: “London” → “Paris”")
	b.waitText("Status: “Active” → “Suspended”")
	items := eval[[]string](b, `[...document.querySelectorAll('.history > li')].map((li) => li.innerText)`)
	if len(items) != 4 || !strings.HasPrefix(items[0], "Updated by admin-tester (admin)") || !strings.HasPrefix(items[3], "Created by admin-tester (admin)") {
		t.Errorf("history items %q: want 4, newest first (the status change) to oldest (the create)", items)
	}
	if !strings.Contains(items[1], "Notes: (none) → “"+xssName+"”") {
		t.Errorf("the notes change %q does not show the markup as text", items[1])
	}
	if n := eval[float64](b, `document.querySelectorAll('main img').length`); n != 0 {
		t.Errorf("the page has %v <img> elements: a history value became markup", n)
	}
	if !strings.Contains(items[3], "Client secret: changed (never shown)") {
		t.Errorf("the create %q does not record the secret as changed", items[3])
	}
	b.screenshot("console-history.png", 1280)

	if r := e.Do(t, "DELETE", "/admin/clients/"+ada.ID, "", testkit.AuthHeader(admin)...); r.Status != 200 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	b.press("Back to clients", linkRole...)
	b.fill("Search", ada.ID)
	b.press("Apply")
	b.waitText("No clients match.")
	b.press("History of client ID "+ada.ID, linkRole...)
	b.find("Client not found", "heading")
	b.waitText("Deleted by admin-tester (admin)")
	b.waitText("Full name: “Ada Lovelace” → (none)")
}
