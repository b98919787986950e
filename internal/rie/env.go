package rie

import (
	"os"

	"github.com/outbound-caller/admin-api/pkg/config"
	"github.com/outbound-caller/admin-api/pkg/passhash"
)

// LocalEnv is the environment a function needs to run locally against the
// DynamoDB endpoint: the table, the endpoint, the local marker (the RIE
// sets AWS_LAMBDA_FUNCTION_NAME, so without APP_ENV=local the function
// would take itself for a deployed one and refuse the dev secret), the dev
// HS256 secret when no other key source is configured, the development
// admin sign-in (as `make run` has it: the hash of config.DevAdminPassword)
// when none is configured and no secret ARN may hold one, and dummy credentials when none are set (local
// emulators accept any).
//
// The function's name, memory and timeout mirror template.yaml's Globals so
// that the emulator's REPORT lines and the handler's deadline read as on
// Lambda.
func LocalEnv(function, table, endpoint string) ([]string, error) {
	env := []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + function,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
		"TABLE_NAME=" + table,
		"AWS_ENDPOINT_URL_DYNAMODB=" + endpoint,
		"APP_ENV=local",
	}
	if os.Getenv("ADMIN_JWT_SECRET") == "" && os.Getenv("ADMIN_JWKS_URL") == "" && os.Getenv("ADMIN_JWT_SECRET_ARN") == "" {
		env = append(env, "ADMIN_JWT_SECRET="+config.DevSecret)
	}
	if os.Getenv("ADMIN_USERNAME") == "" {
		env = append(env, "ADMIN_USERNAME="+config.DevAdminUsername)
	}
	// With ADMIN_JWT_SECRET_ARN the admin password hash may come from the
	// secret's document; a second one here would make it ambiguous.
	if os.Getenv("ADMIN_PASSWORD_HASH") == "" && os.Getenv("ADMIN_JWT_SECRET_ARN") == "" {
		// The configuration holds only a hash, never a password, even locally.
		h, err := passhash.NewHasher(passhash.DefaultParams())
		if err != nil {
			return nil, err
		}
		hash, err := h.Hash(config.DevAdminPassword)
		if err != nil {
			return nil, err
		}
		env = append(env, "ADMIN_PASSWORD_HASH="+hash)
	}
	if os.Getenv("AWS_REGION") == "" {
		env = append(env, "AWS_REGION=us-east-1")
	}
	if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		env = append(env, "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local")
	}
	return env, nil
}
