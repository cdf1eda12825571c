// Package browsertest drives a real headless Chromium in end-to-end tests of
// the pages trement serves: the operators' console and the simulator's
// customer phone.
//
// # Why a real browser
//
// The pages promise things only a browser checks: a Content-Security-Policy
// that forbids inline script and style, forms that post with the browser's
// own Origin and Sec-Fetch-Site, a script that renders the simulator's chat.
// A fake client would take our word for all of it. A browser enforces it, so
// a test fails on any console error, uncaught exception, policy violation or
// blocked load the page causes (see [Browser.Problems]).
//
// # Use
//
//	b := browsertest.New(t) // skips when no Chromium is installed
//	b.Do(chromedp.Navigate(url), chromedp.Click(chromedp.CSS("button")))
//	b.WaitFor("the reply", `document.querySelectorAll(".msg").length > 1`)
//	b.Screenshot("after-reply")
//
// Problems are reported as test errors when the test ends, or earlier with
// [Browser.CheckConsole]. Screenshots go to a temporary directory, or to
// $TREMENT_TEST_SCREENSHOTS when set, so that they outlive the test run.
//
// # Chromium
//
// The browser is the system's (Debian packages chromium and
// chromium-driver; scripts/test.sh installs them), started with the flags
// that work in containers and CI: no sandbox, no GPU, no QUIC, no background
// networking or component updates, and a fresh profile per test.
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ScreenshotsEnv names a directory to keep screenshots in after the test.
const ScreenshotsEnv = "TREMENT_TEST_SCREENSHOTS"

// execNames are the names the Chromium binary goes by, in the order tried.
var execNames = []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "chrome", "headless-shell"}

// ExecPath returns the Chromium binary to drive, or "" when none is
// installed. $TREMENT_TEST_CHROMIUM, when set, names it.
func ExecPath() string {
	if p := os.Getenv("TREMENT_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range execNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Response is a document the browser loaded, as the server sent it.
type Response struct {
	URL    string
	Status int
	Header http.Header
}

// Browser is one headless Chromium with one tab, owned by a test: it closes
// when the test ends.
type Browser struct {
	t       testing.TB
	ctx     context.Context // the tab; the browser lives as long as it
	timeout time.Duration
	shots   string

	mu        sync.Mutex
	done      bool // the test is over: log nothing more
	problems  []string
	responses []Response
	nshots    int
}

// DefaultTimeout bounds each Do, Run and WaitFor.
const DefaultTimeout = 20 * time.Second

// New starts Chromium for t, or skips t when no Chromium is installed.
func New(t testing.TB) *Browser {
	t.Helper()
	path := ExecPath()
	if path == "" {
		t.Skip("browsertest: no Chromium binary found (install the Debian package chromium, or set TREMENT_TEST_CHROMIUM); scripts/test.sh installs it")
	}
	shots := os.Getenv(ScreenshotsEnv)
	if shots == "" {
		shots = t.TempDir()
	} else {
		shots = filepath.Join(shots, safeName(t.Name()))
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatalf("browsertest: screenshots: %v", err)
		}
	}
	b := &Browser{t: t, timeout: DefaultTimeout, shots: shots}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx,
		chromedp.WithListener(b.listen),
		chromedp.WithErrorf(b.logf),
		chromedp.WithLogf(b.logf),
	)
	// LIFO: this runs before the t.TempDir removals registered above, and
	// cancelAlloc waits for Chromium to exit, so its profile can go.
	t.Cleanup(func() {
		b.mu.Lock()
		b.done = true
		problems := b.problems
		b.problems = nil
		b.mu.Unlock()
		cancelTab()
		cancelAlloc()
		for _, p := range problems {
			t.Errorf("browser: %s", p)
		}
	})

	// Start the browser and open the tab under no deadline: the first run
	// binds their lives to its context.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("browsertest: start %s: %v", path, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("browsertest: %s did not start in 30 s", path)
	}
	b.ctx = ctx
	return b
}

// Context is the tab's context, for chromedp calls the helpers lack.
func (b *Browser) Context() context.Context { return b.ctx }

// Do runs the steps in order, failing the test (after a screenshot) at the
// first error.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fatalf("%v", err)
	}
}

// Run runs one action and returns its value, failing the test (after a
// screenshot) on error.
func Run[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fatalf("%v", err)
	}
	return v
}

// Eval evaluates a JavaScript expression in the page and returns its value.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	return Run(b, chromedp.Evaluate[T](expr))
}

// Text is the rendered text (innerText) of the first element matching the
// CSS selector, waiting for one to exist.
//
// It reads the live document in one evaluation rather than with
// chromedp.Text, whose query and read are two steps: a page that re-renders
// in between (the simulator's chat does on every status) yields "".
func (b *Browser) Text(css string) string {
	b.t.Helper()
	sel, _ := json.Marshal(css)
	q := "document.querySelector(" + string(sel) + ")"
	b.WaitFor(css, q)
	return Eval[string](b, q+".innerText")
}

// WaitFor waits until the JavaScript expression is true in the page,
// failing the test with what was awaited when it stays false.
//
// It evaluates the expression from the outside, every 25 ms, rather than
// with chromedp.Poll: Poll compiles its predicate with new Function inside
// the page, which a Content-Security-Policy without 'unsafe-eval' forbids.
func (b *Browser) WaitFor(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(b.timeout)
	var last error
	for {
		ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err // a navigation in flight destroys the context: retry
		}
		if time.Now().After(deadline) {
			if last != nil {
				b.fatalf("waiting for %s: %v", what, last)
			}
			b.fatalf("waiting for %s: still false after %v: %s", what, b.timeout, expr)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Screenshot saves a PNG of the whole page as name.png and returns its
// path, which it logs.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	path, err := b.screenshot(name)
	if err != nil {
		b.t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	b.t.Logf("screenshot %s: %s", name, path)
	return path
}

func (b *Browser) screenshot(name string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	b.nshots++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.nshots, safeName(name)))
	b.mu.Unlock()
	return path, os.WriteFile(path, png, 0o644)
}

// fatalf fails the test, first saving a screenshot and the page's text so
// the failure can be seen.
func (b *Browser) fatalf(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if errors.Is(b.ctx.Err(), context.Canceled) {
		b.t.Fatalf("browser: %s (the browser is gone)", msg)
	}
	if path, err := b.screenshot("failure"); err == nil {
		msg += "\nscreenshot: " + path
	}
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if url, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		msg += "\nlocation: " + url
	}
	if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`)); err == nil {
		msg += "\npage text:\n" + text
	}
	if ps := b.Problems(); len(ps) > 0 {
		msg += "\nbrowser problems:\n" + strings.Join(ps, "\n")
	}
	b.t.Fatalf("browser: %s", msg)
}

// Problems are the console errors, uncaught exceptions, policy violations
// and blocked loads seen so far. The test fails on any left when it ends.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// TakeProblems returns the problems seen so far and forgets them, for a
// test that causes some on purpose.
func (b *Browser) TakeProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems = nil
	return p
}

// CheckConsole reports each problem seen so far as a test error, now
// rather than when the test ends.
func (b *Browser) CheckConsole() {
	b.t.Helper()
	for _, p := range b.TakeProblems() {
		b.t.Errorf("browser: %s", p)
	}
}

// Responses are the documents loaded so far, oldest first: the top-level
// pages, not their scripts or styles. A redirect shows as its target.
func (b *Browser) Responses() []Response {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Response(nil), b.responses...)
}

// Response is the latest document loaded from a URL with the path, or
// false when none was.
func (b *Browser) Response(path string) (Response, bool) {
	rs := b.Responses()
	for i := len(rs) - 1; i >= 0; i-- {
		if urlPath(rs[i].URL) == path {
			return rs[i], true
		}
	}
	return Response{}, false
}

func urlPath(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j:]
		} else {
			u = "/"
		}
	}
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

// listen runs in the tab's read loop: it must be quick and send nothing.
func (b *Browser) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + strings.SplitN(d.Exception.Description, "\n", 2)[0]
		}
		b.problem("uncaught exception: %s (%s:%d:%d)", text, d.URL, d.LineNumber+1, d.ColumnNumber+1)
	case *runtime.EventConsoleAPICalled:
		text := argsText(ev.Args)
		where := ""
		if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
			f := st.CallFrames[0]
			where = fmt.Sprintf(" (%s:%d:%d)", f.URL, f.LineNumber+1, f.ColumnNumber+1)
		}
		switch ev.Type {
		case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeAssert:
			b.problem("console.%s: %s%s", ev.Type, text, where)
		case runtime.ConsoleAPICalledTypeWarning:
			b.logf("browser console.warn: %s%s", text, where)
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		where := ""
		if e.URL != "" {
			where = fmt.Sprintf(" (%s:%d)", e.URL, e.LineNumber+1)
		}
		switch {
		case e.Source == log.EntrySourceNetwork && urlPath(e.URL) == "/favicon.ico":
			// The browser asks for it on its own; a page cannot opt out
			// short of linking another icon. Not the page's fault.
			b.logf("browser %s %s: %s%s", e.Source, e.Level, e.Text, where)
		case e.Level == log.EntryLevelError,
			e.Source == log.EntrySourceSecurity && e.Level == log.EntryLevelWarning:
			b.problem("%s %s: %s%s", e.Source, e.Level, e.Text, where)
		case e.Level == log.EntryLevelWarning:
			b.logf("browser %s warning: %s%s", e.Source, e.Text, where)
		}
	case *network.EventLoadingFailed:
		if ev.BlockedReason != "" {
			b.problem("%s load blocked (%s): %s", ev.Type, ev.BlockedReason, ev.ErrorText)
		}
	case *network.EventResponseReceived:
		if ev.Type != network.ResourceTypeDocument || ev.Response == nil {
			return
		}
		h := http.Header{}
		for k, v := range ev.Response.Headers {
			// Chromium joins repeated headers with newlines.
			for _, s := range strings.Split(fmt.Sprint(v), "\n") {
				h.Add(k, s)
			}
		}
		b.mu.Lock()
		b.responses = append(b.responses, Response{URL: ev.Response.URL, Status: int(ev.Response.Status), Header: h})
		b.mu.Unlock()
	}
}

func (b *Browser) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.problems = append(b.problems, fmt.Sprintf(format, args...))
	}
}

// logf sends chromedp's and the browser's remarks to the test log while the
// test runs, and drops them after.
func (b *Browser) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.t.Logf(format, args...)
	}
}

func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		switch {
		case a == nil:
		case a.Type == runtime.RemoteObjectTypeString:
			var v string
			if json.Unmarshal([]byte(a.Value), &v) != nil {
				v = string(a.Value)
			}
			parts = append(parts, v)
		case a.Description != "":
			parts = append(parts, a.Description)
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string {
	return strings.Trim(unsafeChars.ReplaceAllString(s, "-"), "-")
}
