package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/browsertest"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// TestBrowserShowsCustomerFiles: a customer attaches a photo on the
// simulator's phone page; in the console's conversation page the owner
// sees it in place (loaded through the
// audited media route under the page's own CSP), and a download link for
// their PDF; a file that was not kept says so.
func TestBrowserShowsCustomerFiles(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-download-media", "-media-max-bytes", "4096"}})
	const (
		who      = "14155550196"
		password = "correct horse battery staple"
	)
	ta.optIn(who)
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		for y := range 30 {
			img.Set(x, y, color.RGBA{uint8(x * 6), uint8(y * 8), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	// The customer attaches the photo on the simulator's phone page.
	photoPath := filepath.Join(t.TempDir(), "dent.png")
	if err := os.WriteFile(photoPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)
	b.Do(chromedp.Navigate(ta.app.dev.url + "/sim/"))
	b.WaitFor("the simulator's page", `document.getElementById("business").textContent !== ""`)
	b.Do(chromedp.SendKeys(chromedp.ID("number"), "+"+who), chromedp.Click(chromedp.CSS(`#new-chat button[type="submit"]`)))
	b.WaitFor("the chat to open", `!document.getElementById("file").disabled`)
	b.Do(chromedp.SendKeys(chromedp.ID("text"), "the dent"), chromedp.SetUploadFiles(chromedp.ID("file"), []string{photoPath}))
	if md := ta.mediaOf(ta.mediaMessage(who, "image").ID); md.State != conversation.MediaStored || !bytes.Equal(md.Data, buf.Bytes()) || md.Ref.MimeType != "image/png" {
		t.Fatalf("the photo from the phone page = %s, %d bytes, %q; want it stored", md.State, len(md.Data), md.Ref.MimeType)
	}
	b.WaitFor("the photo's bubble on the phone", `[...document.querySelectorAll("#messages li.msg.in .body")].some(e => e.textContent.includes("the dent"))`)
	b.Screenshot("sim-photo-sent")
	for _, f := range []*sim.CustomerFile{
		{Kind: "document", Data: append([]byte("%PDF-1.4\n"), make([]byte, 500)...), MimeType: "application/pdf", Filename: "invoice.pdf"},
		{Kind: "video", Data: make([]byte, 5000), MimeType: "video/mp4"},
	} {
		if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, File: f}); err != nil {
			t.Fatal(err)
		}
		ta.mediaOf(ta.mediaMessage(who, f.Kind).ID)
	}
	ta.settle()
	var convID string
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		conv, err := tx.OpenConversation(ta.contactOf(who).ID, "106540352242922")
		if err == nil {
			convID = conv.ID
		}
		return err
	})
	if _, err := ta.app.console.Auth().BootstrapOwner(context.Background(), auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}, "owner", password); err != nil {
		t.Fatal(err)
	}
	b.Do(chromedp.Navigate("http://" + ta.addr + "/conversations/" + convID))
	b.WaitFor("the sign-in page", `location.pathname === "/login"`)
	browserSignIn(b, "owner", password)
	b.WaitFor("the two-step page", `location.pathname === "/login/mfa"`)
	browserEnrol(t, b)
	b.Do(chromedp.Navigate("http://" + ta.addr + "/conversations/" + convID))
	b.WaitFor("the photo, loaded", `(() => { const i = document.querySelector("#thread li.in a.media img"); return i && i.complete && i.naturalWidth === 40 && i.naturalHeight === 30 })()`)
	if got := browsertest.Eval[string](b, `document.querySelector("#thread li.in a.media").closest("li").querySelector(".body").textContent`); got != "[image] the dent" {
		t.Errorf("the photo's message = %q, want its caption", got)
	}
	if got := browsertest.Eval[string](b, `document.querySelector("#thread li.in p.media a[download]").textContent`); got != "Download invoice.pdf (509 bytes)" {
		t.Errorf("document link = %q, want the file name and size", got)
	}
	if got := browsertest.Eval[string](b, `[...document.querySelectorAll("#thread li.in p.meta")].map(p => p.textContent).join("|")`); !bytes.Contains([]byte(got), []byte("The file was not kept (too_large)")) {
		t.Errorf("thread notes = %q, want the video's refusal", got)
	}
	b.Screenshot("console-customer-files")
	b.CheckConsole()
	if n := len(ta.auditReasons("conversation.media_view")); n < 1 {
		t.Errorf("%d viewings audited, want the photo's", n)
	}
}
