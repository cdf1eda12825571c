// Package store persists trement's state in SQLite (the embedded default) or
// PostgreSQL (several stateless replicas), behind one set of methods that
// both backends pass in the same contract suite (store/storetest).
//
// # Sealing
//
// The store seals every personal field with vault before it writes SQL and
// opens it after it reads, so the layers above see plaintext and the disk
// sees only ciphertext and blind indexes. Each contact's fields are sealed
// under the contact's own data key; erasure deletes that key.
//
// # Backends
//
// The SQL is written once with ? placeholders; the dialect rebinds it for
// PostgreSQL. Migrations are per backend (DDL types differ) and embedded.
// SQLite runs in WAL mode with synchronous=FULL, so a committed transaction
// survives a power cut, through one writer connection and a pool of readers;
// transactions the message path can replay commit relaxed (durability.go).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver
	_ "modernc.org/sqlite"             // SQLite driver (pure Go)

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/vault"
)

// Backend names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Options configure Open.
type Options struct {
	// URL is "postgres://…" (or "postgresql://…") for PostgreSQL, or
	// "sqlite:PATH" / a plain file path for SQLite.
	URL string
	// MasterKey is the key-encryption key. Open refuses a key whose check
	// value does not match the database's.
	MasterKey *vault.MasterKey
	// Rotating lets Open accept a master key that is being rotated away
	// from; only `trement keys rotate` sets it.
	Rotating bool
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ReadConns is the size of the read pool (SQLite) or of the whole pool
	// (PostgreSQL). Zero picks a default.
	ReadConns int
	// ErasureJournal is the file, kept outside the database and its
	// backups, where every erasure is recorded (blind indexes only) and
	// from which Open re-applies erasures a restored database lacks.
	// Empty: no journal.
	ErasureJournal string
	// BackupKeys is the file of per-owner backup keys (SQLite only; see
	// backupKeys), kept outside the database and its backups: `trement
	// backup` seals each data key under one, and an erasure destroys the
	// customer's, so backups taken before it stop opening them. Empty:
	// backups carry the keys wrapped by the master key only.
	BackupKeys string
}

// DB is an open store.
type DB struct {
	backend string
	w, r    *sql.DB // writer and readers; the same pool on PostgreSQL
	inW     *sql.DB // inbox writer and readers: a database of their own on
	inR     *sql.DB // SQLite, the main pool on PostgreSQL
	log     *slog.Logger
	now     func() time.Time

	keyring   *vault.Keyring
	kekState  string
	index     *vault.Indexer
	auditKey  []byte
	inboxSeal *vault.Cipher
	systemKey []byte
	keys      keyCache

	rebound sync.Map // query text -> rebound query text (PostgreSQL)

	applied []int // migrations this Open applied

	leadMu   sync.Mutex
	leadConn *sql.Conn // holds the processing lead's advisory lock (PostgreSQL)
	// lockSpace mixes the schema into advisory lock keys (PostgreSQL).
	lockSpace int64

	journal    *journal
	backupKeys *backupKeys
	replayed   int
	scrub      scrubber

	counts sqlCounts

	reactions waitingReactions // SQLite: the ids reaction rows wait for

	changed changeSignal // wakes WatchChanges after a conversation or message was written

	commitHook func(CommitInfo) // OnCommit's, for tests
	syncMu     sync.Mutex       // one Sync at a time
	synced     int64            // relaxed commits counted at the last Sync
}

// migrationAuditGuards is the migration that gave the audit head a MAC
// domain of its own; the Open that applies it re-seals an older head.
const migrationAuditGuards = 5

// ErrErased means the row's data key is gone: the data was crypto-shredded.
// It matches conversation.ErrNotFound too: to every reader, erased data is
// data that does not exist.
var ErrErased = fmt.Errorf("store: data key destroyed (erased): %w", conversation.ErrNotFound)

// Open connects, applies migrations, checks the master key and loads the
// system secret. It refuses to start, touching nothing, on a wrong key.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.MasterKey == nil {
		return nil, errors.New("store: no master key")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	db := &DB{log: o.Logger, now: o.Now}
	if err := db.connect(o); err != nil {
		return nil, err
	}
	if db.backend == Postgres {
		if err := db.loadLockSpace(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.unlock(ctx, o.MasterKey, o.Rotating); err != nil {
		db.Close()
		return nil, err
	}
	if o.BackupKeys != "" && db.backend == SQLite {
		var err error
		if db.backupKeys, err = openBackupKeys(o.BackupKeys, db.systemKey); err != nil {
			db.Close()
			return nil, err
		}
	}
	if slices.Contains(db.applied, migrationAuditGuards) {
		if err := db.resealHead(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := db.migrateWamids(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.scrub.start(db)
	if err := db.resumeErased(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if o.ErasureJournal != "" {
		db.journal = &journal{path: o.ErasureJournal}
		if err := db.replayJournal(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// Backend returns SQLite or Postgres.
func (db *DB) Backend() string { return db.backend }

// Close closes the connections.
func (db *DB) Close() error {
	db.scrub.stop()
	err := db.backupKeys.close()
	db.leadMu.Lock()
	if db.leadConn != nil {
		db.leadConn.Close() // closing the session releases the advisory lock
		db.leadConn = nil
	}
	db.leadMu.Unlock()
	if db.inR != nil && db.inR != db.r {
		err = errors.Join(err, db.inR.Close())
	}
	if db.inW != nil && db.inW != db.w {
		err = errors.Join(err, db.inW.Close())
	}
	if db.r != nil && db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	if db.w != nil {
		err = errors.Join(err, db.w.Close())
	}
	return err
}

// Lead reports whether this process is the lead replica: the one that
// runs the sweeps a deployment must run once (telling waiting customers
// no one took them, the rights worker). Inbox processing is no longer the
// lead's alone on PostgreSQL: every replica processes its partitions (see
// partitions.go). The lead is a session advisory lock on a connection kept
// for it; if that connection dies the lock is released and another
// replica takes over. On SQLite there is one process, always the lead.
func (db *DB) Lead(ctx context.Context) (bool, error) {
	if db.backend != Postgres {
		return true, nil
	}
	db.leadMu.Lock()
	defer db.leadMu.Unlock()
	if db.leadConn != nil {
		if err := db.leadConn.PingContext(ctx); err == nil {
			return true, nil
		}
		db.leadConn.Close()
		db.leadConn = nil
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("store: lead: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", db.lockKey(lockLead)).Scan(&got); err != nil {
		conn.Close()
		return false, fmt.Errorf("store: lead: %w", err)
	}
	if !got {
		conn.Close()
		return false, nil
	}
	db.leadConn = conn
	return true, nil
}

// Enlist marks worker, a sender run, as alive until release is called or
// the process dies: on PostgreSQL it holds a session advisory lock on a
// connection kept for it, so that other replicas can tell its claims from
// a dead run's (ReleaseClaims). On SQLite, which one process serves, there
// is nothing to hold.
func (db *DB) Enlist(ctx context.Context, worker string) (release func(), err error) {
	if db.backend != Postgres {
		return func() {}, nil
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: enlist sender: %w", err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", db.senderKey(worker)).Scan(&got); err != nil || !got {
		conn.Close()
		if err == nil {
			err = errors.New("the name is held by a live sender")
		}
		return nil, fmt.Errorf("store: enlist sender %s: %w", worker, err)
	}
	return func() { conn.Close() }, nil // closing the session releases the lock
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.w.PingContext(ctx) }

func (db *DB) connect(o Options) error {
	u := o.URL
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		db.backend = Postgres
		p, err := openCounted("pgx", u, &db.counts)
		if err != nil {
			return fmt.Errorf("store: open postgres: %w", err)
		}
		n := o.ReadConns
		if n == 0 {
			n = 16
		}
		p.SetMaxOpenConns(n)
		p.SetMaxIdleConns(n)
		p.SetConnMaxIdleTime(5 * time.Minute)
		db.w, db.r = p, p
		db.inW, db.inR = p, p
		return nil
	default:
		db.backend = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite://"), "sqlite:")
		if path == "" {
			return errors.New("store: empty SQLite path")
		}
		if strings.ContainsAny(path, "?#") {
			return fmt.Errorf("store: SQLite path %q must not hold query parameters", path)
		}
		n := o.ReadConns
		if n == 0 {
			n = 4
		}
		var err error
		if db.w, db.r, err = openSQLite(path, n, &db.counts); err != nil {
			return err
		}
		if db.inW, db.inR, err = openSQLite(InboxPath(path), 2, &db.counts); err != nil {
			db.w.Close()
			db.r.Close()
			return fmt.Errorf("store: inbox: %w", err)
		}
		return nil
	}
}

// openSQLite opens one SQLite file as a single writer connection and a
// pool of readers. One writer: SQLite serialises writes anyway; one
// connection makes the queue ours (no SQLITE_BUSY storms) and lets us
// batch commits. WAL with synchronous=FULL makes each commit durable; a
// relaxed transaction switches the writer to NORMAL for itself only
// (durability.go).
func openSQLite(path string, readers int, counts *sqlCounts) (w, r *sql.DB, err error) {
	if err := privateFiles(path); err != nil {
		return nil, nil, err
	}
	// secure_delete zeroes deleted cells and freed pages, so a deleted row
	// (an erased customer's wrapped data key) leaves no bytes in the file
	// once the WAL is checkpointed; see scrub.go.
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)&_pragma=temp_store(MEMORY)"
	// The writer's page cache is 32 MiB rather than SQLite's 2 MiB: a
	// purge or a scrub deletes rows spread over six b-trees, and a cache
	// that holds their interior pages saves a read for most of them.
	w, err = openCounted("sqlite", "file:"+path+"?"+common+"&_pragma=cache_size(-32768)&_txlock=immediate", counts)
	if err != nil {
		return nil, nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err = openCounted("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)", counts)
	if err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("store: open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	return w, r, nil
}

// privateFiles makes the SQLite file at path, and its -wal, -shm and
// -journal companions if they exist, readable by their owner only (0600):
// it creates the file 0600 before SQLite does (SQLite gives the files it
// creates beside a database the database file's mode), and narrows files
// an older trement or a copy left wider.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if fi.Mode().Perm() != 0o600 {
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("store: make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// InboxPath is where the SQLite inbox lives beside the main file at path.
func InboxPath(path string) string {
	return strings.TrimSuffix(path, ".db") + ".inbox.db"
}

// q rebinds ? placeholders to $1… for PostgreSQL. Queries are literals, so
// the cache stays small.
func (db *DB) q(query string) string {
	if db.backend != Postgres {
		return query
	}
	if v, ok := db.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	s := b.String()
	db.rebound.Store(query, s)
	return s
}

// NewID returns a time-ordered unique id (UUIDv7).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Tx is one transaction. Its Now is fixed when it begins, so every
// timestamp one write makes agrees.
type Tx struct {
	db  *DB
	tx  *sql.Tx
	ctx context.Context
	Now time.Time
	// stmts holds the statements prepared in this transaction: batched
	// work (the inbox processor runs hundreds of events in one
	// transaction) parses each query once instead of once per event.
	stmts map[string]*sql.Stmt
	// after runs once the transaction committed (erasure scrubs the
	// files only when the deletion is durable).
	after []func()
	// blocked is the cipher of a blocked contact the DPO opened in this
	// transaction (OpenBlocked); it never enters the shared key cache.
	blocked *vault.Cipher
	// keyGen is the key cache's generation when the transaction began.
	keyGen uint64
	// touch: the transaction wrote a conversation or message (touched).
	touch bool
	// marked are de-duplication keys MarkSeenAll marked, each with whether
	// it was new then, until MarkSeen asks for it (once).
	marked map[string]bool
	// pre is what Preload read for the batch being processed.
	pre *preload
	// started are the outbox items StartOutbox moved to sending, kept
	// only for OnCommit's hook.
	started []string
	// promise: the transaction erases (destroys a data key); it is made
	// durable before Update returns even if it began relaxed.
	promise bool
	// write: a read-write transaction (Update); pending are its contact
	// and conversation updates not written yet (SQLite; see pendingRows).
	write   bool
	pending *pendingRows
	// conn is the connection of a PostgreSQL write transaction and pipe
	// its queued writes (pipeline.go); both nil otherwise.
	conn *sql.Conn
	pipe *pipelined
}

// Update runs fn in a read-write transaction and commits it if fn returns
// nil. On SQLite it takes the single writer. The commit is durable, unless
// ctx is marked conversation.Replayable (see durability.go).
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.w, nil, fn)
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.r, &sql.TxOptions{ReadOnly: db.backend == Postgres}, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) error {
	gen := db.keys.generation() // before the snapshot: see keyCache
	bctx, relaxed := db.relaxing(ctx, pool, opts)
	var conn *sql.Conn
	var tx *sql.Tx
	var err error
	if db.backend == Postgres && opts == nil {
		// A write transaction pipelines writes on its connection.
		if conn, err = pool.Conn(ctx); err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
		defer conn.Close()
		tx, err = conn.BeginTx(bctx, nil)
	} else {
		tx, err = pool.BeginTx(bctx, opts)
	}
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	// A panic in fn ends the transaction on its way out: SQLite's one
	// writer is held until then, and conn.Close above waits for it. After
	// Commit or Rollback this does nothing.
	defer tx.Rollback()
	t := &Tx{db: db, tx: tx, ctx: ctx, Now: db.now().UTC().Truncate(time.Millisecond), keyGen: gen, write: pool == db.w}
	if conn != nil {
		t.conn, t.pipe = conn, &pipelined{}
	}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	if err := t.flush(); err != nil {
		tx.Rollback()
		return err
	}
	if err := t.flushPipeline(); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	write := pool == db.w && (opts == nil || !opts.ReadOnly)
	if write {
		db.committed(relaxed)
		if db.commitHook != nil {
			db.commitHook(CommitInfo{Relaxed: relaxed, Started: t.started})
		}
	}
	// The transaction has committed, whatever the Sync below says: what
	// follows a commit (an erasure's second key drop, its scrub) happens.
	for _, f := range t.after {
		f()
	}
	if write && relaxed && t.promise {
		if err := db.Sync(ctx); err != nil {
			return fmt.Errorf("store: committed, but not made durable: %w", err)
		}
	}
	return nil
}

// afterCommit runs f once t has committed (never if it rolls back).
func (t *Tx) afterCommit(f func()) { t.after = append(t.after, f) }

// stmt returns the statement prepared for query in this transaction, or
// nil to run it unprepared. A query is prepared on its second use: most
// transactions run each query once, and preparing those only adds work.
// Never on PostgreSQL: pgx keeps each connection's statements prepared
// for the connection's life already, and one prepared on a transaction
// would be parsed again by every transaction and deallocated at its end
// (two more round trips).
func (t *Tx) stmt(query string) *sql.Stmt {
	if t.db.backend == Postgres {
		return nil
	}
	if st, ok := t.stmts[query]; ok {
		if st != nil {
			return st
		}
	} else {
		if t.stmts == nil {
			t.stmts = map[string]*sql.Stmt{}
		}
		t.stmts[query] = nil // seen once
		return nil
	}
	if len(t.stmts) > 256 {
		return nil
	}
	st, err := t.tx.PrepareContext(t.ctx, query)
	if err != nil {
		return nil // the error shows again when the query runs unprepared
	}
	t.stmts[query] = st
	return st
}

func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	q := t.db.q(query)
	if err := t.flushFor(q); err != nil {
		return nil, err
	}
	t.wrote(q)
	if res, ok, err := t.execPipelined(q, args); ok {
		return res, err
	}
	if st := t.stmt(q); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, q, args...)
}

func (t *Tx) query(query string, args ...any) (*sql.Rows, error) {
	q := t.db.q(query)
	if err := t.flushFor(q); err != nil {
		return nil, err
	}
	if err := t.flushPipeline(); err != nil {
		return nil, err
	}
	t.wrote(q)
	if st := t.stmt(q); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, q, args...)
}

func (t *Tx) queryRow(query string, args ...any) *sql.Row {
	q := t.db.q(query)
	// A failure sticks: the transaction cannot commit, whatever the row
	// reads (PostgreSQL's error once a statement failed).
	t.flushFor(q)
	t.flushPipeline()
	t.wrote(q)
	if st := t.stmt(q); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, q, args...)
}

// Context returns the transaction's context.
func (t *Tx) Context() context.Context { return t.ctx }

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return conversation.ErrNotFound
	}
	return err
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either backend.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505") || strings.Contains(s, "duplicate key value")
}
