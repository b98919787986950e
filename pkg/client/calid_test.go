package client_test

import (
	"slices"
	"testing"
	"time"

	"github.com/outbound-caller/admin-api/pkg/client"
)

func TestCalIDApplyAndFieldNames(t *testing.T) {
	at := time.Date(2025, 3, 20, 12, 0, 0, 0, time.UTC)
	c := client.Client{ClientID: "c1", CalID: "old"}
	if got := c.Apply(client.UpdateOf(map[string]string{"calId": "new"}), at, "a").CalID; got != "new" {
		t.Errorf("set: CalID = %q", got)
	}
	if got := c.Apply(client.UpdateOf(map[string]string{"calId": ""}), at, "a").CalID; got != "" {
		t.Errorf("remove: CalID = %q", got)
	}
	if got := c.Apply(client.UpdateOf(map[string]string{"agentId": "x"}), at, "a").CalID; got != "old" {
		t.Errorf("untouched: CalID = %q", got)
	}
	u := client.UpdateOf(map[string]string{"calId": ""})
	if names := u.FieldNames(); !slices.Equal(names, []string{"calId"}) || u.IsEmpty() {
		t.Errorf("FieldNames = %v, IsEmpty = %v", names, u.IsEmpty())
	}
}
