package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/auth/authtest"
	"github.com/trement/trement/internal/console"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

const password = "a long and unusual passphrase"

// fakeConvs is a func-field fake of console.ConversationService; nil
// fields fall back to a single conversation "c1".
type fakeConvs struct {
	mu       sync.Mutex
	assignee string // who c1 is assigned to
	listed   []console.ConversationFilter
	revealed int

	ListFn     func(ctx context.Context, f console.ConversationFilter) ([]console.ConversationSummary, error)
	GetFn      func(ctx context.Context, id string, reveal bool) (*console.ConversationDetail, error)
	ReplyFn    func(ctx context.Context, a console.Actor, id, text string) (*console.ConversationMessage, error)
	TakeFn     func(ctx context.Context, a console.Actor, id string) error
	HandBackFn func(ctx context.Context, a console.Actor, id string) error
	AssignFn   func(ctx context.Context, a console.Actor, id, operatorID string) error
	NoteFn     func(ctx context.Context, a console.Actor, id, text string) (*console.ConversationMessage, error)
	MediaFn    func(ctx context.Context, id, messageID string) (*console.MediaFile, error)
}

func (f *fakeConvs) MediaFile(ctx context.Context, id, messageID string) (*console.MediaFile, error) {
	if f.MediaFn != nil {
		return f.MediaFn(ctx, id, messageID)
	}
	return nil, conversation.ErrNotFound
}

func (f *fakeConvs) Note(ctx context.Context, a console.Actor, id, text string) (*console.ConversationMessage, error) {
	if f.NoteFn != nil {
		return f.NoteFn(ctx, a, id, text)
	}
	return &console.ConversationMessage{ID: "n1", Direction: "out", Author: "operator:" + a.OperatorID(), Type: "note", Body: text, Status: "note"}, nil
}

var _ console.ConversationService = (*fakeConvs)(nil)

func (f *fakeConvs) setAssignee(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.assignee = id
}

func (f *fakeConvs) c1() console.ConversationSummary {
	f.mu.Lock()
	defer f.mu.Unlock()
	return console.ConversationSummary{ID: "c1", ContactID: "k1", CustomerPseudonym: "wa:pseudo", Phone: "34612345678",
		ProfileName: "Ana García", Region: "ES", Language: "es", State: "human", AssignedTo: f.assignee,
		UpdatedAt: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
}

func (f *fakeConvs) List(ctx context.Context, flt console.ConversationFilter) ([]console.ConversationSummary, error) {
	f.mu.Lock()
	f.listed = append(f.listed, flt)
	f.mu.Unlock()
	if f.ListFn != nil {
		return f.ListFn(ctx, flt)
	}
	other := f.c1()
	other.ID, other.AssignedTo = "c2", "someone-else"
	queue := f.c1()
	queue.ID, queue.AssignedTo, queue.State = "c3", "", "waiting_human"
	return []console.ConversationSummary{f.c1(), other, queue}, nil
}

func (f *fakeConvs) Get(ctx context.Context, id string, reveal bool) (*console.ConversationDetail, error) {
	if f.GetFn != nil {
		return f.GetFn(ctx, id, reveal)
	}
	if id != "c1" {
		return nil, conversation.ErrNotFound
	}
	body := "my number is [phone]"
	if reveal {
		f.mu.Lock()
		f.revealed++
		f.mu.Unlock()
		body = "my number is +34 612 345 678"
	}
	return &console.ConversationDetail{ConversationSummary: f.c1(), Messages: []console.ConversationMessage{
		{ID: "m1", Direction: "in", Author: "customer", Type: "text", Body: body, Status: "received"}}}, nil
}

func (f *fakeConvs) Reply(ctx context.Context, a console.Actor, id, text string) (*console.ConversationMessage, error) {
	if f.ReplyFn != nil {
		return f.ReplyFn(ctx, a, id, text)
	}
	return &console.ConversationMessage{ID: "m2", Direction: "out", Author: "operator:" + a.OperatorID(), Type: "text", Body: text, Status: "queued"}, nil
}

func (f *fakeConvs) Take(ctx context.Context, a console.Actor, id string) error {
	if f.TakeFn != nil {
		return f.TakeFn(ctx, a, id)
	}
	return nil
}

func (f *fakeConvs) HandBack(ctx context.Context, a console.Actor, id string) error {
	if f.HandBackFn != nil {
		return f.HandBackFn(ctx, a, id)
	}
	return nil
}

func (f *fakeConvs) Assign(ctx context.Context, a console.Actor, id, operatorID string) error {
	if f.AssignFn != nil {
		return f.AssignFn(ctx, a, id, operatorID)
	}
	return nil
}

// env is a console over a real SQLite store with a settable clock.
type env struct {
	t      *testing.T
	db     *store.DB
	clock  *authtest.Clock
	auth   *auth.Service
	srv    *console.Server
	h      http.Handler
	convs  *fakeConvs
	owner  *auth.Principal
	nextID int
	url    string           // the database's
	key    *vault.MasterKey // its master key
}

type envOpts struct {
	anchorFile string
	extra      []console.Route
	secure     bool
	policy     console.HandlingPolicy
	// wrapAuth, if set, wraps the store the auth service runs on.
	wrapAuth func(auth.Store) auth.Store
	// unauthBurst paces unauthenticated requests per source; zero: no
	// practical limit (tests of other things send hundreds from one
	// address under a stopped clock).
	unauthBurst int
	refused     func(kind string)
	// breachTemplate is the template customer breach notices go out with.
	breachTemplate string
	// keepProfileName: customers' names are kept (and can be corrected).
	keepProfileName bool
	// settings is what the settings page shows.
	settings console.Settings
	// live tunes the live updates.
	live console.LiveConfig
	// url is the database; empty: a fresh SQLite file.
	url string
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	url := o.url
	if url == "" {
		url, _ = storetest.NewSQLite(t)
	}
	clock := authtest.NewClock(time.Date(2026, 11, 24, 9, 0, 5, 0, time.UTC))
	k, err := vault.ParseMasterKey(vault.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: k, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var as auth.Store = db.AuthStore()
	if o.wrapAuth != nil {
		as = o.wrapAuth(as)
	}
	svc, err := auth.NewService(auth.Config{Store: as, Now: clock.Now, Pseudonym: db.Index().Pseudonym,
		Password: auth.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	convs := &fakeConvs{}
	pol, err := policy.New(policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rights.New(rights.Config{Store: store.Rights(db), Policy: pol, Now: clock.Now, LinkKey: db.DeriveKey("dsar-link/v1"),
		BaseURL: func() string { return "https://trement.example" }, KeepProfileName: o.keepProfileName})
	if err != nil {
		t.Fatal(err)
	}
	if o.unauthBurst == 0 {
		o.unauthBurst = 1 << 30
	}
	srv, err := console.New(console.Deps{DB: db, Now: clock.Now, Auth: svc, UnauthBurst: o.unauthBurst, Refused: o.refused, Conversations: convs, Extra: o.extra, SecureCookies: o.secure, Policy: o.policy, Rights: rs, AuditAnchorFile: o.anchorFile, Incidents: console.IncidentConfig{Template: o.breachTemplate}, Settings: o.settings, Live: o.live})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, clock: clock, auth: svc, srv: srv, h: srv.Handler(), convs: convs, url: url, key: k}
	op, err := svc.BootstrapOwner(context.Background(), auth.RequestInfo{}, "owner", password)
	if err != nil {
		t.Fatal(err)
	}
	e.owner = &auth.Principal{Kind: auth.KindOperator, OperatorID: op.ID, Username: op.Username, Role: auth.RoleOwner}
	t.Cleanup(func() {
		rep, err := audit.Verify(context.Background(), db, db.DeriveKey(audit.CheckpointKeyPurpose))
		if err != nil || rep.Break != nil {
			t.Errorf("audit chain after the test: %+v, %v", rep, err)
		}
	})
	return e
}

// operator creates an operator with role (through the auth service, as
// the owner).
func (e *env) operator(role auth.Role) *auth.Operator {
	e.t.Helper()
	e.nextID++
	op, err := e.auth.CreateOperator(context.Background(), auth.RequestInfo{}, e.owner, fmt.Sprintf("%s%d", role, e.nextID), password, role)
	if err != nil {
		e.t.Fatal(err)
	}
	return op
}

// client is a browser or API client with its cookie, CSRF token and
// bearer token.
type client struct {
	e      *env
	cookie *http.Cookie
	csrf   string
	bearer string
	ip     string
	// ctx, if set, is the requests' context (a live stream ends with it).
	ctx context.Context
}

func (e *env) client() *client { return &client{e: e, ip: "192.0.2.10"} }

type resp struct {
	*httptest.ResponseRecorder
	t *testing.T
}

func (r resp) json() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body.Bytes(), &m); err != nil {
		r.t.Fatalf("response %d is not JSON: %v: %s", r.Code, err, r.Body.String())
	}
	return m
}

// do sends a request: body is JSON unless it is a string (sent as a form).
func (c *client) do(method, path string, body any, hdr ...string) resp {
	c.e.t.Helper()
	var rd *bytes.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd, ct = bytes.NewReader([]byte(b)), "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	r := httptest.NewRequest(method, path, rd)
	if c.ctx != nil {
		r = r.WithContext(c.ctx)
	}
	r.RemoteAddr = c.ip + ":40000"
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if c.cookie != nil {
		r.AddCookie(c.cookie)
	}
	if c.csrf != "" {
		r.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	c.e.h.ServeHTTP(w, r)
	for _, ck := range w.Result().Cookies() {
		if strings.HasSuffix(ck.Name, "trement_session") {
			if ck.MaxAge < 0 {
				c.cookie = nil
			} else {
				c.cookie = ck
			}
		}
	}
	return resp{w, c.e.t}
}

// signIn signs op in through the API: password, enrolment (a code from
// pquerna/otp, which the auth tests check against oathtool) and returns
// the full-session client.
func (e *env) signIn(op *auth.Operator) *client {
	e.t.Helper()
	c := e.client()
	r := c.do("POST", "/api/v1/login", map[string]string{"username": op.Username, "password": password})
	if r.Code != 200 {
		e.t.Fatalf("login %s = %d %s", op.Username, r.Code, r.Body)
	}
	c.csrf = r.json()["csrf_token"].(string)
	r = c.do("POST", "/api/v1/login/enrolment", nil)
	if r.Code != 200 {
		e.t.Fatalf("enrolment %s = %d %s", op.Username, r.Code, r.Body)
	}
	secret := r.json()["secret"].(string)
	code, err := totp.GenerateCode(secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	r = c.do("POST", "/api/v1/login/enrolment/confirm", map[string]string{"code": code})
	if r.Code != 200 {
		e.t.Fatalf("confirm %s = %d %s", op.Username, r.Code, r.Body)
	}
	c.csrf = r.json()["csrf_token"].(string)
	return c
}

// tokenFor stores an API token for op with scopes directly (test setup:
// not every role may create tokens through the API).
func (e *env) tokenFor(op *auth.Operator, scopes []auth.Permission) (string, string) {
	e.t.Helper()
	raw := fmt.Sprintf("trm_test-%d-%s", e.nextID, op.ID)
	e.nextID++
	id := store.NewID()
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		return tx.CreateAPIToken(&auth.Token{ID: id, TokenHash: auth.HashToken(raw), OperatorID: op.ID, Name: "test", Scopes: scopes,
			CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(24 * time.Hour)})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return raw, id
}

// events returns the audit log.
func (e *env) events() []*audit.Event {
	e.t.Helper()
	var out []*audit.Event
	err := e.db.AuditSnapshot(context.Background(), func(r audit.Reader) error {
		var err error
		out, err = r.AuditEvents(audit.Filter{Limit: 10000})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) lastEvent() *audit.Event {
	e.t.Helper()
	evs := e.events()
	return evs[len(evs)-1]
}
