package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/trement/trement/internal/config"
)

// permissionProblems names the places holding trement's data or keys that
// group or others can read: the data folder, the master key file and the
// development key. Files trement writes itself (the SQLite files wherever
// they are, exports, the anchor) are made 0600; these are the ones an
// operator made or copied.
func permissionProblems(cfg *config.Config) []string {
	if runtime.GOOS == "windows" {
		return nil // no Unix modes; access is by ACL
	}
	var out []string
	check := func(path, what, fix string) {
		fi, err := os.Stat(path)
		if err != nil {
			return // missing: created private when needed
		}
		if fi.Mode().Perm()&0o077 != 0 {
			out = append(out, fmt.Sprintf("%s %s is readable by group or others (mode %04o): %s %s", what, path, fi.Mode().Perm(), fix, path))
		}
	}
	check(cfg.DataDir, "the data folder", "chmod 700")
	if cfg.MasterKeyFile != "" {
		check(cfg.MasterKeyFile, "the master key file", "chmod 600")
	}
	check(filepath.Join(cfg.DataDir, devKeyFile), "the development key", "chmod 600")
	return out
}

// checkPermissions refuses to start (PERMISSIONS_CHECK=refuse) or warns
// when permissionProblems finds anything, before any data is touched.
func checkPermissions(cfg *config.Config, log *slog.Logger) error {
	problems := permissionProblems(cfg)
	if len(problems) == 0 {
		return nil
	}
	if cfg.PermissionsCheck == "refuse" {
		return fmt.Errorf("refusing to start: %w (TREMENT_PERMISSIONS_CHECK=warn starts anyway)", errors.New(strings.Join(problems, "; ")))
	}
	for _, p := range problems {
		log.Warn("file permissions too wide", "problem", p)
	}
	return nil
}
