package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/config"
)

func init() {
	register("audit", "the audit log: verify (fails naming the first broken link), export (JSON Lines), checkpoint", cmdAudit)
}

func cmdAudit(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(args, "verify", "export", "checkpoint")
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	own, cfgArgs := splitCommandFlags(rest, "after", "action", "actor", "since", "until")
	fs := flag.NewFlagSet("audit "+sub, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	after := fs.Int64("after", 0, "export: only events after this sequence number")
	action := fs.String("action", "", "export: only this action, e.g. pii.reveal (the result is then not a chain)")
	actor := fs.String("actor", "", "export: only this actor id")
	since := fs.String("since", "", "export: only events at or after this RFC 3339 time")
	until := fs.String("until", "", "export: only events before this RFC 3339 time")
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
		rep, err := audit.Verify(ctx, db, db.DeriveKey(audit.CheckpointKeyPurpose))
		if err != nil {
			return err
		}
		if rep.Break != nil {
			fmt.Fprintf(env.Stdout, "audit log BROKEN: read %d events; first broken link at seq %d (%s): %s\n", rep.Events, rep.Break.Seq, rep.Break.Kind, rep.Break.Reason)
			return rep.Break
		}
		fmt.Fprintf(env.Stdout, "audit log intact: %d events (seq 1..%d), %d checkpoints, sealed head at seq %d\n", rep.Events, rep.LastSeq, rep.Checkpoints, rep.HeadSeq)
		return nil
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
