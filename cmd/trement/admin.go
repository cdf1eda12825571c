package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/config"
)

func init() {
	register("admin", "operator accounts: create-owner (the first account, from the command line)", cmdAdmin)
}

// ownerPasswordEnv names the variable create-owner reads the password
// from; a flag would leave it in shell history and the process list.
const ownerPasswordEnv = "TREMENT_OWNER_PASSWORD"

func cmdAdmin(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(args, "create-owner")
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	switch sub {
	default:
		return adminCreateOwner(ctx, env, rest)
	}
}

// adminCreateOwner bootstraps the first owner. It refuses if an owner
// exists: every later account is made by an operator, signed in with MFA,
// and audited as theirs.
func adminCreateOwner(ctx context.Context, env *Env, args []string) error {
	own, cfgArgs := splitCommandFlags(args, "username", "password")
	fs := flag.NewFlagSet("admin create-owner", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	username := fs.String("username", "", "the owner's username (required)")
	pwFlag := fs.String("password", "", "refused: give the password through "+ownerPasswordEnv+" or stdin")
	if err := fs.Parse(own); err != nil {
		return err
	}
	if *pwFlag != "" {
		return fmt.Errorf("admin create-owner: passwords are never taken as flags (they end up in shell history); set %s or type it on stdin", ownerPasswordEnv)
	}
	if *username == "" {
		return errors.New("admin create-owner: -username is required")
	}
	cfg, _, err := config.Load(cfgArgs, env.Getenv)
	if err != nil {
		return err
	}
	password := env.Getenv(ownerPasswordEnv)
	if password == "" {
		fmt.Fprintf(env.Stderr, "Password for %s (at least %d characters), then Enter: ", *username, auth.MinPasswordLen)
		if password, err = adminReadLine(env.Stdin); err != nil {
			return fmt.Errorf("admin create-owner: read password: %w", err)
		}
		fmt.Fprintln(env.Stderr)
	}
	if err := auth.CheckPassword(password, auth.NormalizeUsername(*username)); err != nil {
		return fmt.Errorf("admin create-owner: %w", err)
	}
	log := newLogger(cfg, env.Stderr)
	db, _, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer db.Close()
	// The real clock: this is wiring, the domain takes it injected.
	svc, err := auth.NewService(auth.Config{Store: db.AuthStore(), Now: time.Now, Logger: log, Pseudonym: db.Index().Pseudonym})
	if err != nil {
		return err
	}
	op, err := svc.BootstrapOwner(ctx, auth.RequestInfo{RequestID: "cli"}, *username, password)
	if errors.Is(err, auth.ErrOwnerExists) {
		return errors.New("admin create-owner: an owner already exists; sign in as an owner to add operators in the console")
	}
	if err != nil {
		return fmt.Errorf("admin create-owner: %w", err)
	}
	where := "/login"
	if cfg.PublicURL != "" {
		where = strings.TrimSuffix(cfg.PublicURL, "/") + "/login"
	}
	fmt.Fprintf(env.Stdout, "Created owner %q (id %s).\n", op.Username, op.ID)
	fmt.Fprintf(env.Stdout, "TOTP enrolment is required at first sign-in: open %s, sign in, and scan the QR code with an authenticator app.\n", where)
	fmt.Fprintln(env.Stdout, "Keep the ten recovery codes it shows you somewhere safe; they are shown once.")
	return nil
}

// adminReadLine reads one line (without its line ending).
func adminReadLine(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("no standard input")
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// splitCommandFlags separates a subcommand's own flags (names) from the
// configuration flags that config.Load parses, accepting -name value,
// -name=value and the -- forms.
func splitCommandFlags(args []string, names ...string) (own, rest []string) {
	isOwn := map[string]bool{}
	for _, n := range names {
		isOwn[n] = true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		name, _, hasValue := strings.Cut(name, "=")
		if !strings.HasPrefix(a, "-") || !isOwn[name] {
			rest = append(rest, a)
			continue
		}
		own = append(own, a)
		if !hasValue && i+1 < len(args) {
			own = append(own, args[i+1])
			i++
		}
	}
	return own, rest
}
