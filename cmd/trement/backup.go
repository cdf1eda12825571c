package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/vault"
)

func init() {
	register("backup", "write an encrypted, consistent snapshot of the SQLite database while trement runs (-o FILE)", cmdBackup)
	register("restore", "restore a `trement backup` file (-i FILE); erasures made since are applied again from the journal", cmdRestore)
}

// A backup file is the magic line, one JSON header line, then the
// snapshot in sealed chunks: a 4-byte big-endian length and the chunk
// sealed (vault field format) under the backup's own random key, with
// additional data naming the backup and the chunk's index, the last chunk
// marked as such, so chunks cannot be reordered, dropped or cut off. The
// backup key is wrapped under the master key, so the file opens with the
// master key it was taken under and nothing else.
//
// Version 2 files hold a snapshot whose data keys are sealed once more
// under per-customer backup keys kept outside it (TREMENT_BACKUP_KEYS, see
// store.UnsealSnapshotKeys): they restore only with that file, and an
// erasure made after the backup destroys the customer's key in it. A
// version 1 file (no backup keys) restores as before.
const (
	backupMagic   = "TREMENT-BACKUP v1\n"
	backupMagicV2 = "TREMENT-BACKUP v2\n"
)

const backupChunk = 1 << 20

type backupHeader struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	KEKVersion uint32    `json:"kek_version"`
	KEKCheck   []byte    `json:"kek_check"`
	WrappedKey []byte    `json:"wrapped_key"`
}

func backupLoc(id string, i int, last bool) vault.Loc {
	row := strconv.Itoa(i)
	if last {
		row += ":last"
	}
	return vault.Loc{Table: "backup", Column: id, Row: row}
}

func cmdBackup(ctx context.Context, env *Env, args []string) error {
	own, cfgArgs := splitCommandFlags(args, "o")
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	out := fs.String("o", "", "the backup file to write (created 0600; refused if it exists) (required)")
	if err := fs.Parse(own); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: -o FILE is required")
	}
	cfg, _, err := config.Load(cfgArgs, env.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	mk, _, err := loadMasterKey(cfg, log)
	if err != nil {
		return err
	}
	db, _, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	done := false
	defer func() {
		f.Close()
		if !done {
			os.Remove(*out)
		}
	}()
	// The snapshot is staged beside the output; its fields are sealed
	// already, and it is removed as soon as it is sealed.
	stage := filepath.Join(filepath.Dir(*out), "."+filepath.Base(*out)+".snapshot")
	os.Remove(stage)
	if err := db.Snapshot(ctx, stage); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(stage)
	os.Chmod(stage, 0o600)
	h := backupHeader{ID: store.NewID(), CreatedAt: time.Now().UTC(), KEKVersion: db.MasterKeyVersion(), KEKCheck: mk.CheckValue()}
	key := vault.RandomKey()
	h.WrappedKey = vault.NewKeyring(h.KEKVersion, mk).Wrap("backup:"+h.ID, key)
	c, err := vault.NewCipher("backup:"+h.ID, key)
	if err != nil {
		return err
	}
	src, err := os.Open(stage)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	st, _ := src.Stat()
	w := bufio.NewWriter(f)
	hb, _ := json.Marshal(h)
	if db.BackupKeysSealed() {
		w.WriteString(backupMagicV2)
	} else {
		w.WriteString(backupMagic)
	}
	w.Write(append(hb, '\n'))
	buf, next := make([]byte, backupChunk), make([]byte, backupChunk)
	n, err := io.ReadFull(src, buf)
	var written int64
	for i := 0; ; i++ {
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return fmt.Errorf("backup: read snapshot: %w", err)
		}
		m, nerr := 0, io.EOF
		if err == nil {
			m, nerr = io.ReadFull(src, next)
		}
		last := m == 0
		sealed := c.Seal(backupLoc(h.ID, i, last), buf[:n])
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(sealed)))
		w.Write(l[:])
		if _, werr := w.Write(sealed); werr != nil {
			return fmt.Errorf("backup: %w", werr)
		}
		written += int64(n)
		progressBytes(env.Stderr, written, st.Size())
		if last {
			break
		}
		buf, next, n, err = next, buf, m, nerr
	}
	fmt.Fprintln(env.Stderr)
	if err := w.Flush(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	done = true
	keysNote := ""
	if db.BackupKeysSealed() {
		keysNote = " and the backup key file " + cfg.BackupKeys
	}
	fmt.Fprintf(env.Stdout, "backup %s written to %s (%d bytes of database, sealed; opens only with master key version %d%s)\n", h.ID, *out, written, h.KEKVersion, keysNote)
	return nil
}

func progressBytes(w io.Writer, done, total int64) {
	const width = 30
	if total <= 0 {
		total, done = 1, 1
	}
	fill := int(width * min(done, total) / total)
	fmt.Fprintf(w, "\r[%s%s] %d/%d bytes", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total)
}

func cmdRestore(ctx context.Context, env *Env, args []string) error {
	own, cfgArgs := splitCommandFlags(args, "i")
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	in := fs.String("i", "", "the `trement backup` file to restore (required); stop trement first: the database is replaced")
	if err := fs.Parse(own); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("restore: -i FILE is required")
	}
	cfg, _, err := config.Load(cfgArgs, env.Getenv)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(cfg.DatabaseURL, "sqlite:") {
		return errors.New("restore: only SQLite databases are restored by trement restore; restore PostgreSQL with its own tools (erasures are re-applied from the journal when trement starts)")
	}
	dbPath := strings.TrimPrefix(cfg.DatabaseURL, "sqlite:")
	log := newLogger(cfg, env.Stderr)
	mk, _, err := loadMasterKey(cfg, log)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	stage := dbPath + ".restoring"
	os.Remove(stage)
	out, err := os.OpenFile(stage, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(stage)
	h, v2, err := decryptBackup(*in, mk, out, func(read, total int64) { progressBytes(env.Stderr, read, total) })
	if err != nil {
		out.Close()
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintln(env.Stderr)
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("restore: %w", err)
	}
	out.Close()
	// Customers erased since the backup have no backup key any more: their
	// data keys are dropped here, before the snapshot is in place.
	dropped, err := store.UnsealSnapshotKeys(ctx, stage, mk, h.KEKVersion, cfg.BackupKeys)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if !v2 {
		log.Warn("restore: this backup predates backup keys: its data keys were wrapped by the master key alone")
	}
	if err := store.Install(ctx, stage, dbPath); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// Opening replays the erasure journal: customers erased since the
	// backup are erased again, and the files scrubbed, before anything
	// reads them.
	db, _, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return fmt.Errorf("restore: open the restored database: %w", err)
	}
	defer db.Close()
	if err := db.Scrub(ctx); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(env.Stdout, "restored backup %s taken %s; %d data keys had no backup key (destroyed by an erasure since); %d customers erased since were erased again from the journal\n",
		h.ID, h.CreatedAt.Format(time.RFC3339), dropped, db.Replayed())
	return nil
}

// decryptBackup checks the backup file at path and writes the snapshot it
// holds to out, reporting progress; v2 says its data keys are sealed under
// backup keys. A file cut off, reordered or changed anywhere is refused.
func decryptBackup(path string, mk *vault.MasterKey, out io.Writer, progress func(read, total int64)) (h backupHeader, v2 bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return h, false, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	magic := make([]byte, len(backupMagic))
	if _, err := io.ReadFull(r, magic); err != nil || (string(magic) != backupMagic && string(magic) != backupMagicV2) {
		return h, false, errors.New("not a trement backup file")
	}
	v2 = string(magic) == backupMagicV2
	line, err := r.ReadBytes('\n')
	if err != nil {
		return h, v2, errors.New("the backup header is cut off")
	}
	if err := json.Unmarshal(line, &h); err != nil {
		return h, v2, fmt.Errorf("backup header: %w", err)
	}
	if !mk.Matches(h.KEKCheck) {
		return h, v2, fmt.Errorf("the backup was taken under another master key (version %d); configure that key", h.KEKVersion)
	}
	key, err := vault.NewKeyring(h.KEKVersion, mk).Unwrap("backup:"+h.ID, h.WrappedKey)
	if err != nil {
		return h, v2, fmt.Errorf("backup key: %w", err)
	}
	c, err := vault.NewCipher("backup:"+h.ID, key)
	if err != nil {
		return h, v2, err
	}
	st, _ := f.Stat()
	var read int64
	for i := 0; ; i++ {
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return h, v2, errors.New("the backup is cut off (no last chunk)")
		}
		sealed := make([]byte, binary.BigEndian.Uint32(l[:]))
		if _, err := io.ReadFull(r, sealed); err != nil {
			return h, v2, errors.New("the backup is cut off mid-chunk")
		}
		read += int64(4 + len(sealed))
		last := false
		p, err := c.Open(backupLoc(h.ID, i, false), sealed)
		if err != nil {
			if p, err = c.Open(backupLoc(h.ID, i, true), sealed); err != nil {
				return h, v2, fmt.Errorf("chunk %d does not authenticate (damaged or tampered backup)", i)
			}
			last = true
		}
		if _, err := out.Write(p); err != nil {
			return h, v2, err
		}
		progress(read, st.Size())
		if last {
			return h, v2, nil
		}
	}
}
