package client

// ListQuery selects a page of clients, newest first.
type ListQuery struct {
	Status Status // "" for every status
	Search string // lower-cased; "" for no search
	Limit  int    // page size, 1-100
	Offset int    // matches to skip; 0 when After is set
	After  *Position
}

// Position is where a listing stopped: the last client of a page. The
// next page starts after it.
type Position struct {
	CreatedAt string // as stored, TimeLayout
	ClientID  string
	// Before is, for a search, the matches up to and including this
	// position, so that the next page's Total can count them.
	Before int
}

// Page is one page of a listing.
type Page struct {
	// Total is every match of the query, before paging, when TotalExact.
	// A search reads a bounded part of the list per page; until a page's
	// read reaches the end of the list, Total is the matches found so far
	// (on the pages before, by the cursor's Before, and in this page's
	// read) and TotalExact is false.
	Total      int
	TotalExact bool
	Clients    []Client
	Next       *Position // nil on the last page
	// Unreadable are the ids of stored clients the page skipped because
	// they could not be read (an item written outside the service, with a
	// time that does not parse, say): the page then shows fewer than its
	// limit, and the caller logs them, so that one bad item never takes a
	// list down for everyone and is never skipped silently.
	Unreadable []string
}
