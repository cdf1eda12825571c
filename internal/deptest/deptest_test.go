// Package deptest holds the one test that keeps imports pointing inward
// across the whole module (STYLE: leaves import nothing internal; domain
// packages never import HTTP, SQL or adapters; adapters import domain;
// only cmd/trement imports everything).
package deptest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/trement/trement/"

// layers lists every internal package and what it may import from the
// module. A package missing from this table fails the test, so a new
// package must take a place in it.
var layers = map[string][]string{
	// Leaves: pure, nothing internal.
	"internal/policy": nil, "internal/redact": nil, "internal/vault": nil, "internal/intent": nil,
	"internal/consent": nil, "internal/audit": nil, "internal/agent": nil, "internal/agent/internal/fold": nil,
	"internal/config": nil, "internal/whatsapp": nil, "internal/language": nil,
	// Domain.
	"internal/auth":            {"internal/audit"},
	"internal/agent/knowledge": {"internal/agent", "internal/agent/internal/fold"},
	"internal/agent/filter":    {"internal/agent/internal/fold"},
	"internal/agent/grounding": {"internal/agent/internal/fold"},
	"internal/conversation":    {"internal/agent", "internal/audit", "internal/consent", "internal/intent", "internal/language", "internal/policy", "internal/redact"},
	"internal/training":        {"internal/conversation", "internal/redact"},
	"internal/retention":       {"internal/audit"},
	"internal/rights":          {"internal/audit", "internal/conversation", "internal/policy"},
	"internal/doctor":          {"internal/config", "internal/intent", "internal/policy"},
	"internal/incident":        {"internal/policy"},
	"internal/anomaly":         nil,
	// Adapters.
	"internal/agent/openai":     {"internal/agent"},
	"internal/agent/moderation": nil,
	"internal/whatsapp/sim":     {"internal/whatsapp"},
	"internal/channel":          {"internal/conversation", "internal/whatsapp"},
	"internal/ops":              {"internal/anomaly", "internal/conversation", "internal/retention"},
	"internal/store":            {"internal/anomaly", "internal/audit", "internal/auth", "internal/consent", "internal/conversation", "internal/incident", "internal/policy", "internal/retention", "internal/rights", "internal/vault"},
	"internal/store/storetest":  nil,
	"internal/console":          {"internal/audit", "internal/auth", "internal/consent", "internal/conversation", "internal/incident", "internal/policy", "internal/rights", "internal/store"},
	// Test support.
	"internal/auth/authtest": {"internal/auth"},
	"internal/browsertest":   nil,
	"internal/deptest":       nil,
}

// pure packages may not import these either: they do no I/O of their own.
var pure = map[string][]string{
	"net/http":     {"internal/language", "internal/policy", "internal/redact", "internal/vault", "internal/intent", "internal/consent", "internal/audit", "internal/agent", "internal/auth", "internal/agent/knowledge", "internal/agent/filter", "internal/conversation", "internal/training", "internal/doctor", "internal/incident", "internal/anomaly", "internal/retention", "internal/rights"},
	"database/sql": {"internal/policy", "internal/redact", "internal/vault", "internal/intent", "internal/consent", "internal/audit", "internal/agent", "internal/auth", "internal/agent/knowledge", "internal/agent/filter", "internal/conversation", "internal/training", "internal/console", "internal/doctor", "internal/incident", "internal/anomaly", "internal/retention", "internal/rights"},
}

// banned are standard-library imports some packages may not use: redact
// and training do no I/O and read no clock.
var banned = map[string][]string{
	"internal/redact":   {"os", "io", "net", "net/http", "log", "log/slog", "database/sql", "time"},
	"internal/training": {"os", "os/exec", "net", "net/http", "database/sql", "log", "log/slog", "time"},
	"internal/audit":    {"os/exec"},
}

// external limits third-party modules for the packages listed: audit,
// redact and training use the standard library only, auth its few crypto
// libraries, the zxcvbn password-strength estimator (pure, offline) and a
// weighted semaphore for the hashes' memory.
var external = map[string][]string{
	"internal/audit":    nil,
	"internal/redact":   nil,
	"internal/training": nil,
	"internal/auth":     {"golang.org/x/crypto/", "github.com/pquerna/otp", "github.com/google/uuid", "github.com/trustelem/zxcvbn", "golang.org/x/sync/semaphore"},
}

func TestImportsPointInward(t *testing.T) {
	root := "../.."
	found := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || d.Name() == "testdata" {
			if d != nil && d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		imports, ok := packageImports(t, path)
		if !ok {
			return nil // no Go files
		}
		found[rel] = true
		allowed, known := layers[rel]
		if !known {
			t.Errorf("%s is not in the layer table of internal/deptest: give it a place", rel)
			return nil
		}
		allow := map[string]bool{}
		for _, a := range allowed {
			allow[a] = true
		}
		for imp, file := range imports {
			if strings.HasPrefix(imp, module) {
				if p := strings.TrimPrefix(imp, module); !allow[p] {
					t.Errorf("%s (%s) imports %s, which its layer may not", rel, file, p)
				}
				continue
			}
			for _, pkg := range pure[imp] {
				if pkg == rel {
					t.Errorf("%s (%s) imports %s: it does no I/O of its own", rel, file, imp)
				}
			}
			for _, b := range banned[rel] {
				if imp == b {
					t.Errorf("%s (%s) imports %s: it does no I/O and reads no clock", rel, file, imp)
				}
			}
			if ok, limited := external[rel]; limited && strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				allowedExt := false
				for _, prefix := range ok {
					allowedExt = allowedExt || strings.HasPrefix(imp, prefix)
				}
				if !allowedExt {
					t.Errorf("%s (%s) imports the third-party %s, which its layer may not", rel, file, imp)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var stale []string
	for p := range layers {
		if !found[p] {
			stale = append(stale, p)
		}
	}
	sort.Strings(stale)
	for _, p := range stale {
		t.Errorf("the layer table names %s, which has no Go files", p)
	}
}

// packageImports returns the imports of a directory's non-test Go files,
// each with a file that makes it.
func packageImports(t *testing.T, dir string) (map[string]string, bool) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	any := false
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") {
			continue
		}
		any = true
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[p] = name
		}
	}
	return out, any
}
