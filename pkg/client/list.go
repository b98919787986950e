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
}

// Page is one page of a listing.
type Page struct {
	Total   int // every match of the query, before paging
	Clients []Client
	Next    *Position // nil on the last page
}
