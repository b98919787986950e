package secretsdoc_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/outbound-caller/admin-api/pkg/secretsdoc"
)

// TestClientSpeaksGetSecretValue checks the request the reader sends (the
// JSON 1.1 target, a SigV4 signature scoped to the region and service, the
// secret id in the body) and how it reads answers, against a server that
// answers as Secrets Manager does. The moto suite (TestFetch) runs it
// against a real implementation of the protocol.
func TestClientSpeaksGetSecretValue(t *testing.T) {
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:doc-AbCdEf"
	for _, tc := range []struct {
		name    string
		status  int
		answer  string
		want    string
		wantErr string
	}{
		{"a string secret", 200, `{"ARN":"` + arn + `","SecretString":"the-value"}`, "the-value", ""},
		{"a binary-only secret", 200, `{"ARN":"` + arn + `","SecretBinary":"AAEC"}`, "", ""},
		{"an error names its type", 400, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`, "", "ResourceNotFoundException"},
		{"an unreadable answer", 200, `<html>`, "", "unreadable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body struct{ SecretId string }
				_ = json.NewDecoder(r.Body).Decode(&body)
				auth := r.Header.Get("Authorization")
				switch {
				case r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" ||
					r.Header.Get("Content-Type") != "application/x-amz-json-1.1":
					t.Errorf("request %s %q %q", r.Method, r.Header.Get("X-Amz-Target"), r.Header.Get("Content-Type"))
				case !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID/") || !strings.Contains(auth, "/eu-west-1/secretsmanager/aws4_request"):
					t.Errorf("not signed for eu-west-1 secretsmanager: %q", auth)
				case body.SecretId != arn:
					t.Errorf("SecretId %q", body.SecretId)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.answer))
			}))
			defer srv.Close()
			c := secretsdoc.Client{
				Config:   aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
				Endpoint: srv.URL,
			}
			got, err := c.SecretString(t.Context(), arn)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
			case got != tc.want:
				t.Fatalf("SecretString = %q, want %q", got, tc.want)
			}
		})
	}
}
