package server

import "github.com/truora/minidyn/core"

// TableCost returns what the writes to table have cost so far (core.Cost):
// the counter flat-cost tests read. Patched into the repository's copy
// (README.md).
func (s *Server) TableCost(table string) (core.Cost, error) {
	s.client.mu.Lock()
	defer s.client.mu.Unlock()

	t, err := s.client.getTable(table)
	if err != nil {
		return core.Cost{}, err
	}

	return t.Cost(), nil
}
