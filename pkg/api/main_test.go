package api_test

import (
	"os"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

// TestMain audits the output of the whole route suite of this package: see testkit.AuditedMain.
func TestMain(m *testing.M) { os.Exit(testkit.AuditedMain(m)) }
