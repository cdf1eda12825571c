package agent_test

import (
	"context"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/trement/trement/internal/agent"
)

func TestProviderFunc(t *testing.T) {
	var p agent.Provider = agent.ProviderFunc(func(_ context.Context, req agent.Request) (agent.Reply, error) {
		return agent.Reply{Text: "echo: " + req.Message, Provider: "fake"}, nil
	})
	r, err := p.Reply(context.Background(), agent.Request{Message: "hi"})
	if err != nil || r.Text != "echo: hi" {
		t.Errorf("ProviderFunc.Reply = %+v, %v, want echo: hi", r, err)
	}
}

// TestImports keeps agent a domain package: its tree imports no other
// internal package, and only the adapters agent/openai and agent/moderation
// may use the network.
func TestImports(t *testing.T) {
	const module = "github.com/trement/trement/"
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		test := strings.HasSuffix(path, "_test.go")
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case strings.HasPrefix(p, module) && !strings.HasPrefix(p, module+"internal/agent"):
				t.Errorf("%s imports %s: agent may only import its own subpackages", path, p)
			case !test && (p == "net/http" || p == "database/sql") && dir != "openai" && dir != "moderation":
				t.Errorf("%s imports %s: only agent/openai and agent/moderation talk to the network", path, p)
			case !strings.HasPrefix(p, module) && strings.Contains(strings.SplitN(p, "/", 2)[0], "."):
				t.Errorf("%s imports %s: agent uses the standard library only", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
