package training_test

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestImportsPointInward keeps training pure domain: the standard library
// (no files, network, SQL, logging or clock) and the conversation types
// and redaction it builds on. Reading the store and choosing where lines
// go belong to its callers.
func TestImportsPointInward(t *testing.T) {
	allowed := map[string]bool{
		"github.com/trement/trement/internal/conversation": true,
		"github.com/trement/trement/internal/redact":       true,
	}
	forbidden := map[string]bool{"os": true, "os/exec": true, "net": true, "net/http": true, "database/sql": true, "log": true, "log/slog": true, "time": true}
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
			switch {
			case forbidden[path]:
				t.Errorf("%s imports %q: training does no I/O but through an io.Writer, and reads no clock", name, path)
			case strings.Contains(strings.SplitN(path, "/", 2)[0], ".") && !allowed[path]:
				t.Errorf("%s imports %q: want the standard library, conversation and redact only", name, path)
			}
		}
	}
}
