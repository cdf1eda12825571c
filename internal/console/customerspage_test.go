package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// customer stores a contact with a conversation and ledger events, as the
// message path leaves them.
func (e *env) customer(waID, name string, st conversation.ConsentState, kinds ...consent.Kind) (*conversation.Contact, *conversation.Conversation) {
	e.t.Helper()
	c := &conversation.Contact{WaID: waID, ProfileName: name, Region: "ES", RegionReason: "country code +34 → Spain (GDPR + LOPDGDD)",
		Language: "es", ConsentState: st, NoticeVersion: "2026-10"}
	var conv *conversation.Conversation
	if err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		for _, k := range kinds {
			if err := tx.AppendConsent(&consent.Event{ContactID: c.ID, WaIndex: e.db.WaIndex(waID), Kind: k, NoticeVersion: "2026-10",
				Region: "ES", Channel: "whatsapp"}); err != nil {
				return err
			}
		}
		var err error
		conv, err = tx.OpenConversation(c.ID, "106540352242922")
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return c, conv
}

// TestCustomersPages: the DPO sees customers masked and in words, filters
// by consent, opens one with its ledger, requests and the audited reveal;
// roles that do not handle customers' data are refused and not linked.
func TestCustomersPages(t *testing.T) {
	e := newEnv(t, envOpts{})
	ana, conv := e.customer("34612345678", "Ana García", conversation.ConsentGranted, consent.Asked, consent.OptIn)
	bea, _ := e.customer("34699887766", "Beatriz Souza", conversation.ConsentWithdrawn, consent.Asked, consent.OptIn, consent.OptOut)
	dpo := e.signIn(e.operator(auth.RoleDPO))
	if r := dpo.do("POST", "/api/v1/dsar", map[string]any{"phone": "34612345678", "type": "erasure", "source": "dpo-logged", "detail": "by letter"}); r.Code != http.StatusAccepted {
		t.Fatalf("POST /api/v1/dsar = %d %s", r.Code, r.Body)
	}

	r := dpo.do("GET", "/customers", nil)
	list := html.UnescapeString(r.Body.String())
	if r.Code != 200 {
		t.Fatalf("GET /customers as DPO = %d %s", r.Code, list)
	}
	for _, want := range []string{"+34 6•• ••• •78", "A•• G•••••", "+34 6•• ••• •66", "B•••••• S••••", "<td>Spain</td>",
		"Consented", "Withdrew (opted out)", "Spanish", `href="/customers/` + ana.ID + `"`, `aria-current="page">Customers`} {
		if !strings.Contains(list, want) {
			t.Errorf("GET /customers does not show %q", want)
		}
	}
	// Ana has one open request, Beatriz none: the count sits in the row.
	if !regexp.MustCompile(`/customers/` + ana.ID + `">[^<]*</a></td>(<td>[^<]*</td>){4}<td>1</td>`).MatchString(list) {
		t.Errorf("Ana's row does not count her open request:\n%s", list)
	}
	noRaw(t, "GET /customers", list)

	r = dpo.do("GET", "/customers?consent=withdrawn", nil)
	if b := r.Body.String(); !strings.Contains(b, bea.ID) || strings.Contains(b, ana.ID) || !strings.Contains(b, `<option value="withdrawn" selected>`) {
		t.Errorf("GET /customers?consent=withdrawn = %d, want Beatriz only, the filter kept:\n%s", r.Code, b)
	}

	r = dpo.do("GET", "/customers/"+ana.ID, nil)
	one := html.UnescapeString(r.Body.String())
	if r.Code != 200 {
		t.Fatalf("GET /customers/{id} as DPO = %d %s", r.Code, one)
	}
	for _, want := range []string{`<span data-field="phone">+34 6•• ••• •78</span>`, `<span data-field="profile_name">A•• G•••••</span>`,
		"Consented (under notice version 2026-10)", "country code +34 → Spain (GDPR + LOPDGDD)", "Notice and consent question sent",
		"Erasure (Art. 17)", "awaiting confirmation", `href="/requests"`, `href="/conversations/` + conv.ID + `"`,
		`data-api="/api/v1/conversations/` + conv.ID + `/reveal"`, `<option value="customer_request">The customer asked for it</option>`,
		`data-api="/api/v1/contacts/` + ana.ID + `" data-method="PATCH"`, `<option value="es" selected>Spanish</option>`, `<time datetime="2026-11-24T09:00:05Z">`} {
		if !strings.Contains(one, want) {
			t.Errorf("GET /customers/{id} does not show %q", want)
		}
	}
	if strings.Contains(one, `name="profile_name"`) {
		t.Errorf("the correction form offers the name, which this deployment does not keep")
	}
	noRaw(t, "GET /customers/{id}", one)
	if r := dpo.do("GET", "/customers/nobody", nil); r.Code != http.StatusNotFound {
		t.Errorf("GET /customers/nobody = %d, want 404", r.Code)
	}

	for _, role := range []auth.Role{auth.RoleAgent, auth.RoleSupervisor, auth.RoleAuditor, auth.RoleAdmin} {
		op := e.operator(role)
		c := e.signIn(op)
		for _, path := range []string{"/customers", "/customers/" + ana.ID} {
			r := c.do("GET", path, nil)
			if r.Code != http.StatusForbidden || strings.Contains(r.Body.String(), "6••") {
				t.Errorf("GET %s as %s = %d, want 403 and nothing of the customer", path, role, r.Code)
			}
			if ev := e.lastEvent(); ev.Action != audit.ActionDenied || ev.ActorID != op.ID {
				t.Errorf("%s refused %s not audited: %+v", role, path, ev)
			}
		}
		home := "/audit"
		if role.Can(auth.PermConversationsReadAssigned) {
			home = "/conversations"
		}
		if r := c.do("GET", home, nil); r.Code != 200 || strings.Contains(r.Body.String(), `href="/customers"`) {
			t.Errorf("GET %s as %s = %d, want the page without a link to Customers", home, role, r.Code)
		}
	}
}

// noRaw fails if body shows a stored value instead of its words, or a
// customer's whole number or name.
func noRaw(t *testing.T, what, body string) {
	t.Helper()
	for _, raw := range []string{">granted<", ">withdrawn<", ">ES<", ">es<", ">opt_in<", ">asked<", ">whatsapp<", ">erasure<",
		"34612345678", "34699887766", "Ana García", "Beatriz Souza"} {
		if strings.Contains(body, raw) {
			t.Errorf("%s shows %q", what, raw)
		}
	}
}

// correctionForm reads the correction form of a customer page: where it
// sends, by which method, and the names of its fields.
func correctionForm(t *testing.T, page string) (method, action string, fields []string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<form data-api="([^"]+)" data-method="([^"]+)"[^>]*class="correct">(.*?)</form>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no correction form on the page:\n%s", page)
	}
	for _, f := range regexp.MustCompile(`name="([a-z_]+)"`).FindAllStringSubmatch(m[3], -1) {
		fields = append(fields, f[1])
	}
	return m[2], m[1], fields
}

// TestCustomerCorrection sends the page's correction form as its script
// does (JSON, the CSRF header, the form's method and route, empty fields
// left out): the fields change, the audit log names them and holds
// neither value, and the page shows the new name masked.
func TestCustomerCorrection(t *testing.T) {
	e := newEnv(t, envOpts{keepProfileName: true})
	ana, _ := e.customer("34612345678", "Ana García", conversation.ConsentGranted, consent.Asked, consent.OptIn)
	dpo := e.signIn(e.operator(auth.RoleDPO))
	page := dpo.do("GET", "/customers/"+ana.ID, nil).Body.String()
	method, action, fields := correctionForm(t, page)
	if method != "PATCH" || action != "/api/v1/contacts/"+ana.ID || strings.Join(fields, ",") != "language,profile_name,reason" {
		t.Fatalf("correction form = %s %s %v, want PATCH to the contact's route with language, profile_name, reason", method, action, fields)
	}
	const newName = "Anabela Quintanilha"
	filled := map[string]any{"language": "pt", "profile_name": newName, "reason": "customer wrote by letter"}
	body := map[string]any{}
	for _, f := range fields {
		body[f] = filled[f]
	}
	before := len(e.events())
	r := dpo.do(method, action, body)
	if r.Code != 200 || !strings.Contains(r.Body.String(), `"changed":["language","profile_name"]`) {
		t.Fatalf("%s %s = %d %s, want both fields changed", method, action, r.Code, r.Body)
	}
	var got *conversation.Contact
	if err := e.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		got, err = tx.Contact(ana.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got.Language != "pt" || got.ProfileName != newName {
		t.Errorf("contact after the correction = language %q, name %q; want pt, %q", got.Language, got.ProfileName, newName)
	}
	var corrected *audit.Event
	for _, ev := range e.events()[before:] {
		if ev.Action == "contact.corrected" {
			corrected = ev
		}
		for _, v := range []string{"Anabela", "Quintanilha", "Ana García", "García"} {
			if strings.Contains(ev.Reason+ev.Target, v) {
				t.Errorf("audit event %s holds a value (%q): %+v", ev.Action, v, ev)
			}
		}
	}
	if corrected == nil || corrected.Reason != "fields=language,profile_name" || corrected.Target != "contact:"+ana.ID || corrected.ActorID == "" {
		t.Errorf("correction audited as %+v, want the field names on the contact, by the DPO", corrected)
	}
	after := html.UnescapeString(dpo.do("GET", "/customers/"+ana.ID, nil).Body.String())
	for _, want := range []string{"A•••••• Q••••••••••", "<option value=\"pt\" selected>Portuguese</option>", "Correction (Art. 16)", "completed"} {
		if !strings.Contains(after, want) {
			t.Errorf("page after the correction does not show %q", want)
		}
	}
	if strings.Contains(after, newName) {
		t.Errorf("page after the correction shows the new name unmasked")
	}
	// A language the service does not write in is refused, and nothing
	// changes.
	if r := dpo.do(method, action, map[string]any{"language": "fr"}); r.Code != http.StatusBadRequest {
		t.Errorf("correction to fr = %d, want 400", r.Code)
	}
}

// TestCustomersPaging: a full page links to the next, which goes on where
// it ended and keeps the filter.
func TestCustomersPaging(t *testing.T) {
	e := newEnv(t, envOpts{})
	var ids []string
	for i := range 53 {
		c, _ := e.customer(fmt.Sprintf("346000%05d", i), "", conversation.ConsentGranted)
		ids = append(ids, c.ID)
	}
	e.customer("34611111111", "", conversation.ConsentPending)
	dpo := e.signIn(e.operator(auth.RoleDPO))
	first := html.UnescapeString(dpo.do("GET", "/customers?consent=granted", nil).Body.String())
	next := regexp.MustCompile(`<a href="(/customers\?[^"]+)">Older customers</a>`).FindStringSubmatch(first)
	if next == nil || !strings.Contains(next[1], "consent=granted") {
		t.Fatalf("first page has no link to the next keeping the filter:\n%s", first)
	}
	second := html.UnescapeString(dpo.do("GET", next[1], nil).Body.String())
	rows := regexp.MustCompile(`href="/customers/([^"]+)"`)
	seen := map[string]bool{}
	for _, p := range []string{first, second} {
		for _, m := range rows.FindAllStringSubmatch(p, -1) {
			if seen[m[1]] {
				t.Errorf("customer %s on both pages", m[1])
			}
			seen[m[1]] = true
		}
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("customer %s on neither page", id)
		}
	}
	if len(seen) != len(ids) || strings.Contains(second, "Older customers") {
		t.Errorf("two pages show %d customers (want the %d consented) and the second links on: %v", len(seen), len(ids), strings.Contains(second, "Older customers"))
	}
}
