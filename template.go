package adminapi

import (
	"bytes"
	_ "embed"
)

//go:embed template.yaml
var template []byte

// Template returns template.yaml, the deployment (a copy). The local API
// Gateway stand-in reads the HTTP API's CORS configuration from it, so that
// make run and the deployment answer browsers alike.
func Template() []byte { return bytes.Clone(template) }
