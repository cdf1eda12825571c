package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// sqlCounts counts what the store asks of its databases: every statement
// the driver runs (Exec and Query, prepared or not, on every pool) and
// every transaction begun. The counts cost an atomic add each; they feed
// the trement_sql_* metrics and the statements-per-message benchmarks.
type sqlCounts struct {
	statements, transactions atomic.Int64
	// writes are the write transactions committed (Update, the inbox's),
	// relaxed those of them that did not wait for the disk (durability.go).
	writes, relaxed atomic.Int64
	// byQuery, when set (CountByQuery), also counts each statement under
	// its query text: a breakdown for benchmarks and tests, off otherwise.
	byQuery atomic.Pointer[queryCounts]
}

type queryCounts struct {
	mu sync.Mutex
	n  map[string]int64
}

// statement counts one statement run with query's text.
func (c *sqlCounts) statement(query string) {
	c.statements.Add(1)
	if q := c.byQuery.Load(); q != nil {
		q.mu.Lock()
		q.n[query]++
		q.mu.Unlock()
	}
}

// CountByQuery starts counting every statement under its query text as
// well (a breakdown for benchmarks: it takes a lock per statement) and
// returns a function that stops it and returns the counts since the call.
func (db *DB) CountByQuery() (stop func() map[string]int64) {
	q := &queryCounts{n: map[string]int64{}}
	db.counts.byQuery.Store(q)
	return func() map[string]int64 {
		db.counts.byQuery.CompareAndSwap(q, nil)
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.n
	}
}

// SQLCounts returns how many statements and transactions the store has run
// since it was opened.
func (db *DB) SQLCounts() (statements, transactions int64) {
	return db.counts.statements.Load(), db.counts.transactions.Load()
}

// openCounted is sql.Open(driverName, dsn) with every statement and
// transaction counted in c.
func openCounted(driverName, dsn string, c *sqlCounts) (*sql.DB, error) {
	probe, err := sql.Open(driverName, "")
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	probe.Close()
	var inner driver.Connector = dsnConnector{dsn: dsn, drv: drv}
	if dc, ok := drv.(driver.DriverContext); ok {
		if inner, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	}
	return sql.OpenDB(countingConnector{inner: inner, c: c, keep: driverName == "sqlite", sqlite: driverName == "sqlite"}), nil
}

type dsnConnector struct {
	dsn string
	drv driver.Driver
}

func (d dsnConnector) Connect(context.Context) (driver.Conn, error) { return d.drv.Open(d.dsn) }
func (d dsnConnector) Driver() driver.Driver                        { return d.drv }

type countingConnector struct {
	inner driver.Connector
	c     *sqlCounts
	// keep keeps each connection's prepared statements for its life
	// (SQLite; pgx caches its own).
	keep bool
	// sqlite: the connections are SQLite's (durability.go switches their
	// synchronous setting); else PostgreSQL's.
	sqlite bool
}

func (cc countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := cc.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	cn := &countingConn{Conn: conn, c: cc.c, sqlite: cc.sqlite}
	if cc.keep {
		cn.kept = map[string]*keptStmt{}
	}
	return cn, nil
}

func (cc countingConnector) Driver() driver.Driver { return cc.inner.Driver() }

// countingConn passes everything to the driver's connection; database/sql
// falls back (driver.ErrSkip) where the driver lacks an interface.
type countingConn struct {
	driver.Conn
	c *sqlCounts
	// kept are the statements prepared on this connection, by query, for
	// its life: SQLite parses each query once per connection instead of
	// once per run. nil: none are kept.
	kept map[string]*keptStmt
	// sqlite: a SQLite connection; relaxed: its synchronous setting is
	// NORMAL now (it opens at FULL); inTx: a transaction is open on it.
	// See durability.go.
	sqlite, relaxed, inTx bool
}

// Bounds of a connection's kept statements: the store's queries, and the
// multi-row forms of its batched ones up to their chunk sizes, fit.
const (
	keptMax      = 1024
	keptMaxQuery = 16 << 10
)

// keptStmt is a statement kept prepared on its connection. database/sql
// uses a connection from one goroutine at a time; busy says its rows are
// open, and a second run meanwhile prepares a statement of its own.
type keptStmt struct {
	ds    driver.Stmt
	query string
	busy  atomic.Bool // rows may be closed from database/sql's context watcher
}

// Close closes the connection's kept statements, then the connection.
func (cn *countingConn) Close() error {
	for q, k := range cn.kept {
		k.ds.Close()
		delete(cn.kept, q)
	}
	return cn.Conn.Close()
}

// keptFor returns the kept statement for query, preparing and keeping it
// on first use; nil (and no error) if statements are not kept, query is
// too long, the connection keeps enough already, or it is busy.
func (cn *countingConn) keptFor(ctx context.Context, query string) (*keptStmt, error) {
	if cn.kept == nil || len(query) > keptMaxQuery {
		return nil, nil
	}
	if k, ok := cn.kept[query]; ok {
		if k.busy.Load() {
			return nil, nil
		}
		return k, nil
	}
	if len(cn.kept) >= keptMax {
		return nil, nil
	}
	ds, err := cn.prepareRaw(ctx, query)
	if err != nil {
		return nil, err
	}
	k := &keptStmt{ds: ds, query: query}
	cn.kept[query] = k
	return k, nil
}

func (cn *countingConn) prepareRaw(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := cn.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return cn.Conn.Prepare(query)
}

func (cn *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	cn.c.transactions.Add(1)
	relax, _ := ctx.Value(relaxKey{}).(bool)
	if err := cn.syncMode(ctx, relax); err != nil {
		return nil, err
	}
	var tx driver.Tx
	var err error
	if b, ok := cn.Conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else if opts.ReadOnly || opts.Isolation != 0 {
		return nil, errors.New("store: driver cannot begin a read-only or isolated transaction")
	} else {
		//lint:ignore SA1019 the fallback database/sql itself uses for such drivers
		tx, err = cn.Conn.Begin()
	}
	if err != nil {
		return nil, err
	}
	cn.inTx = true
	return countingTx{Tx: tx, cn: cn}, nil
}

func (cn *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := cn.outsideTx(ctx); err != nil {
		return nil, err
	}
	k, err := cn.keptFor(ctx, query)
	if err != nil {
		return nil, err
	}
	if k != nil {
		return &countingStmt{Stmt: k.ds, c: cn.c, kept: k, cn: cn}, nil
	}
	st, err := cn.prepareRaw(ctx, query)
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, c: cn.c, sql: query}, nil
}

func (cn *countingConn) Prepare(query string) (driver.Stmt, error) {
	return cn.PrepareContext(context.Background(), query)
}

func (cn *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := cn.outsideTx(ctx); err != nil {
		return nil, err
	}
	if k, err := cn.keptFor(ctx, query); err != nil {
		return nil, err
	} else if k != nil {
		return (&countingStmt{Stmt: k.ds, c: cn.c, kept: k, cn: cn}).ExecContext(ctx, args)
	}
	e, ok := cn.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares it instead, and counts it there
	}
	res, err := e.ExecContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		cn.c.statement(query)
	}
	return res, err
}

func (cn *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := cn.outsideTx(ctx); err != nil {
		return nil, err
	}
	if k, err := cn.keptFor(ctx, query); err != nil {
		return nil, err
	} else if k != nil {
		return (&countingStmt{Stmt: k.ds, c: cn.c, kept: k, cn: cn}).QueryContext(ctx, args)
	}
	q, ok := cn.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := q.QueryContext(ctx, query, args)
	if !errors.Is(err, driver.ErrSkip) {
		cn.c.statement(query)
	}
	return rows, err
}

func (cn *countingConn) Ping(ctx context.Context) error {
	if p, ok := cn.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (cn *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := cn.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (cn *countingConn) IsValid() bool {
	if v, ok := cn.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (cn *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := cn.Conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type countingStmt struct {
	driver.Stmt
	c    *sqlCounts
	sql  string        // the query, when kept is nil
	kept *keptStmt     // the connection keeps the statement: Close leaves it open
	cn   *countingConn // the connection, with kept
}

// busyCopy is, when the kept statement's rows are still open, a statement
// of its own for this run (SQLite runs a statement handle once at a time),
// which done closes; nil otherwise.
func (s *countingStmt) busyCopy(ctx context.Context) (*countingStmt, error) {
	if s.kept == nil || !s.kept.busy.Load() {
		return nil, nil
	}
	ds, err := s.cn.prepareRaw(ctx, s.kept.query)
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: ds, c: s.c, sql: s.kept.query}, nil
}

func (s *countingStmt) text() string {
	if s.kept != nil {
		return s.kept.query
	}
	return s.sql
}

// Close closes the statement unless its connection keeps it.
func (s *countingStmt) Close() error {
	if s.kept != nil {
		return nil
	}
	return s.Stmt.Close()
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if cp, err := s.busyCopy(ctx); err != nil {
		return nil, err
	} else if cp != nil {
		defer cp.Stmt.Close()
		return cp.ExecContext(ctx, args)
	}
	s.c.statement(s.text())
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	vals, err := plainValues(args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the fallback database/sql itself uses for such drivers
	return s.Stmt.Exec(vals)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if cp, err := s.busyCopy(ctx); err != nil {
		return nil, err
	} else if cp != nil {
		rows, err := cp.QueryContext(ctx, args)
		if err != nil {
			cp.Stmt.Close()
			return nil, err
		}
		return &closingRows{Rows: rows, st: cp.Stmt}, nil
	}
	s.c.statement(s.text())
	if s.kept != nil {
		rows, err := s.query(ctx, args)
		if err != nil {
			return nil, err
		}
		s.kept.busy.Store(true)
		return &keptRows{Rows: rows, k: s.kept}, nil
	}
	return s.query(ctx, args)
}

func (s *countingStmt) query(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	vals, err := plainValues(args)
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 the fallback database/sql itself uses for such drivers
	return s.Stmt.Query(vals)
}

// keptRows frees its kept statement for the next run when closed.
type keptRows struct {
	driver.Rows
	k *keptStmt
}

func (r *keptRows) Close() error {
	err := r.Rows.Close()
	r.k.busy.Store(false)
	return err
}

// closingRows closes their own statement when closed.
type closingRows struct {
	driver.Rows
	st driver.Stmt
}

func (r *closingRows) Close() error {
	err := r.Rows.Close()
	if cerr := r.st.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *countingStmt) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := s.Stmt.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func plainValues(args []driver.NamedValue) ([]driver.Value, error) {
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, fmt.Errorf("store: driver does not support the named parameter %s", a.Name)
		}
		vals[i] = a.Value
	}
	return vals, nil
}
