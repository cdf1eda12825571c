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
const backupMagic = "TREMENT-BACKUP v1\n"

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
	w.WriteString(backupMagic)
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
	fmt.Fprintf(env.Stdout, "backup %s written to %s (%d bytes of database, sealed; opens only with master key version %d)\n", h.ID, *out, written, h.KEKVersion)
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
	f, err := os.Open(*in)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	magic := make([]byte, len(backupMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != backupMagic {
		return errors.New("restore: not a trement backup file")
	}
	line, err := r.ReadBytes('\n')
	if err != nil {
		return errors.New("restore: the backup header is cut off")
	}
	var h backupHeader
	if err := json.Unmarshal(line, &h); err != nil {
		return fmt.Errorf("restore: backup header: %w", err)
	}
	if !mk.Matches(h.KEKCheck) {
		return fmt.Errorf("restore: the backup was taken under another master key (version %d); configure that key", h.KEKVersion)
	}
	key, err := vault.NewKeyring(h.KEKVersion, mk).Unwrap("backup:"+h.ID, h.WrappedKey)
	if err != nil {
		return fmt.Errorf("restore: backup key: %w", err)
	}
	c, err := vault.NewCipher("backup:"+h.ID, key)
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
	st, _ := f.Stat()
	var read int64
	for i := 0; ; i++ {
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			out.Close()
			return errors.New("restore: the backup is cut off (no last chunk)")
		}
		sealed := make([]byte, binary.BigEndian.Uint32(l[:]))
		if _, err := io.ReadFull(r, sealed); err != nil {
			out.Close()
			return errors.New("restore: the backup is cut off mid-chunk")
		}
		read += int64(4 + len(sealed))
		last := false
		p, err := c.Open(backupLoc(h.ID, i, false), sealed)
		if err != nil {
			if p, err = c.Open(backupLoc(h.ID, i, true), sealed); err != nil {
				out.Close()
				return fmt.Errorf("restore: chunk %d does not authenticate (damaged or tampered backup)", i)
			}
			last = true
		}
		if _, err := out.Write(p); err != nil {
			out.Close()
			return fmt.Errorf("restore: %w", err)
		}
		progressBytes(env.Stderr, read, st.Size())
		if last {
			break
		}
	}
	fmt.Fprintln(env.Stderr)
	if err := out.Sync(); err != nil {
		out.Close()
		return fmt.Errorf("restore: %w", err)
	}
	out.Close()
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
	fmt.Fprintf(env.Stdout, "restored backup %s taken %s; %d customers erased since were erased again from the journal\n",
		h.ID, h.CreatedAt.Format(time.RFC3339), db.Replayed())
	return nil
}
