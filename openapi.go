// Package adminapi holds what belongs to the whole API rather than to one
// package: its OpenAPI contract, embedded so that every binary and test
// reads the same bytes wherever it runs.
package adminapi

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns openapi.yaml (a copy: callers cannot change the original).
func OpenAPI() []byte { return bytes.Clone(openAPI) }
