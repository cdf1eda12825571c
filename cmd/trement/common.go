package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/vault"
)

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// devKeyFile is where a generated development key lives.
const devKeyFile = "master.key.DEVELOPMENT-ONLY"

// loadMasterKey returns the configured master key, or on first run without
// one generates a development key in the data folder, loudly. `trement
// doctor` fails a deployment that runs on it.
func loadMasterKey(cfg *config.Config, log *slog.Logger) (*vault.MasterKey, bool, error) {
	switch {
	case cfg.MasterKey != "":
		k, err := vault.ParseMasterKey(cfg.MasterKey)
		if err != nil {
			return nil, false, fmt.Errorf("TREMENT_MASTER_KEY: %w", err)
		}
		return k, false, nil
	case cfg.MasterKeyFile != "":
		b, err := os.ReadFile(cfg.MasterKeyFile)
		if err != nil {
			return nil, false, fmt.Errorf("TREMENT_MASTER_KEY_FILE: %w", err)
		}
		k, err := vault.ParseMasterKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("TREMENT_MASTER_KEY_FILE %s: %w", cfg.MasterKeyFile, err)
		}
		return k, false, nil
	}
	path := filepath.Join(cfg.DataDir, devKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, false, fmt.Errorf("create data folder: %w", err)
		}
		b = []byte(vault.GenerateKey() + "\n")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, false, fmt.Errorf("write development key: %w", err)
		}
		log.Warn("NO MASTER KEY CONFIGURED: generated a DEVELOPMENT key beside the data; anyone with this folder can read it. Set TREMENT_MASTER_KEY_FILE for real data (`trement keys generate`).", "path", path)
	} else if err != nil {
		return nil, false, fmt.Errorf("read development key: %w", err)
	} else {
		log.Warn("running on the DEVELOPMENT master key from the data folder; not for real data", "path", path)
	}
	k, err := vault.ParseMasterKey(strings.TrimSpace(string(b)))
	return k, true, err
}

// openStore opens the configured database with the master key.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger, rotating bool) (*store.DB, bool, error) {
	k, dev, err := loadMasterKey(cfg, log)
	if err != nil {
		return nil, false, err
	}
	if strings.HasPrefix(cfg.DatabaseURL, "sqlite:") {
		if err := os.MkdirAll(filepath.Dir(strings.TrimPrefix(cfg.DatabaseURL, "sqlite:")), 0o700); err != nil {
			return nil, false, fmt.Errorf("create database folder: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(cfg.ErasureJournal), 0o700); err != nil {
		return nil, false, fmt.Errorf("create erasure journal folder: %w", err)
	}
	if cfg.BackupKeys != "" {
		if err := os.MkdirAll(filepath.Dir(cfg.BackupKeys), 0o700); err != nil {
			return nil, false, fmt.Errorf("create backup keys folder: %w", err)
		}
	}
	db, err := store.Open(ctx, store.Options{URL: cfg.DatabaseURL, MasterKey: k, Rotating: rotating, Logger: log, ErasureJournal: cfg.ErasureJournal, BackupKeys: cfg.BackupKeys})
	if err != nil {
		return nil, false, err
	}
	return db, dev, nil
}
