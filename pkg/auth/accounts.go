package auth

// AdminAccount is one person who signs in at POST /auth/admin/login
// (issue 21): the token it gets has sub = Username and grants Scopes
// (FullAccess: no scope claim, as every admin token before scopes).
type AdminAccount struct {
	Username     string
	PasswordHash string // argon2id (or bcrypt), never a password
	Scopes       Scopes
}
