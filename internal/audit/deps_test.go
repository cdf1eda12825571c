package audit_test

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestImportsPointInward keeps audit a domain package: standard library
// only, and no HTTP or SQL, so the chain's rules cannot depend on how it
// is stored or served.
func TestImportsPointInward(t *testing.T) {
	checkImports(t, func(path string) string {
		switch {
		case path == "net/http" || path == "database/sql" || path == "os/exec":
			return "domain packages do no HTTP, SQL or processes"
		case strings.Contains(strings.SplitN(path, "/", 2)[0], "."):
			return "standard library only"
		}
		return ""
	})
}

func checkImports(t *testing.T, why func(path string) string) {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if w := why(path); w != "" {
				t.Errorf("%s imports %q: %s", name, path, w)
			}
		}
	}
}
