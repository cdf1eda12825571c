package console_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/console"
)

// TestOpenAPIDescribesEveryRoute: every API route the console serves has a
// sentence in apiDocs, and the document it generates is well formed: each
// path parameter declared, operation ids unique, every $ref resolved, a
// response for every operation, and the permission and authentication of
// each operation those of its route.
var pathParam = regexp.MustCompile(`\{([a-zA-Z_]+)(\.\.\.)?\}`)

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t, envOpts{})
	routes := e.srv.Routes()
	if err := console.CheckAPIDocs(routes, false); err != nil {
		t.Fatal(err)
	}
	b, err := console.OpenAPI(routes)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components map[string]map[string]json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	byOp := map[string]console.Route{}
	for _, rt := range routes {
		byOp[strings.ToLower(rt.Method)+" "+pathParam.ReplaceAllString(strings.TrimSuffix(rt.Pattern, "{$}"), "{$1}")] = rt
	}
	ids := map[string]bool{}
	placeholder := regexp.MustCompile(`\{(\w+)\}`)
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/(\w+)/(\w+)"`)
	n := 0
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			n++
			var op struct {
				OperationID string                      `json:"operationId"`
				Summary     string                      `json:"summary"`
				Perm        string                      `json:"x-permission"`
				Authn       string                      `json:"x-authentication"`
				Responses   map[string]any              `json:"responses"`
				Parameters  []struct{ Name, In string } `json:"parameters"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			rt, ok := byOp[method+" "+path]
			if !ok {
				t.Errorf("%s %s is documented but not served", method, path)
				continue
			}
			if op.Perm != string(rt.Perm) || op.Authn != rt.Auth.String() {
				t.Errorf("%s: documented as %s/%s, served as %s/%s", rt, op.Perm, op.Authn, rt.Perm, rt.Auth)
			}
			if op.Summary == "" || len(op.Responses) == 0 {
				t.Errorf("%s: no summary or no responses", rt)
			}
			if ids[op.OperationID] {
				t.Errorf("operationId %q twice", op.OperationID)
			}
			ids[op.OperationID] = true
			for _, m := range placeholder.FindAllStringSubmatch(path, -1) {
				found := false
				for _, p := range op.Parameters {
					found = found || (p.In == "path" && p.Name == m[1])
				}
				if !found {
					t.Errorf("%s: path parameter %s not declared", rt, m[1])
				}
			}
			for _, m := range refs.FindAllStringSubmatch(string(raw), -1) {
				if _, ok := doc.Components[m[1]][m[2]]; !ok {
					t.Errorf("%s: $ref to missing #/components/%s/%s", rt, m[1], m[2])
				}
			}
		}
	}
	api := 0
	for _, rt := range routes {
		if rt.InAPIDocument() {
			api++
		}
	}
	if n != api || n < 40 {
		t.Errorf("document has %d operations, the console serves %d API routes", n, api)
	}
	// The bodies come from the handlers' own types: a field renamed in
	// Go is renamed here.
	var login struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	json.Unmarshal(b, &login)
	ref := login.Paths["/api/v1/login"]["post"].RequestBody.Content["application/json"].Schema.Ref
	props := login.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")].Properties
	if _, ok := props["username"]; !ok || len(props) != 2 {
		t.Errorf("login body %q schema = %v, want username and password", ref, props)
	}
}

// TestOpenAPIServed: the document is behind sign-in and is the one the
// route table generates.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t, envOpts{})
	if r := e.client().do("GET", "/api/v1/openapi.json", nil); r.Code != 401 {
		t.Errorf("anonymous GET = %d, want 401", r.Code)
	}
	r := e.signIn(e.operator(auth.RoleAgent)).do("GET", "/api/v1/openapi.json", nil)
	want, _ := console.OpenAPI(e.srv.Routes())
	if r.Code != 200 || r.Body.String() != string(want) {
		t.Errorf("GET = %d, body equal to the generated document: %v", r.Code, r.Body.String() == string(want))
	}
}

func TestCheckAPIDocs(t *testing.T) {
	h := console.Route{Method: "POST", Pattern: "/api/v1/nothing-documented", Perm: auth.PermSelf, Auth: console.AuthSession}
	if err := console.CheckAPIDocs([]console.Route{h}, false); err == nil || !strings.Contains(err.Error(), "POST /api/v1/nothing-documented") {
		t.Errorf("an undocumented route passed: %v", err)
	}
	if err := console.CheckAPIDocs(nil, true); err == nil || !strings.Contains(err.Error(), "GET /api/v1/me") {
		t.Errorf("documentation of routes nobody serves passed: %v", err)
	}
}
