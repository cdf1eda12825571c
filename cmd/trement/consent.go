package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/store"
)

func init() {
	register("consent", "the consent ledger: export -number N (one customer's evidence as JSON lines)", cmdConsent)
}

// consentLine is one ledger event as the DPO shows it to an auditor.
type consentLine struct {
	Seq           int64     `json:"seq"`
	At            time.Time `json:"at"`
	Kind          string    `json:"kind"`
	NoticeVersion string    `json:"notice_version"`
	Purpose       string    `json:"purpose"`
	Region        string    `json:"region"`
	Channel       string    `json:"channel"`
	WAMessageID   string    `json:"wa_message_id,omitempty"`
	Unanswered    int       `json:"messages_not_kept,omitempty"` // messages before it while the question was pending
	Customer      string    `json:"customer"`                    // pseudonym, never the number
}

// cmdConsent exports one customer's consent ledger. The ledger is found by
// the blind index of the number, so it works after an erasure too. The
// export is audited, and refused if the audit record cannot be written.
func cmdConsent(ctx context.Context, env *Env, args []string) error {
	sub, rest, err := subcommand(args, "export")
	if err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	_ = sub
	own, cfgArgs := splitCommandFlags(rest, "number")
	fs := flag.NewFlagSet("consent export", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	number := fs.String("number", "", "the customer's WhatsApp number, e.g. +34 612 345 678 (required)")
	if err := fs.Parse(own); err != nil {
		return err
	}
	waID := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, *number)
	if len(waID) < 6 {
		return errors.New("consent export: -number needs the customer's full number with country code")
	}
	cfg, _, err := config.Load(cfgArgs, env.Getenv)
	if err != nil {
		return err
	}
	db, _, err := openStore(ctx, cfg, newLogger(cfg, env.Stderr), false)
	if err != nil {
		return err
	}
	defer db.Close()
	who := db.Pseudonym(waID)
	var lines []consentLine
	err = db.View(ctx, func(tx *store.Tx) error {
		evs, err := tx.ConsentEvents(db.WaIndex(waID))
		for _, e := range evs {
			lines = append(lines, consentLine{Seq: e.Seq, At: e.At, Kind: string(e.Kind), NoticeVersion: e.NoticeVersion, Purpose: e.Purpose,
				Region: e.Region, Channel: e.Channel, WAMessageID: e.WAMessageID, Unanswered: e.Messages, Customer: who})
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("consent export: %w", err)
	}
	if err := db.Audit(ctx, &audit.Event{ActorType: "system", ActorID: "cli", Action: "consent.export", Target: who,
		Outcome: audit.Success, Reason: fmt.Sprintf("%d events", len(lines))}); err != nil {
		return fmt.Errorf("consent export: not exported, the audit record could not be written: %w", err)
	}
	enc := json.NewEncoder(env.Stdout)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	if len(lines) == 0 {
		fmt.Fprintln(env.Stderr, "no consent events for that number")
	}
	return nil
}
