package whatsapp

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsStayInward keeps the adapter free of other trement packages
// (the lead wires it in cmd/trement) and lets the simulator import only
// this package.
func TestImportsStayInward(t *testing.T) {
	const module = "github.com/trement/trement/"
	tests := []struct {
		dir     string
		allowed map[string]bool
	}{
		{dir: ".", allowed: map[string]bool{}},
		{dir: "sim", allowed: map[string]bool{module + "internal/whatsapp": true}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(tt.dir, "*.go"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no Go files in %s: %v", tt.dir, err)
			}
			for _, file := range files {
				if strings.HasSuffix(file, "_test.go") {
					continue
				}
				f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
				if err != nil {
					t.Fatal(err)
				}
				for _, imp := range f.Imports {
					path, _ := strconv.Unquote(imp.Path.Value)
					if strings.HasPrefix(path, module) && !tt.allowed[path] {
						t.Errorf("%s imports %s, want no other trement package", file, path)
					}
					if !strings.HasPrefix(path, module) && strings.Contains(path, ".") {
						t.Errorf("%s imports %s, want the standard library only", file, path)
					}
				}
			}
		})
	}
}
