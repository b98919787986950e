package console_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/outbound-caller/admin-api/pkg/console"
)

func newSite(t *testing.T) *console.Site {
	t.Helper()
	s, err := console.New()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// answer is what both adapters (net/http and Lambda) are checked for.
type answer struct {
	status  int
	headers http.Header
	body    string
}

// The two ways the console is served: by the local server, and by its
// Lambda behind API Gateway (under a stage prefix, as deployed).
var adapters = []struct {
	name  string
	serve func(t *testing.T, s *console.Site, method, path string, hdr map[string]string) answer
}{
	{"net/http", func(t *testing.T, s *console.Site, method, path string, hdr map[string]string) answer {
		mux := http.NewServeMux()
		s.Mount(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return answer{res.StatusCode, res.Header, string(b)}
	}},
	{"lambda", func(t *testing.T, s *console.Site, method, path string, hdr map[string]string) answer {
		// The stage prefix is in the raw path, never in the parameter.
		ev := events.APIGatewayV2HTTPRequest{RawPath: "/dev" + path, Headers: map[string]string{}, RouteKey: "GET /console"}
		ev.RequestContext.HTTP.Method = method
		if name, ok := strings.CutPrefix(path, "/console/"); ok && name != "" {
			ev.RouteKey, ev.PathParameters = "GET /console/{proxy+}", map[string]string{"proxy": name}
		}
		for k, v := range hdr {
			ev.Headers[strings.ToLower(k)] = v
		}
		res, err := s.ServeEvent(t.Context(), ev)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		for k, v := range res.Headers {
			h.Set(k, v)
		}
		if res.IsBase64Encoded {
			t.Fatal("the console's files are text: nothing should be base64-encoded")
		}
		return answer{res.StatusCode, h, res.Body}
	}},
}

// TestServesFilesWithTheirTypeAndSecurityHeaders fails when a file is
// served with a wrong Content-Type (nosniff makes that fatal to the page),
// or when any answer lacks the policy that forbids inline script, framing
// and sniffing.
func TestServesFilesWithTheirTypeAndSecurityHeaders(t *testing.T) {
	s := newSite(t)
	cases := []struct {
		name, method, path string
		status             int
		contentType        string
		bodyHas            string
		location           string
	}{
		{"the page", "GET", "/console/", 200, "text/html; charset=utf-8", `<script type="module" src="app.js">`, ""},
		{"a module as JavaScript", "GET", "/console/app.js", 200, "text/javascript; charset=utf-8", "import * as api", ""},
		{"the stylesheet", "GET", "/console/style.css", 200, "text/css; charset=utf-8", ":root", ""},
		{"the icon", "GET", "/console/favicon.svg", 200, "image/svg+xml", "<svg", ""},
		{"HEAD sends no body", "HEAD", "/console/app.js", 200, "text/javascript; charset=utf-8", "", ""},
		{"the bare path goes to the page, relative to any stage", "GET", "/console", 301, "text/plain; charset=utf-8", "", "console/"},
		{"an unknown file", "GET", "/console/nope.js", 404, "text/plain; charset=utf-8", "Not found", ""},
		{"a path outside the files", "GET", "/console/../go.mod", 404, "", "", ""},
		{"a write method", "POST", "/console/app.js", 405, "text/plain; charset=utf-8", "", ""},
	}
	for _, ad := range adapters {
		for _, c := range cases {
			t.Run(ad.name+"/"+c.name, func(t *testing.T) {
				if ad.name == "lambda" && strings.Contains(c.path, "..") {
					t.Skip("API Gateway normalises dot segments before routing")
				}
				if ad.name == "net/http" && strings.Contains(c.path, "..") {
					// The client cleans the path too; send it raw.
					c.path = "/console/%2e%2e/go.mod"
				}
				got := ad.serve(t, s, c.method, c.path, nil)
				if got.status != c.status {
					t.Fatalf("status %d, want %d (body %q)", got.status, c.status, got.body)
				}
				if c.contentType != "" && got.headers.Get("Content-Type") != c.contentType {
					t.Errorf("Content-Type %q, want %q", got.headers.Get("Content-Type"), c.contentType)
				}
				if !strings.Contains(got.body, c.bodyHas) {
					t.Errorf("body does not contain %q", c.bodyHas)
				}
				if c.method == "HEAD" && got.body != "" {
					t.Errorf("HEAD answered a body of %d bytes", len(got.body))
				}
				if got.headers.Get("Location") != c.location {
					t.Errorf("Location %q, want %q", got.headers.Get("Location"), c.location)
				}
				if c.status == 404 && c.contentType == "" {
					return // the mux's own 404 for a path it cleans
				}
				checkSecurityHeaders(t, got.headers)
			})
		}
	}
}

func checkSecurityHeaders(t *testing.T, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
		"base-uri 'none'", "object-src 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*", "data: 'self'; script"} {
		if strings.Contains(csp, bad) {
			t.Errorf("Content-Security-Policy %q allows %q", csp, bad)
		}
	}
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
}

// TestRevalidatedFileIsNotModified fails when a browser revalidating a file
// it has (no-cache) downloads it again instead of getting a 304.
func TestRevalidatedFileIsNotModified(t *testing.T) {
	s := newSite(t)
	for _, ad := range adapters {
		t.Run(ad.name, func(t *testing.T) {
			first := ad.serve(t, s, "GET", "/console/app.js", nil)
			etag := first.headers.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			for _, c := range []struct {
				header string
				status int
			}{{etag, 304}, {"W/" + etag, 304}, {`"other", ` + etag, 304}, {`"other"`, 200}} {
				got := ad.serve(t, s, "GET", "/console/app.js", map[string]string{"If-None-Match": c.header})
				if got.status != c.status {
					t.Errorf("If-None-Match %s: status %d, want %d", c.header, got.status, c.status)
				}
				if c.status == 304 && got.body != "" {
					t.Errorf("a 304 carried a body")
				}
			}
		})
	}
}

// TestStaticFilesInsertNoHTML fails when a file of the console gains a way
// to turn data into markup or code (innerHTML and its relatives, eval,
// inline handlers or styles, a script or style that is not a file): the
// console must stay safe by construction, not by escaping, and inline code
// would be blocked by the CSP anyway.
func TestStaticFilesInsertNoHTML(t *testing.T) {
	forbidden := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|` +
		`setTimeout\(\s*['"]|setInterval\(\s*['"]|javascript:|\.style\.|setAttribute\(\s*['"](on|style|href|src)|` +
		`<script>|<style|\sstyle=|\son[a-z]+=|DOMParser|createContextualFragment|\.srcdoc\s*=`)
	var n int
	err := filepath.WalkDir("static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		for i, line := range strings.Split(string(b), "\n") {
			if m := forbidden.FindString(line); m != "" && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("%s:%d uses %q: insert data as text (dom.js el/textContent)", p, i+1, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("scanned %d files: the check would pass vacuously", n)
	}
}
