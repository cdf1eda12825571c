package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/vault"
)

// systemOwner owns the system secret from which the blind-index, audit and
// inbox keys are derived. Being a data key, it is re-wrapped on rotation, so
// derived keys (and so blind indexes) survive a master-key rotation.
const systemOwner = "system"

// Master-key states.
const (
	kekActive   = "active"
	kekPending  = "pending"  // the new key of an unfinished rotation
	kekRetiring = "retiring" // the old key of an unfinished rotation
	kekRetired  = "retired"
)

// Errors about the master key.
var (
	ErrWrongMasterKey = errors.New("store: the master key does not match this database (key check value mismatch); refusing to start without touching data")
	ErrRetiredKey     = errors.New("store: this master key was retired by a rotation; configure the current master key")
	ErrRotationOpen   = errors.New("store: a master-key rotation is unfinished; run `trement keys rotate` again with the same new key to finish it")
)

type kekRow struct {
	version uint32
	kcv     []byte
	state   string
}

func (t *Tx) masterKeys() ([]kekRow, error) {
	rows, err := t.query("SELECT version, check_value, state FROM master_keys ORDER BY version")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kekRow
	for rows.Next() {
		var r kekRow
		if err := rows.Scan(&r.version, &r.kcv, &r.state); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// unlock checks the master key against the stored check values, registers
// it on a new database, and loads (or creates) the system secret.
func (db *DB) unlock(ctx context.Context, mk *vault.MasterKey, rotating bool) error {
	return db.Update(ctx, func(t *Tx) error {
		keks, err := t.masterKeys()
		if err != nil {
			return fmt.Errorf("store: read master keys: %w", err)
		}
		var mine *kekRow
		for i := range keks {
			if mk.Matches(keks[i].kcv) {
				mine = &keks[i]
			}
		}
		switch {
		case len(keks) == 0:
			if _, err := t.exec("INSERT INTO master_keys (version, check_value, state, created_at) VALUES (1, ?, ?, ?)", mk.CheckValue(), kekActive, ms(t.Now)); err != nil {
				return fmt.Errorf("store: register master key: %w", err)
			}
			mine = &kekRow{version: 1, state: kekActive}
		case mine == nil:
			return ErrWrongMasterKey
		case mine.state == kekRetired:
			return ErrRetiredKey
		case (mine.state == kekRetiring || mine.state == kekPending) && !rotating:
			return ErrRotationOpen
		}
		db.keyring = vault.NewKeyring(mine.version, mk)
		db.kekState = mine.state

		wrapped, err := t.dataKey(systemOwner)
		switch {
		case errors.Is(err, conversation.ErrNotFound):
			if mine.state != kekActive {
				return ErrRotationOpen
			}
			root := vault.RandomKey()
			if err := t.putDataKey(systemOwner, db.keyring.Wrap(systemOwner, root)); err != nil {
				return fmt.Errorf("store: create system secret: %w", err)
			}
			db.setSystemKey(root)
			return nil
		case err != nil:
			return fmt.Errorf("store: read system secret: %w", err)
		}
		root, err := db.keyring.Unwrap(systemOwner, wrapped)
		if err != nil {
			if errors.Is(err, vault.ErrUnknownVersion) {
				return ErrRotationOpen
			}
			return fmt.Errorf("store: unwrap system secret: %w", err)
		}
		db.setSystemKey(root)
		return nil
	})
}

func (db *DB) setSystemKey(root []byte) {
	db.systemKey = root
	db.index = vault.NewIndexer(vault.Derive(root, "blind-index/v1"))
	db.auditKey = vault.Derive(root, "audit/v1")
	c, err := vault.NewCipher("system:inbox", vault.Derive(root, "inbox/v1"))
	if err != nil {
		panic(err)
	}
	db.inboxSeal = c
}

// Index returns the blind indexer (for looking up contacts by number).
func (db *DB) Index() *vault.Indexer { return db.index }

// DeriveKey returns a key derived from the system secret for purpose, for
// packages (audit, sessions) that need a stable secret of their own.
func (db *DB) DeriveKey(purpose string) []byte { return vault.Derive(db.systemKey, purpose) }

// MasterKeyVersion returns the version of the master key in use.
func (db *DB) MasterKeyVersion() uint32 { return db.keyring.Current() }

func (t *Tx) dataKey(owner string) ([]byte, error) {
	var w []byte
	err := t.queryRow("SELECT wrapped FROM data_keys WHERE owner_id = ?", owner).Scan(&w)
	return w, notFound(err)
}

func (t *Tx) putDataKey(owner string, wrapped []byte) error {
	v, err := vault.WrappedVersion(wrapped)
	if err != nil {
		return err
	}
	_, err = t.exec("INSERT INTO data_keys (owner_id, kek_version, wrapped, created_at) VALUES (?, ?, ?, ?)", owner, v, wrapped, ms(t.Now))
	return err
}

// newOwnerKey creates and stores a data key for owner and returns its cipher.
func (t *Tx) newOwnerKey(owner string) (*vault.Cipher, error) {
	dek := vault.RandomKey()
	if err := t.putDataKey(owner, t.db.keyring.Wrap(owner, dek)); err != nil {
		return nil, fmt.Errorf("store: create data key: %w", err)
	}
	c, err := vault.NewCipher(owner, dek)
	if err != nil {
		return nil, err
	}
	t.db.keys.putIf(owner, c, t.keyGen)
	return c, nil
}

// cipherFor returns the field cipher of owner, from the cache or by
// unwrapping its data key. ErrErased if the key was destroyed.
func (t *Tx) cipherFor(owner string) (*vault.Cipher, error) {
	if t.blocked != nil && t.blocked.Owner() == owner {
		return t.blocked, nil
	}
	if c := t.db.keys.get(owner); c != nil {
		return c, nil
	}
	if isSystemOwner(owner) {
		c := t.db.systemCipher(owner)
		t.db.keys.put(owner, c)
		return c, nil
	}
	w, err := t.dataKey(owner)
	if errors.Is(err, conversation.ErrNotFound) {
		return nil, ErrErased
	}
	if err != nil {
		return nil, fmt.Errorf("store: read data key: %w", err)
	}
	dek, err := t.db.keyring.Unwrap(owner, w)
	if err != nil {
		return nil, fmt.Errorf("store: unwrap data key: %w", err)
	}
	c, err := vault.NewCipher(owner, dek)
	if err != nil {
		return nil, err
	}
	t.db.keys.putIf(owner, c, t.keyGen)
	return c, nil
}

// DestroyDataKey crypto-shreds owner: it deletes the data key, so every
// field sealed under it in this database stops opening, and its backup key,
// so neither does any `trement backup` taken before (other copies still
// hold it: the erasure journal erases them again on restore).
func (t *Tx) DestroyDataKey(owner string) error {
	if err := t.destroyKey(owner); err != nil {
		return err
	}
	// Forgotten before the commit: if the commit fails, an erasure is
	// done again from the journal, and other keys are not worth keeping.
	return t.db.backupKeys.forget(t.ctx, owner)
}

// destroyKey deletes owner's data key from this database only (blocking
// keeps a copy in blocked_keys, and backups keep theirs).
func (t *Tx) destroyKey(owner string) error {
	if owner == systemOwner {
		return errors.New("store: refusing to destroy the system secret")
	}
	if _, err := t.exec("DELETE FROM data_keys WHERE owner_id = ?", owner); err != nil {
		return fmt.Errorf("store: destroy data key: %w", err)
	}
	t.promise = true // an erasure is durable once done (durability.go)
	t.db.keys.drop(owner)
	t.afterCommit(func() { t.db.keys.drop(owner) })
	return nil
}

// keyCache keeps unwrapped data keys of recently active contacts, so the
// hot path does one AES-GCM open per field rather than one unwrap too.
// Bounded; when full, an arbitrary half is dropped.
//
// A reader whose snapshot predates an erasure could read the destroyed key
// and cache it after the erasure dropped it, so a later read would still
// open the erased customer's ciphertext. Every drop moves gen on (at the
// destroying statement and again after its commit), and a transaction
// caches a key only if no drop happened since it began.
type keyCache struct {
	mu  sync.Mutex
	m   map[string]*vault.Cipher
	gen uint64
}

// generation is the number of drops so far.
func (k *keyCache) generation() uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.gen
}

// putIf caches c unless a key was dropped since generation gen.
func (k *keyCache) putIf(owner string, c *vault.Cipher, gen uint64) {
	k.mu.Lock()
	stale := k.gen != gen
	k.mu.Unlock()
	if !stale {
		k.put(owner, c)
	}
}

const keyCacheMax = 50000

func (k *keyCache) get(owner string) *vault.Cipher {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.m[owner]
}

func (k *keyCache) put(owner string, c *vault.Cipher) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = make(map[string]*vault.Cipher)
	}
	if len(k.m) >= keyCacheMax {
		n := 0
		for o := range k.m {
			delete(k.m, o)
			if n++; n >= keyCacheMax/2 {
				break
			}
		}
	}
	k.m[owner] = c
}

func (k *keyCache) drop(owner string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, owner)
	k.gen++
}

func (k *keyCache) clear() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m = nil
}

// Rotation re-wraps every data key under a new master key. It is resumable:
// the new key is recorded as pending and the old as retiring before any key
// is touched, each batch commits on its own, and running it again with the
// same new key continues where it stopped.
type Rotation struct {
	db         *DB
	from, to   uint32
	Total      int
	AlreadyRun bool // the new key was already active: nothing to do
}

// BeginRotation starts (or resumes) a rotation to newKey. The DB must have
// been opened with Options.Rotating and the current (old) key.
func (db *DB) BeginRotation(ctx context.Context, newKey *vault.MasterKey) (*Rotation, error) {
	r := &Rotation{db: db, from: db.keyring.Current()}
	err := db.Update(ctx, func(t *Tx) error {
		keks, err := t.masterKeys()
		if err != nil {
			return err
		}
		var max uint32
		var target *kekRow
		for i := range keks {
			max = keks[i].version
			if newKey.Matches(keks[i].kcv) {
				target = &keks[i]
			}
		}
		switch {
		case target != nil && target.version == r.from:
			return errors.New("the new master key is the current one")
		case target == nil:
			r.to = max + 1
			if _, err := t.exec("INSERT INTO master_keys (version, check_value, state, created_at) VALUES (?, ?, ?, ?)", r.to, newKey.CheckValue(), kekPending, ms(t.Now)); err != nil {
				return err
			}
			if _, err := t.exec("UPDATE master_keys SET state = ? WHERE version = ?", kekRetiring, r.from); err != nil {
				return err
			}
		case target.state == kekPending:
			r.to = target.version
		default:
			return fmt.Errorf("store: the new master key is already version %d (%s)", target.version, target.state)
		}
		return t.queryRow("SELECT (SELECT COUNT(*) FROM data_keys WHERE kek_version <> ?) + (SELECT COUNT(*) FROM blocked_keys WHERE kek_version <> ?)", r.to, r.to).Scan(&r.Total)
	})
	if err != nil {
		return nil, fmt.Errorf("store: begin rotation: %w", err)
	}
	db.keyring.Add(r.to, newKey)
	return r, nil
}

// Step re-wraps up to n data keys (those of blocked customers too) in one
// transaction and returns how many it did; zero means none remain.
func (r *Rotation) Step(ctx context.Context, n int) (int, error) {
	done := 0
	err := r.db.Update(ctx, func(t *Tx) error {
		done = 0
		for _, table := range []string{"data_keys", "blocked_keys"} {
			if done >= n {
				break
			}
			rows, err := t.query("SELECT owner_id, wrapped FROM "+table+" WHERE kek_version <> ? ORDER BY owner_id LIMIT ?", r.to, n-done)
			if err != nil {
				return err
			}
			type dk struct {
				owner string
				w     []byte
			}
			var batch []dk
			for rows.Next() {
				var d dk
				if err := rows.Scan(&d.owner, &d.w); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, d)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, d := range batch {
				dek, err := r.db.keyring.Unwrap(d.owner, d.w)
				if err != nil {
					return fmt.Errorf("unwrap %s: %w", d.owner, err)
				}
				nw := r.db.keyring.WrapWith(r.to, d.owner, dek)
				if _, err := t.exec("UPDATE "+table+" SET kek_version = ?, wrapped = ? WHERE owner_id = ?", r.to, nw, d.owner); err != nil {
					return err
				}
			}
			done += len(batch)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: rotation step: %w", err)
	}
	return done, nil
}

// Finish retires the old key and makes the new one active. It fails if any
// data key is still wrapped under another version.
func (r *Rotation) Finish(ctx context.Context) error {
	err := r.db.Update(ctx, func(t *Tx) error {
		var left int
		if err := t.queryRow("SELECT (SELECT COUNT(*) FROM data_keys WHERE kek_version <> ?) + (SELECT COUNT(*) FROM blocked_keys WHERE kek_version <> ?)", r.to, r.to).Scan(&left); err != nil {
			return err
		}
		if left > 0 {
			return fmt.Errorf("%d data keys are not re-wrapped yet", left)
		}
		if _, err := t.exec("UPDATE master_keys SET state = ?, retired_at = ? WHERE version <> ? AND state <> ?", kekRetired, ms(t.Now), r.to, kekRetired); err != nil {
			return err
		}
		_, err := t.exec("UPDATE master_keys SET state = ? WHERE version = ?", kekActive, r.to)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish rotation: %w", err)
	}
	r.db.keyring = vault.NewKeyring(r.to, r.db.keyring.Key(r.to))
	r.db.keys.clear()
	return nil
}

// systemCipher seals rows that belong to no live contact (such as the
// confirmation to a customer whose key was just destroyed) under a key
// derived from the system secret.
func (db *DB) systemCipher(owner string) *vault.Cipher {
	c, err := vault.NewCipher(owner, vault.Derive(db.systemKey, "system-rows/v1"))
	if err != nil {
		panic(err)
	}
	return c
}

func isSystemOwner(owner string) bool { return strings.HasPrefix(owner, "system:") }
