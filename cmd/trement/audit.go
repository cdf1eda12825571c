package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/store"
)

func init() {
	register("audit", "the audit log: verify (fails naming the first broken link), export (JSON Lines), checkpoint", cmdAudit)
}

func cmdAudit(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(args, "verify", "export", "checkpoint")
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	own, cfgArgs := splitCommandFlags(rest, "after", "action", "actor", "since", "until", "anchor")
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	after := fs.Int64("after", 0, "export: only events after this sequence number")
	action := fs.String("action", "", "export: only this action, e.g. pii.reveal (the result is then not a chain)")
	actor := fs.String("actor", "", "export: only this actor id")
	since := fs.String("since", "", "export: only events at or after this RFC 3339 time")
	until := fs.String("until", "", "export: only events before this RFC 3339 time")
	anchorFile := fs.String("anchor", "", "verify: hold the log to this external anchor (default: TREMENT_AUDIT_ANCHOR_FILE)")
	if err := fs.Parse(own); err != nil {
		return err
	}
	f := audit.Filter{AfterSeq: *after, Action: *action, ActorID: *actor}
	for _, t := range []struct {
		flag, v string
		dst     *time.Time
	}{{"since", *since, &f.Since}, {"until", *until, &f.Until}} {
		if t.v == "" {
			continue
		}
		if *t.dst, err = time.Parse(time.RFC3339, t.v); err != nil {
			return fmt.Errorf("audit %s: -%s: %w", sub, t.flag, err)
		}
	}
	cfg, _, err := config.Load(cfgArgs, env.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	db, _, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer db.Close()

	switch sub {
	case "verify":
		return verifyAudit(ctx, env, cfg, db, *anchorFile)
	case "export":
		// Recorded before anything is written: an export that cannot be
		// audited does not happen.
		e := &audit.Event{ActorType: audit.ActorSystem, ActorID: "cli", Action: audit.ActionAuditExport, Target: "audit",
			Outcome: audit.Success, Reason: fmt.Sprintf("command-line export after seq %d", f.AfterSeq)}
		if err := db.Audit(ctx, e); err != nil {
			return fmt.Errorf("audit export: %w", err)
		}
		n, err := audit.Export(ctx, db, env.Stdout, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "exported %d audit events\n", n)
		return nil
	default:
		c, ok, err := db.AuditCheckpoint(ctx)
		if err != nil {
			return fmt.Errorf("audit checkpoint: %w", err)
		}
		if !ok {
			fmt.Fprintln(env.Stdout, "the audit log is empty: nothing to checkpoint")
			return nil
		}
		fmt.Fprintf(env.Stdout, "checkpoint sealed at seq %d (hash %x)\n", c.Seq, c.Hash)
		return nil
	}
}

// verifyAudit walks the chain, holds it to the external anchor (the -anchor
// file, else AUDIT_ANCHOR_FILE, if either exists) and checks that the
// append-only triggers are in place; any of them failing fails the command.
func verifyAudit(ctx context.Context, env *Env, cfg *config.Config, db *store.DB, anchorFile string) error {
	explicit := anchorFile != ""
	if !explicit {
		anchorFile = cfg.AuditAnchorFile
	}
	anchor, err := audit.LoadAnchor(anchorFile)
	if err != nil {
		return err
	}
	if anchor == nil && explicit {
		return fmt.Errorf("audit verify: -anchor %s: no such file", anchorFile)
	}
	rep, err := audit.VerifyAnchored(ctx, db, db.DeriveKey(audit.CheckpointKeyPurpose), anchor)
	if err != nil {
		return err
	}
	if rep.Break != nil {
		fmt.Fprintf(env.Stdout, "audit log BROKEN: read %d events; first broken link at seq %d (%s): %s\n", rep.Events, rep.Break.Seq, rep.Break.Kind, rep.Break.Reason)
		return rep.Break
	}
	missing, err := db.AuditGuardsMissing(ctx)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		fmt.Fprintf(env.Stdout, "audit log UNGUARDED: the append-only triggers %s are gone or disabled\n", strings.Join(missing, ", "))
		return fmt.Errorf("audit verify: append-only triggers missing: %s", strings.Join(missing, ", "))
	}
	anchored := "no external anchor"
	if anchor != nil {
		anchored = fmt.Sprintf("reaches its anchor at seq %d (%s)", anchor.Seq, anchorFile)
	}
	fmt.Fprintf(env.Stdout, "audit log intact: %d events (seq %d..%d), %d checkpoints, sealed head at seq %d, %s\n", rep.Events, rep.FloorSeq+1, rep.LastSeq, rep.Checkpoints, rep.HeadSeq, anchored)
	if rep.FloorSeq > 0 {
		fmt.Fprintf(env.Stdout, "events 1..%d were removed by the audit retention (AUDIT_RETENTION_DAYS) below a sealed floor\n", rep.FloorSeq)
	}
	return nil
}
