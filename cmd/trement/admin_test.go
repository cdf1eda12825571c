package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

// cliEnv runs trement subcommands in-process against one database.
type cliEnv struct {
	t    *testing.T
	url  string
	dir  string
	key  string
	vars map[string]string
}

func newCLIEnv(t *testing.T, url string) *cliEnv {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700) // as trement makes it; serve refuses a folder others can read
	return &cliEnv{t: t, url: url, dir: dir, key: vault.GenerateKey(), vars: map[string]string{}}
}

// run runs `trement args… -database-url … -data-dir …` with stdin and
// returns stdout, stderr and the error.
func (c *cliEnv) run(stdin string, args ...string) (string, string, error) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	env := c.env(stdin, &out, &errOut)
	args = append(args, "-database-url", c.url, "-data-dir", c.dir, "-log-level", "error")
	err := run(context.Background(), args, env)
	return out.String(), errOut.String(), err
}

// env is the environment commands run in: the master key and c.vars.
func (c *cliEnv) env(stdin string, stdout, stderr io.Writer) *Env {
	return &Env{
		Getenv: func(k string) string {
			if k == "TREMENT_MASTER_KEY" {
				return c.key
			}
			return c.vars[k]
		},
		Stdin: strings.NewReader(stdin), Stdout: stdout, Stderr: stderr,
	}
}

// appendLogins appends n sign-in events to the log behind c.
func (c *cliEnv) appendLogins(n int) {
	c.t.Helper()
	db := c.open()
	defer db.Close()
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		for range n {
			if err := tx.AppendAudit(&audit.Event{ActorType: audit.ActorOperator, ActorID: "op-1", Action: audit.ActionLogin, Outcome: audit.Success}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		c.t.Fatal(err)
	}
}

// open opens the database the commands use.
func (c *cliEnv) open() *store.DB {
	c.t.Helper()
	k, err := vault.ParseMasterKey(c.key)
	if err != nil {
		c.t.Fatal(err)
	}
	db, err := store.Open(context.Background(), store.Options{URL: c.url, MasterKey: k})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	return db
}

func TestAdminCreateOwner(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url, _ := b.New(t)
			c := newCLIEnv(t, url)
			if _, _, err := c.run("", "admin", "create-owner"); err == nil || !strings.Contains(err.Error(), "-username is required") {
				t.Errorf("create-owner without -username = %v", err)
			}
			if _, _, err := c.run("", "admin", "create-owner", "-username", "ana", "-password", "a long enough password"); err == nil || !strings.Contains(err.Error(), "never taken as flags") {
				t.Errorf("create-owner -password = %v, want refused", err)
			}
			if _, _, err := c.run("short\n", "admin", "create-owner", "-username", "ana"); err == nil || !strings.Contains(err.Error(), "at least 12 characters") {
				t.Errorf("create-owner with a weak password = %v, want refused", err)
			}
			// From stdin.
			out, errOut, err := c.run("a long and unusual passphrase\n", "admin", "create-owner", "-username", "Ana")
			if err != nil {
				t.Fatalf("create-owner: %v (%s)", err, errOut)
			}
			if !strings.Contains(out, `Created owner "ana"`) || !strings.Contains(out, "TOTP enrolment is required at first sign-in") {
				t.Errorf("create-owner said %q, want the owner named and TOTP enrolment announced", out)
			}
			if !strings.Contains(errOut, "Password for Ana") || strings.Contains(out+errOut, "unusual passphrase") {
				t.Errorf("create-owner prompted %q; the password must not be echoed back", errOut)
			}
			// A second owner is refused, from the environment too.
			c.vars[ownerPasswordEnv] = "another long passphrase"
			if _, _, err := c.run("", "admin", "create-owner", "-username", "bea"); err == nil || !strings.Contains(err.Error(), "an owner already exists") {
				t.Errorf("second create-owner = %v, want refused", err)
			}
			db := c.open()
			var ops []*auth.Operator
			err = db.View(context.Background(), func(tx *store.Tx) error {
				var err error
				ops, err = tx.Operators()
				return err
			})
			if err != nil || len(ops) != 1 || ops[0].Role != auth.RoleOwner || ops[0].MFAEnrolled || !strings.HasPrefix(ops[0].PasswordHash, "$argon2id$v=19$m=65536,t=3,p=2$") {
				t.Errorf("operators = %+v, %v; want one un-enrolled owner with an argon2id hash", ops, err)
			}
			rep, err := audit.Verify(context.Background(), db, db.DeriveKey(audit.CheckpointKeyPurpose))
			if err != nil || rep.Break != nil || rep.Events != 1 {
				t.Errorf("audit after create-owner = %+v, %v; want one intact event", rep, err)
			}
		})
	}
}

func TestSplitCommandFlags(t *testing.T) {
	own, rest := splitCommandFlags([]string{"-username", "ana", "-database-url", "sqlite:x", "--after=5", "-dev", "-action", "pii.reveal"}, "username", "after", "action")
	if strings.Join(own, " ") != "-username ana --after=5 -action pii.reveal" || strings.Join(rest, " ") != "-database-url sqlite:x -dev" {
		t.Errorf("splitCommandFlags = %q, %q", own, rest)
	}
}
