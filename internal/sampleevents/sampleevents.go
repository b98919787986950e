// Package sampleevents describes the sample API Gateway events in events/:
// what each must produce against the seeded store, and which function in
// functions/ it belongs to. The handler test (pkg/api) and the emulator test
// of the built binaries (internal/rie) read the same table, so they cannot
// disagree about an event.
package sampleevents

import (
	"os"
	"path/filepath"
	"strings"
)

// Outcome is what one event must produce.
type Outcome struct {
	Status int
	Body   string // exact body, when it is fixed
}

// Outcomes maps each file name in events/ to its expected outcome against
// the seeded store (internal/localdb). A new event without an entry here fails
// the tests.
func Outcomes() map[string]Outcome {
	return map[string]Outcome{
		"update-client.json":                 {Status: 200},
		"update-client-contact.json":         {Status: 200},
		"update-client-status.json":          {Status: 200},
		"update-client-resources.json":       {Status: 200},
		"update-client-duplicate-email.json": {409, `{"error":"Failed to update client","details":"Email is already in use by another client","field":"clientMeta.email","statusCode":409}`},
		"update-client-not-found.json":       {404, `{"error":"Client not found","statusCode":404}`},
		"update-client-invalid-email.json":   {400, `{"error":"Invalid update data","details":"Email format is invalid","field":"clientMeta.email","statusCode":400}`},
		"update-client-no-token.json":        {401, `{"error":"Unauthorized","message":"Missing bearer token","statusCode":401}`},
		"update-client-client-token.json":    {403, `{"error":"Forbidden","message":"Admin access required","statusCode":403}`},
		"update-client-if-match-stale.json":  {412, `{"error":"Precondition Failed","message":"Client was modified by another request","statusCode":412}`},
		"create-client.json":                 {Status: 201},
		"create-client-calid.json":           {Status: 201},
		"create-client-missing-fields.json":  {400, `{"error":"Missing required client information","requiredFields":["clientMeta.phone","twilioPhoneNumber"],"statusCode":400}`},
		"create-client-duplicate-email.json": {409, `{"error":"Client already exists with this ID or email","details":"email","field":"clientMeta.email","statusCode":409}`},
		"get-client.json":                    {Status: 200},
		"get-client-not-found.json":          {404, `{"error":"Client not found","statusCode":404}`},
		"get-client-history.json":            {Status: 200},
		"get-client-history-not-found.json":  {404, `{"error":"Client not found","statusCode":404}`},
		"list-clients.json":                  {Status: 200},
		"list-clients-search.json":           {Status: 200},
		"list-clients-bad-limit.json":        {400, `{"error":"Invalid query parameters","details":"limit must be an integer from 1 to 100","field":"limit","statusCode":400}`},
		"delete-client.json":                 {200, `{"message":"Client deleted successfully"}`},
		"delete-client-not-found.json":       {404, `{"error":"Client not found","statusCode":404}`},
		"reset-secret.json":                  {Status: 200},
		"reset-secret-not-found.json":        {404, `{"error":"Client not found","statusCode":404}`},
		"admin-login.json":                   {Status: 200},
		"admin-login-wrong-password.json":    {401, `{"error":"Invalid credentials","statusCode":401}`},
		"admin-login-missing-fields.json":    {400, `{"error":"Missing required fields","requiredFields":["username","password"],"statusCode":400}`},
		"client-login.json":                  {Status: 200},
		"client-login-wrong-secret.json":     {401, `{"error":"Invalid credentials or inactive client","statusCode":401}`},
		"client-login-missing-fields.json":   {400, `{"error":"Missing required fields","requiredFields":["clientId","clientSecret"],"statusCode":400}`},
		"oauth-token.json":                   {Status: 200},
		"oauth-token-form-credentials.json":  {Status: 200},
		"oauth-token-unsupported-grant.json": {400, `{"error":"unsupported_grant_type","error_description":"Only grant_type=client_credentials is supported"}`},
		"oauth-token-invalid-client.json":    {401, `{"error":"invalid_client","error_description":"Client authentication failed"}`},
		"get-own-client.json":                {Status: 200},
		"get-own-client-admin-token.json":    {403, `{"error":"Forbidden","message":"Client access required","statusCode":403}`},
		"update-own-client.json":             {Status: 200},
		"update-own-client-email.json":       {400, `{"error":"Invalid update data","details":"clientMeta.email cannot be changed by the client; an admin changes it","field":"clientMeta.email","statusCode":400}`},
		"update-own-client-calid.json":       {400, `{"error":"Invalid update data","details":"calId cannot be changed by the client; an admin changes it","field":"calId","statusCode":400}`},
	}
}

// FunctionFor names the function an event file belongs to: the longest
// function folder name that prefixes the file name, followed by ".json" or
// "-<scenario>.json" (so "get-client" does not claim "get-clients.json").
func FunctionFor(file string, functions []string) (string, bool) {
	name := strings.TrimSuffix(filepath.Base(file), ".json")
	best := ""
	for _, fn := range functions {
		if (name == fn || strings.HasPrefix(name, fn+"-")) && len(fn) > len(best) {
			best = fn
		}
	}
	return best, best != ""
}

// Functions lists the function folders under root/functions.
func Functions(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// Files lists the sample event files under root/events.
func Files(root string) ([]string, error) {
	return filepath.Glob(filepath.Join(root, "events", "*.json"))
}
