package rights

import (
	"context"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/conversation"
)

// Store is the persistence requests and exports need. It seals what is
// personal (a request's detail, export chunks) before it writes.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	View(ctx context.Context, fn func(Tx) error) error
	WaIndex(waID string) []byte
	Pseudonym(waID string) string
	// Lead reports whether this replica does the background work (one
	// does at a time, so two replicas never fulfil the same request).
	Lead(ctx context.Context) (bool, error)
}

// Tx is one transaction: the message path's, plus requests and exports.
// Methods return ErrNotFound (conversation.ErrNotFound) as documented.
type Tx interface {
	conversation.Tx

	// CreateRequest stores r, setting ID, CreatedAt and UpdatedAt.
	CreateRequest(r *Request) error
	// Request returns one request. conversation.ErrNotFound if none.
	Request(id string) (*Request, error)
	// UpdateRequest writes r's status, identity, outcome, due and
	// completion time. conversation.ErrNotFound if none.
	UpdateRequest(r *Request) error
	// Requests returns the requests f selects, oldest due first.
	Requests(f Filter) ([]*Request, error)
	// ErasedOpenRequests returns up to limit requests not final whose
	// customer was erased (or blocked) by another path than this package.
	ErasedOpenRequests(limit int) ([]*Request, error)
	// OpenRequestCounts counts requests not final: all, due before soon
	// (and not overdue), and due before now.
	OpenRequestCounts(now, soon time.Time) (Counts, error)

	// ContactConversations returns a contact's conversations, oldest first.
	ContactConversations(contactID string) ([]*conversation.Conversation, error)
	// ContactMessagesAfter returns up to limit of a contact's messages
	// after the cursor (created_at, id), oldest first.
	ContactMessagesAfter(contactID string, after MessageCursor, limit int) ([]*conversation.Message, error)
	// ContactMedia returns a contact's files without their data, oldest
	// first; MessageMedia one file, with its data when data is true.
	ContactMedia(contactID string) ([]*conversation.Media, error)
	MessageMedia(messageID string, data bool) (*conversation.Media, error)
	// AuditAbout returns up to limit audit events after afterSeq whose
	// actor is actorID or whose target is one of targets, in seq order.
	AuditAbout(actorID string, targets []string, afterSeq int64, limit int) ([]*audit.Event, error)

	// CreateExport stores e in state building with a fresh key of its own
	// sealed under the contact's data key; it sets ID and CreatedAt.
	CreateExport(e *Export) error
	// PutExportChunk seals and stores chunk seq of e.
	PutExportChunk(e *Export, seq int, data []byte) error
	// ExportChunk opens chunk seq of e. conversation.ErrNotFound if gone
	// (including when the export's or the contact's key is destroyed).
	ExportChunk(e *Export, seq int) ([]byte, error)
	// FinishExport marks e ready with its size, chunk count and the hash
	// of its download token.
	FinishExport(e *Export) error
	// ExportByTokenHash finds a ready or fetched export by its token's
	// hash. conversation.ErrNotFound if none.
	ExportByTokenHash(hash []byte) (*Export, error)
	// ClaimExport moves a ready export to fetched and reports whether this
	// call did it: a link works once even when two downloads race.
	ClaimExport(id string) (bool, error)
	// DeleteExport deletes e's key, row and chunks (crypto-shredding it).
	DeleteExport(id string) error
	// ExportsExpiringBefore lists exports whose expiry is before t.
	ExportsExpiringBefore(t time.Time, limit int) ([]*Export, error)
	// DeleteContactExports deletes every export of a contact.
	DeleteContactExports(contactID string) (int64, error)
	// DeleteErasedExports deletes every export whose customer was erased.
	DeleteErasedExports() (int64, error)
}

// Filter selects requests.
type Filter struct {
	ContactID string
	WaIndex   []byte
	Status    Status // empty: any
	Type      Type   // empty: any
	OpenOnly  bool   // only requests not final
	Limit     int    // 1–1000; zero: 100
}

// Counts are the open requests by urgency.
type Counts struct {
	Open    int // not final
	DueSoon int // due within the warning window, not yet overdue
	Overdue int
}

// MessageCursor is where a page of messages ends.
type MessageCursor struct {
	CreatedAt time.Time
	ID        string
}

// Export is one ZIP waiting to be downloaded.
type Export struct {
	ID        string
	RequestID string
	ContactID string
	State     string // building, ready, fetched
	Size      int64
	Chunks    int
	TokenHash []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	FetchedAt time.Time
}
