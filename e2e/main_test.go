package e2e_test

import (
	"os"
	"testing"

	"github.com/outbound-caller/admin-api/internal/testkit"
)

// TestMain audits the output of the whole system suite: see testkit.AuditedMain.
func TestMain(m *testing.M) { os.Exit(testkit.AuditedMain(m)) }
