package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/training"
)

func init() {
	register("export", "data sets: training (redacted JSON Lines of opted-in, non-sensitive conversations, with a summary of what was left out)", cmdExport)
}

func cmdExport(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(args, "training")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	switch sub {
	default:
		return exportTraining(ctx, env, rest)
	}
}

// trainingSummary is what `export training` reports: the counts, plus what
// identifies the output.
type trainingSummary struct {
	training.Summary
	Since  string `json:"since,omitempty"`
	SHA256 string `json:"sha256"` // of the JSON Lines written
}

// exportTraining writes the training data set. Its output is staged in a
// file of its own (0600, in the data folder or beside -o) and released,
// renamed into place or copied to standard output, only once the audit
// record of the export, with its counts and the output's hash, is written:
// an export that cannot be audited does not happen.
func exportTraining(ctx context.Context, env *Env, args []string) error {
	// -h and -help are ours too, so they print this command's flags.
	own, cfgArgs := splitCommandFlags(args, "o", "since", "summary", "system-prompt", "h", "help")
	fs := flag.NewFlagSet("export training", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	outPath := fs.String("o", "", "write the JSON Lines to this new file (created 0600; refused if it exists) instead of standard output")
	sinceFlag := fs.String("since", "", "only conversations started on or after this date (2026-01-01, UTC) or RFC 3339 time")
	summaryPath := fs.String("summary", "", "write the summary (JSON) to this file instead of standard error")
	prompt := fs.String("system-prompt", "", "the system message of every example (default: an AI-assistant prompt naming BUSINESS_NAME)")
	if err := fs.Parse(own); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export training: unexpected argument %q", fs.Arg(0))
	}
	var since time.Time
	if *sinceFlag != "" {
		var err error
		if since, err = parseSince(*sinceFlag); err != nil {
			return fmt.Errorf("export training: -since: %w", err)
		}
	}
	cfg, _, err := config.Load(cfgArgs, env.Getenv)
	if err != nil {
		return err
	}
	if *prompt == "" {
		*prompt = training.SystemPrompt(cfg.BusinessName)
	}

	// Everything that can be refused is refused before any data is read.
	summaryOut := env.Stderr
	if *summaryPath != "" {
		f, err := os.OpenFile(*summaryPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err == nil {
			err = f.Chmod(0o600) // an existing file keeps its mode otherwise
		}
		if err != nil {
			return fmt.Errorf("export training: -summary: %w", err)
		}
		defer f.Close()
		summaryOut = f
	}
	stageDir, released := cfg.DataDir, false
	if *outPath != "" {
		// Reserve the name: O_EXCL refuses an existing file (whose mode
		// could be looser than 0600) and a second export racing for it.
		f, err := os.OpenFile(*outPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("export training: -o: %w", err)
		}
		f.Close()
		defer func() {
			if !released {
				os.Remove(*outPath)
			}
		}()
		stageDir = filepath.Dir(*outPath)
	} else if err := os.MkdirAll(stageDir, 0o700); err != nil {
		return fmt.Errorf("export training: create data folder: %w", err)
	}
	stage, err := os.CreateTemp(stageDir, ".trement-training-*.partial") // 0600
	if err != nil {
		return fmt.Errorf("export training: stage: %w", err)
	}
	defer func() {
		stage.Close()
		os.Remove(stage.Name()) // after a rename there is nothing left to remove
	}()

	hash := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(stage, hash), 1<<16)
	ex, err := training.NewExporter(bw, training.Options{SystemPrompt: *prompt, Redactor: newRedactor(cfg)})
	if err != nil {
		return fmt.Errorf("export training: %w", err)
	}

	log := newLogger(cfg, env.Stderr)
	db, _, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.EachConversation(ctx, store.ConversationScan{Since: since}, ex.Add); err != nil {
		return fmt.Errorf("export training: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export training: stage: %w", err)
	}
	if err := stage.Sync(); err != nil {
		return fmt.Errorf("export training: stage: %w", err)
	}
	sum := trainingSummary{Summary: ex.Summary(), Since: *sinceFlag, SHA256: hex.EncodeToString(hash.Sum(nil))}

	dest := "stdout"
	if *outPath != "" {
		dest = "file"
	}
	reason := fmt.Sprintf("%s; since %s; to %s; sha256 %s", sum.Summary, orAll(*sinceFlag), dest, sum.SHA256)
	e := &audit.Event{ActorType: audit.ActorSystem, ActorID: "cli", Action: audit.ActionExportTraining, Target: "training", Outcome: audit.Success, Reason: reason}
	if err := db.Audit(ctx, e); err != nil {
		return fmt.Errorf("export training: the export could not be audited, so nothing was exported: %w", err)
	}

	if err := releaseStage(stage, *outPath, env.Stdout); err != nil {
		// Audited as done, but not (wholly) delivered: say so too.
		db.Audit(context.WithoutCancel(ctx), &audit.Event{ActorType: audit.ActorSystem, ActorID: "cli", Action: audit.ActionExportTraining,
			Target: "training", Outcome: audit.Failure, Reason: fmt.Sprintf("delivering the export audited at seq %d failed: %v", e.Seq, err)})
		return fmt.Errorf("export training: %w", err)
	}
	released = true

	enc := json.NewEncoder(summaryOut)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sum); err != nil {
		return fmt.Errorf("export training: summary: %w", err)
	}
	return nil
}

// releaseStage renames the staged export to path, or copies it to stdout
// if path is empty.
func releaseStage(stage *os.File, path string, stdout io.Writer) error {
	if path != "" {
		return os.Rename(stage.Name(), path)
	}
	if _, err := stage.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(stdout, stage)
	return err
}

// parseSince reads a date (midnight UTC) or an RFC 3339 time.
func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errors.New("want a date such as 2026-01-01 or an RFC 3339 time")
	}
	return t, nil
}

func orAll(since string) string {
	if since == "" {
		return "the beginning"
	}
	return since
}
