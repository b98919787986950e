// Package console serves the admin console: a static page (HTML, one
// stylesheet, ES modules) embedded in the binary, which speaks only to the
// public API of the origin that served it. The same files and headers are
// served two ways: over net/http by the local server (cmd/local), and to
// API Gateway events by the console's own Lambda (functions/console), so
// that the console shares the API's origin when deployed.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// Prefix is the path the console is served under; the page itself is
// Prefix and its files sit beside it (Prefix + "app.js").
const Prefix = "/console/"

// RouteKeys are the API Gateway routes the console's function serves:
// "GET /console" (redirected to the page) and every file under it.
// template_test.go holds template.yaml's console events to this list.
var RouteKeys = []string{"GET /console", "GET /console/{proxy+}"}

// Headers every answer carries. The policy allows nothing but this
// origin's own files and API: no inline script or style, no eval, no
// plugins, no framing, no <base> and no form posted elsewhere.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "DENY",
	"Referrer-Policy":        "no-referrer",
	// Files are not fingerprinted: a browser revalidates each (cheap, with
	// the ETag) so that a deployment never mixes old and new modules.
	"Cache-Control": "no-cache",
}

// Types by extension, explicit rather than from the machine's MIME tables,
// which differ between systems (and nosniff makes a wrong type fatal).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// file is one embedded file, ready to serve.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// Site holds the console's files. Build it once with New.
type Site struct {
	files map[string]file // by name relative to Prefix; "" is the page
}

// New reads the embedded files. A file of a type the console does not
// know is a build mistake, reported here rather than served as a guess.
func New() (*Site, error) {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	s := &Site{files: map[string]file{}}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			return &fs.PathError{Op: "console", Path: name, Err: fs.ErrInvalid}
		}
		b, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.files[name] = file{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, err
	}
	index, ok := s.files["index.html"]
	if !ok {
		return nil, &fs.PathError{Op: "console", Path: "index.html", Err: fs.ErrNotExist}
	}
	s.files[""] = index
	return s, nil
}

// Answer is a response: status, headers and body.
type Answer struct {
	Status  int
	Headers map[string]string
	Body    []byte
}

// Serve answers a request for name, the path below Prefix ("" for the
// page, "app.js" for a file; "/console" itself is name "/" and is
// redirected to the page). ifNoneMatch is the request's If-None-Match.
func (s *Site) Serve(method, name, ifNoneMatch string) Answer {
	h := make(map[string]string, len(securityHeaders)+3)
	for k, v := range securityHeaders {
		h[k] = v
	}
	if method != http.MethodGet && method != http.MethodHead {
		h["Allow"] = "GET, HEAD"
		return text(http.StatusMethodNotAllowed, h, "Method not allowed\n")
	}
	if name == "/" {
		// Relative, so that it also holds under an API Gateway stage
		// prefix (/dev/console → /dev/console/).
		h["Location"] = "console/"
		return text(http.StatusMovedPermanently, h, "")
	}
	f, ok := s.files[name]
	if !ok {
		return text(http.StatusNotFound, h, "Not found\n")
	}
	h["Content-Type"] = f.contentType
	h["ETag"] = f.etag
	if etagMatches(ifNoneMatch, f.etag) {
		return Answer{Status: http.StatusNotModified, Headers: h}
	}
	if method == http.MethodHead {
		return Answer{Status: http.StatusOK, Headers: h}
	}
	return Answer{Status: http.StatusOK, Headers: h, Body: f.body}
}

func text(status int, h map[string]string, body string) Answer {
	h["Content-Type"] = "text/plain; charset=utf-8"
	return Answer{Status: status, Headers: h, Body: []byte(body)}
}

// etagMatches reports whether an If-None-Match header names etag (or is *).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// ServeHTTP serves the console to the local server: mount it at Prefix and
// at the bare "/console" (see Mount).
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		if r.URL.Path != strings.TrimSuffix(Prefix, "/") {
			http.NotFound(w, r)
			return
		}
		name = "/"
	}
	a := s.Serve(r.Method, name, r.Header.Get("If-None-Match"))
	for k, v := range a.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

// Mount serves the console on mux at "/console" and under Prefix.
func (s *Site) Mount(mux *http.ServeMux) {
	mux.Handle(Prefix, s)
	mux.Handle(strings.TrimSuffix(Prefix, "/"), s)
}
