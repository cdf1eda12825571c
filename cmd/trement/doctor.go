package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/doctor"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/store"
)

func init() {
	register("doctor", "score this deployment against the security checklist (pass/warn/fail, the fix; non-zero exit on failure)", cmdDoctor)
	register("ropa", "write the record of processing activities (GDPR Art. 30) from the live configuration", cmdRopa)
}

func cmdDoctor(ctx context.Context, env *Env, args []string) error {
	own, cfgArgs := splitCommandFlags(args, "json", "offline")
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	offline := fs.Bool("offline", false, "do not fetch the privacy notice")
	if err := fs.Parse(own); err != nil {
		return err
	}
	cfg, _, err := config.Load(cfgArgs, env.Getenv)
	if err != nil {
		return err
	}
	facts, closeDB, err := gatherFacts(ctx, cfg, env, !*offline)
	if err != nil {
		return err
	}
	defer closeDB()
	rep := doctor.Run(facts, time.Now())
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(env.Stdout, rep)
	}
	if !rep.OK() {
		return fmt.Errorf("doctor: %d of %d checks failed", rep.Failed, len(rep.Results))
	}
	return nil
}

func printReport(w io.Writer, rep doctor.Report) {
	fmt.Fprintf(w, "trement doctor, %s\n\n", rep.At.Format(time.RFC3339))
	for _, r := range rep.Results {
		label := map[doctor.Status]string{doctor.Pass: "PASS", doctor.Warn: "WARN", doctor.Fail: "FAIL", doctor.Skip: "SKIP"}[r.Status]
		fmt.Fprintf(w, "%-4s  %-17s %s\n      %s\n", label, r.ID, r.Title, r.Reason)
		if r.Fix != "" {
			fmt.Fprintf(w, "      fix: %s\n", r.Fix)
		}
	}
	fmt.Fprintf(w, "\nscore %d/100: %d passed, %d warnings, %d failed, %d not checked\n", rep.Score, rep.Passed, rep.Warned, rep.Failed, rep.Skipped)
}

// gatherFacts reads what doctor judges: the configuration, the database
// (operators, regions, audit chain, paused sends) and, when online, the
// privacy notice.
func gatherFacts(ctx context.Context, cfg *config.Config, env *Env, online bool) (*doctor.Facts, func(), error) {
	log := newLogger(cfg, io.Discard)
	pol, err := newPolicy(cfg)
	if err != nil {
		return nil, nil, err
	}
	db, dev, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return nil, nil, err
	}
	abs := *cfg
	abs.DataDir = absPath(cfg.DataDir)
	if cfg.MasterKeyFile != "" {
		abs.MasterKeyFile = absPath(cfg.MasterKeyFile)
	}
	f := &doctor.Facts{Config: &abs, Policy: pol, DevKey: dev, AnchorAge: -1, OverdueRequests: -1}
	err = db.View(ctx, func(t *store.Tx) error {
		regions, err := t.RegionsInUse()
		if err != nil {
			return err
		}
		f.Regions = servedRegions(cfg, regions)
		ops, err := t.Operators()
		if err != nil {
			return err
		}
		for _, o := range ops {
			op := doctor.Operator{Username: o.Username, Role: string(o.Role), Disabled: o.Disabled, MFAEnrolled: o.MFAEnrolled}
			if v := cfg.HandlingPolicyVersion; v != "" {
				at, err := t.PolicyAck(o.ID, v)
				if err != nil {
					return err
				}
				if !at.IsZero() {
					op.PolicyVersion = v
				}
			}
			f.Operators = append(f.Operators, op)
		}
		f.PausedSends, err = t.CountOutbox("paused")
		if err != nil {
			return err
		}
		now := time.Now()
		counts, err := t.OpenRequestCounts(now, now)
		if err != nil {
			return err
		}
		f.OverdueRequests = counts.Overdue
		return nil
	})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	anchor, err := audit.LoadAnchor(cfg.AuditAnchorFile)
	switch {
	case err != nil:
		f.AnchorError = err.Error()
	case anchor != nil:
		f.AnchorAge, _ = audit.AnchorAge(cfg.AuditAnchorFile)
		if brk, err := audit.CheckAnchor(ctx, db, db.DeriveKey(audit.CheckpointKeyPurpose), *anchor); err != nil {
			f.AnchorError = err.Error()
		} else if brk != nil {
			f.AnchorError = brk.Reason
		}
	}
	rep, err := audit.VerifyAnchored(ctx, db, db.DeriveKey(audit.CheckpointKeyPurpose), anchor)
	switch {
	case err != nil:
		f.AuditError = err.Error()
	case rep.Break != nil:
		f.AuditError = fmt.Sprintf("first broken link at seq %d (%s): %s", rep.Break.Seq, rep.Break.Kind, rep.Break.Reason)
	default:
		f.AuditEvents = rep.Events
	}
	f.Records = doctor.BuildRecords(cfg, pol, f.Regions, time.Now())
	if online {
		f.Privacy = probeNotice(ctx, cfg.PrivacyURL)
	} else {
		f.Privacy = doctor.Probe{Detail: "-offline"}
	}
	return f, func() { db.Close() }, nil
}

// servedRegions is the regions of the customers on file plus the default
// region new numbers fall into.
func servedRegions(cfg *config.Config, inUse []string) []policy.Region {
	out := []policy.Region{policy.Region(cfg.DefaultRegion)}
	for _, r := range inUse {
		out = append(out, policy.Region(r))
	}
	return out
}

// probeNotice fetches the privacy notice. A failure to resolve or connect
// is "not checked" (this machine may have no network); an answer of any
// kind is checked.
func probeNotice(ctx context.Context, raw string) doctor.Probe {
	if !strings.HasPrefix(raw, "https://") {
		return doctor.Probe{Detail: "not an https URL"}
	}
	ctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return doctor.Probe{Checked: true, Detail: err.Error()}
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}},
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			if r.URL.Scheme != "https" {
				return errors.New("redirected to plain HTTP")
			}
			if len(via) > 5 {
				return errors.New("too many redirects")
			}
			return nil
		}}
	resp, err := client.Do(req)
	if err != nil {
		var dns *net.DNSError
		var op *net.OpError
		if errors.As(err, &dns) || errors.As(err, &op) || errors.Is(err, context.DeadlineExceeded) {
			return doctor.Probe{Detail: "no network: " + err.Error()}
		}
		return doctor.Probe{Checked: true, Detail: err.Error()}
	}
	resp.Body.Close()
	return doctor.Probe{Checked: true, OK: resp.StatusCode < 400, Detail: resp.Status}
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func cmdRopa(ctx context.Context, env *Env, args []string) error {
	own, cfgArgs := splitCommandFlags(args, "format", "o")
	fs := flag.NewFlagSet("ropa", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	format := fs.String("format", "markdown", "markdown, json or csv")
	out := fs.String("o", "", "write to this file (0600) instead of standard output")
	if err := fs.Parse(own); err != nil {
		return err
	}
	cfg, _, err := config.Load(cfgArgs, env.Getenv)
	if err != nil {
		return err
	}
	f, closeDB, err := gatherFacts(ctx, cfg, env, false)
	if err != nil {
		return err
	}
	defer closeDB()
	var w io.Writer = env.Stdout
	if *out != "" {
		file, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("ropa: %w", err)
		}
		defer file.Close()
		w = file
	}
	switch *format {
	case "markdown", "md":
		err = f.Records.WriteMarkdown(w)
	case "json":
		err = f.Records.WriteJSON(w)
	case "csv":
		err = f.Records.WriteCSV(w)
	default:
		return fmt.Errorf("ropa: -format %q: want markdown, json or csv", *format)
	}
	if err != nil {
		return fmt.Errorf("ropa: %w", err)
	}
	if gaps := f.Records.Gaps(); len(gaps) > 0 {
		fmt.Fprintf(env.Stderr, "ropa: the record is incomplete: %s\n", strings.Join(gaps, "; "))
	}
	return nil
}
