package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/retention"
	"github.com/trement/trement/internal/store"
)

func init() {
	register("retention", "retention: run [-dry-run] purges what is past its period now, with counts and a progress bar", cmdRetention)
}

// newPurger builds the retention purger from RETENTION_DAYS and the
// policy file's per-region periods and blocking periods.
func newPurger(cfg *config.Config, pol *policy.Engine, db *store.DB, log *slog.Logger) (*retention.Purger, error) {
	rules := retention.Rules{Default: time.Duration(cfg.RetentionDays) * 24 * time.Hour, Regions: map[string]time.Duration{}, Block: map[string]time.Duration{},
		Audit: time.Duration(cfg.AuditRetentionDays) * 24 * time.Hour}
	for r, d := range pol.RetentionOverrides() {
		rules.Regions[string(r)] = d
	}
	for _, r := range policy.Regions() {
		if d := pol.BlockPeriod(r); d > 0 {
			rules.Block[string(r)] = d
		}
	}
	return retention.New(store.Retention(db), rules, nil, log)
}

func cmdRetention(ctx context.Context, env *Env, args []string) error {
	_, args, err := subcommand(args, "run")
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	var dry bool
	var cfgArgs []string
	for _, a := range args {
		switch strings.TrimLeft(a, "-") {
		case "dry-run", "dry-run=true":
			dry = true
		case "dry-run=false":
		default:
			cfgArgs = append(cfgArgs, a)
		}
	}
	cfg, _, err := config.Load(cfgArgs, env.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	pol, err := newPolicy(cfg)
	if err != nil {
		return err
	}
	db, _, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := newPurger(cfg, pol, db, log)
	if err != nil {
		return err
	}
	plan, err := p.Plan(ctx)
	if err != nil {
		return err
	}
	if dry {
		fmt.Fprintf(env.Stdout, "dry run: a pass now would remove %s\n", plan)
		return nil
	}
	done, err := p.Run(ctx, func(c retention.Counts) { progressRows(env.Stderr, c.Total(), plan.Total()) })
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "removed %s\n", done)
	return nil
}

func progressRows(w io.Writer, done, total int64) {
	const width = 30
	if total <= 0 {
		total, done = 1, 1
	}
	fill := int(width * min(done, total) / total)
	fmt.Fprintf(w, "\r[%s%s] %d/%d rows", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total)
}
