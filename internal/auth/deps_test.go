package auth

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestImportsPointInward keeps auth a domain package: it may use audit
// and its few crypto libraries, never HTTP, SQL, the store or the console.
func TestImportsPointInward(t *testing.T) {
	allowed := []string{"github.com/trement/trement/internal/audit", "golang.org/x/crypto/", "github.com/pquerna/otp", "github.com/google/uuid"}
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
			if path == "net/http" || path == "database/sql" {
				t.Errorf("%s imports %q: the domain does no HTTP or SQL", name, path)
			}
			if !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
				continue
			}
			ok := false
			for _, a := range allowed {
				ok = ok || strings.HasPrefix(path, a)
			}
			if !ok {
				t.Errorf("%s imports %q, want only audit, x/crypto, pquerna/otp and uuid outside the standard library", name, path)
			}
		}
	}
}
