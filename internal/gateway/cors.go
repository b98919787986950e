package gateway

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// CORS is an HTTP API's CorsConfiguration (AWS::Serverless::HttpApi), the
// one template.yaml deploys.
type CORS struct {
	AllowOrigins     []string `yaml:"AllowOrigins"`
	AllowMethods     []string `yaml:"AllowMethods"`
	AllowHeaders     []string `yaml:"AllowHeaders"`
	ExposeHeaders    []string `yaml:"ExposeHeaders"`
	AllowCredentials bool     `yaml:"AllowCredentials"`
	MaxAge           int      `yaml:"MaxAge"`
}

// CORSFromTemplate reads the CorsConfiguration of the template's
// AWS::Serverless::HttpApi. A template with no HTTP API, or one without
// CORS, is an error: the local server would silently differ from the
// deployment.
func CORSFromTemplate(tpl []byte) (CORS, error) {
	var doc struct {
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				CorsConfiguration *CORS `yaml:"CorsConfiguration"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(tpl, &doc); err != nil {
		return CORS{}, fmt.Errorf("template: %w", err)
	}
	var found []*CORS
	for _, r := range doc.Resources {
		if r.Type == "AWS::Serverless::HttpApi" {
			found = append(found, r.Properties.CorsConfiguration)
		}
	}
	switch {
	case len(found) != 1:
		return CORS{}, fmt.Errorf("template: want one AWS::Serverless::HttpApi, found %d", len(found))
	case found[0] == nil:
		return CORS{}, fmt.Errorf("template: the HTTP API has no CorsConfiguration")
	}
	return *found[0], nil
}

// allowOrigin is the Access-Control-Allow-Origin API Gateway sends for
// origin: "*" when any origin is allowed, the origin itself when it is
// listed or matches a "scheme://*" entry, else nothing.
func (c CORS) allowOrigin(origin string) string {
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*":
			return "*"
		case strings.EqualFold(o, origin):
			return origin
		case strings.HasSuffix(o, "://*") && strings.HasPrefix(strings.ToLower(origin), strings.ToLower(strings.TrimSuffix(o, "*"))):
			return origin
		}
	}
	return ""
}

// WithCORS answers and decorates requests as API Gateway's HTTP API does
// with this configuration: an OPTIONS request carrying Origin and
// Access-Control-Request-Method is a preflight, answered by the gateway
// itself (204, no route runs); any other request with an allowed Origin gets
// Access-Control-Allow-Origin and Access-Control-Expose-Headers on the
// route's response, and CORS headers the route set itself are dropped (the
// gateway ignores them).
func WithCORS(c CORS, next http.Handler) http.Handler {
	methods := strings.Join(c.AllowMethods, ",")
	headers := strings.Join(c.AllowHeaders, ",")
	expose := strings.Join(c.ExposeHeaders, ",")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := ""
		if origin != "" {
			allowed = c.allowOrigin(origin)
		}
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			if allowed != "" {
				h := w.Header()
				h.Set("Access-Control-Allow-Origin", allowed)
				if methods != "" {
					h.Set("Access-Control-Allow-Methods", methods)
				}
				if headers != "" {
					h.Set("Access-Control-Allow-Headers", headers)
				}
				if c.MaxAge > 0 {
					h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
				}
				if c.AllowCredentials {
					h.Set("Access-Control-Allow-Credentials", "true")
				}
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(&corsWriter{ResponseWriter: w, origin: allowed, expose: expose, credentials: c.AllowCredentials}, r)
	})
}

// corsWriter replaces whatever CORS headers the route set with the
// gateway's, at the moment the status is written.
type corsWriter struct {
	http.ResponseWriter
	origin, expose string
	credentials    bool
	wrote          bool
}

func (w *corsWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		h := w.Header()
		for k := range h {
			if strings.HasPrefix(k, "Access-Control-") {
				delete(h, k)
			}
		}
		if w.origin != "" {
			h.Set("Access-Control-Allow-Origin", w.origin)
			if w.expose != "" {
				h.Set("Access-Control-Expose-Headers", w.expose)
			}
			if w.credentials {
				h.Set("Access-Control-Allow-Credentials", "true")
			}
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *corsWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}
