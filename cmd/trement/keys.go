package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/vault"
)

func init() {
	register("keys", "manage the master key: generate, rotate", cmdKeys)
	register("config", "configuration: doc (Markdown reference), show (effective, secrets hidden), check", cmdConfig)
}

func cmdKeys(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(args, "generate", "rotate")
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	switch sub {
	case "generate":
		fmt.Fprintln(env.Stdout, vault.GenerateKey())
		return nil
	default:
		return keysRotate(ctx, env, rest)
	}
}

// keysRotate re-wraps every data key under a new master key. It opens the
// database with the current key, records the rotation before touching any
// key, and commits in batches, so an interrupted run is finished by running
// the same command again.
func keysRotate(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	newFile := fs.String("new-key-file", "", "file holding the new master key (required)")
	batch := fs.Int("batch", 500, "data keys re-wrapped per transaction")
	// The remaining flags are the usual configuration.
	var cfgArgs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-new-key-file") || strings.HasPrefix(a, "--new-key-file") || strings.HasPrefix(a, "-batch") || strings.HasPrefix(a, "--batch") {
			if !strings.Contains(a, "=") && i+1 < len(args) {
				if err := fs.Parse([]string{a, args[i+1]}); err != nil {
					return err
				}
				i++
				continue
			}
			if err := fs.Parse([]string{a}); err != nil {
				return err
			}
			continue
		}
		cfgArgs = append(cfgArgs, a)
	}
	if *newFile == "" {
		return errors.New("keys rotate: -new-key-file is required (create one with `trement keys generate > new.key`)")
	}
	if *batch < 1 {
		return errors.New("keys rotate: -batch must be at least 1")
	}
	b, err := os.ReadFile(*newFile)
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	newKey, err := vault.ParseMasterKey(string(b))
	if err != nil {
		return fmt.Errorf("keys rotate: %s: %w", *newFile, err)
	}
	cfg, _, err := config.Load(cfgArgs, env.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	db, _, err := openStore(ctx, cfg, log, true)
	if err != nil {
		return fmt.Errorf("keys rotate: %w", err)
	}
	defer db.Close()
	rot, err := db.BeginRotation(ctx, newKey)
	if err != nil {
		return err
	}
	done := 0
	for {
		n, err := rot.Step(ctx, *batch)
		if err != nil {
			fmt.Fprintln(env.Stderr)
			return fmt.Errorf("keys rotate: stopped after %d of %d data keys (run again to resume): %w", done, rot.Total, err)
		}
		done += n
		progress(env.Stderr, done, rot.Total)
		if n == 0 {
			break
		}
	}
	fmt.Fprintln(env.Stderr)
	if err := rot.Finish(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rotated %d data keys to master key version %d; configure the new key now: the old one no longer opens anything\n", done, db.MasterKeyVersion())
	return nil
}

func progress(w io.Writer, done, total int) {
	const width = 30
	if total == 0 {
		total = 1
		done = 1
	}
	if done > total {
		done = total
	}
	fill := width * done / total
	fmt.Fprintf(w, "\r[%s%s] %d/%d data keys", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total)
}

func cmdConfig(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(args, "doc", "show", "check")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if sub == "doc" {
		fmt.Fprint(env.Stdout, config.Markdown())
		return nil
	}
	cfg, _, err := config.Load(rest, env.Getenv)
	if err != nil {
		return err
	}
	if sub == "show" {
		for _, kv := range cfg.Redacted() {
			fmt.Fprintf(env.Stdout, "%s=%s\n", kv[0], kv[1])
		}
		return nil
	}
	fmt.Fprintln(env.Stdout, "configuration is valid")
	return nil
}
