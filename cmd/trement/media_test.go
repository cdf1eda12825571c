package main

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/whatsapp"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// mediaMessage is the customer's newest message of kind, waited for.
func (ta *testApp) mediaMessage(who, kind string) *conversation.Message {
	ta.t.Helper()
	var found *conversation.Message
	waitFor(ta.t, "the "+kind+" message", func() bool {
		found = nil
		for _, m := range ta.contactMessages(who) {
			if m.Direction == conversation.In && m.Type == kind {
				found = m
			}
		}
		return found != nil
	})
	return found
}

// mediaOf waits until the message's file is no longer pending and
// returns it, with its data.
func (ta *testApp) mediaOf(messageID string) *conversation.Media {
	ta.t.Helper()
	var md *conversation.Media
	waitForWithin(ta.t, "the file to be downloaded or refused", 20*time.Second, func() bool {
		err := ta.db.View(context.Background(), func(tx *store.Tx) error {
			var err error
			md, err = tx.MessageMedia(messageID, true)
			return err
		})
		return err == nil && md.State != conversation.MediaPending
	})
	return md
}

// fileBytes is a file with a marker that must never reach the disk in
// clear.
func fileBytes(marker string, n int) []byte {
	b := bytes.Repeat([]byte(" "+marker+" "), n/(len(marker)+2)+1)
	return append([]byte("\xff\xd8\xff\xe0JFIF"), b[:n]...)
}

// TestCustomerImageKeptSealed: with DOWNLOAD_MEDIA on, an image a
// customer sends through the real webhook is downloaded from the
// simulator's media endpoint after the webhook was answered, checked,
// and kept sealed (no byte of it in clear in the SQLite files); the agent
// is given only the label and caption. A file whose SHA-256 does not
// match, or larger than MEDIA_MAX_BYTES (refused before it is fetched),
// is not kept and is recorded as failed.
func TestCustomerImageKeptSealed(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-download-media", "-media-max-bytes", "65536"}})
	const who = "14155550191"
	ta.optIn(who)
	const marker = "QZXV-PHOTO-PIXELS-5521"
	photo := fileBytes(marker, 40000)
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, File: &sim.CustomerFile{Kind: "image", Data: photo, MimeType: "image/jpeg", Caption: "the box arrived crushed"}}); err != nil {
		t.Fatal(err)
	}
	msg := ta.mediaMessage(who, "image")
	md := ta.mediaOf(msg.ID)
	if md.State != conversation.MediaStored || !bytes.Equal(md.Data, photo) || md.Ref.MimeType != "image/jpeg" || md.Attempts != 1 {
		t.Fatalf("file = state %s, %d bytes, %q, attempt %d, %q; want the photo stored at the first attempt", md.State, len(md.Data), md.Ref.MimeType, md.Attempts, md.LastError)
	}
	if msg.Body != "[image] the box arrived crushed" {
		t.Errorf("message body = %q, want the label and caption", msg.Body)
	}
	ta.settle()

	// A file that is not what Meta says it is, and one too large.
	corrupt := ta.sim.AddMedia(sim.Media{Data: photo, MimeType: "image/jpeg", SHA256: "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI="})
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, Message: &whatsapp.Message{Type: "document",
		Document: &whatsapp.Media{ID: corrupt, MimeType: "application/pdf", Filename: "invoice.pdf"}}}); err != nil {
		t.Fatal(err)
	}
	md = ta.mediaOf(ta.mediaMessage(who, "document").ID)
	if md.State != conversation.MediaFailed || md.LastError != "mismatch" || md.Data != nil {
		t.Errorf("file with a wrong sha256 = %s %q, %d bytes; want failed, mismatch, nothing kept", md.State, md.LastError, len(md.Data))
	}
	downloads := ta.sim.MediaDownloads()
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, File: &sim.CustomerFile{Kind: "video", Data: fileBytes(marker, 70000), MimeType: "video/mp4"}}); err != nil {
		t.Fatal(err)
	}
	md = ta.mediaOf(ta.mediaMessage(who, "video").ID)
	if md.State != conversation.MediaFailed || md.LastError != "too_large" {
		t.Errorf("file over the limit = %s %q, want failed, too_large", md.State, md.LastError)
	}
	if n := ta.sim.MediaDownloads(); n != downloads {
		t.Errorf("the file over the limit was fetched (%d downloads, want %d)", n, downloads)
	}
	ta.settle()
	metrics := ta.metricsText(ta.ownerToken(auth.PermMetricsRead))
	for _, want := range []string{"trement_media_stored_total 1\n", `trement_media_failed_total{reason="mismatch"} 1`, `trement_media_failed_total{reason="too_large"} 1`,
		"trement_media_pending_files 0\n", "trement_media_oldest_pending_seconds 0\n"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	_, path := ta.url, strings.TrimPrefix(ta.url, "sqlite:")
	for _, f := range storetest.SQLiteFiles(path) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(marker)) {
			t.Errorf("%s holds the customer's file in clear", f)
		}
	}
}

// TestMediaOffByDefault: without DOWNLOAD_MEDIA nothing is fetched and
// nothing but the message's label and caption is kept.
func TestMediaOffByDefault(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "14155550192"
	ta.optIn(who)
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, File: &sim.CustomerFile{Kind: "image", Data: fileBytes("x", 1000), MimeType: "image/jpeg", Caption: "look"}}); err != nil {
		t.Fatal(err)
	}
	msg := ta.mediaMessage(who, "image")
	ta.settle()
	time.Sleep(300 * time.Millisecond)
	if msg.Body != "[image] look" {
		t.Errorf("body = %q, want the label and caption", msg.Body)
	}
	err := ta.db.View(context.Background(), func(tx *store.Tx) error {
		_, err := tx.MessageMedia(msg.ID, false)
		return err
	})
	if !errors.Is(err, conversation.ErrNotFound) {
		t.Errorf("MessageMedia with downloads off = %v, want ErrNotFound", err)
	}
	if n := ta.sim.MediaDownloads(); n != 0 {
		t.Errorf("%d files fetched with downloads off, want 0", n)
	}
}

// TestErasureTakesTheFiles: a customer's erasure leaves none of their
// files: the key that sealed them is destroyed at once and the scrubber
// deletes the rows.
func TestErasureTakesTheFiles(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url, _ := b.New(t)
			erasureTakesTheFiles(t, url)
		})
	}
}

func erasureTakesTheFiles(t *testing.T, url string) {
	ta := startApp(t, appOpt{url: url, args: []string{"-download-media"}})
	const who = "5511987650001"
	ta.optIn(who)
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, File: &sim.CustomerFile{Kind: "document", Data: fileBytes("QZXV-DOC", 5000), MimeType: "application/pdf", Filename: "rg.pdf"}}); err != nil {
		t.Fatal(err)
	}
	msg := ta.mediaMessage(who, "document")
	if md := ta.mediaOf(msg.ID); md.State != conversation.MediaStored {
		t.Fatalf("file = %s %q, want stored", md.State, md.LastError)
	}
	ta.settle()
	n := len(ta.replies(who))
	ta.say(who, "apagar meus dados")
	ta.waitReplies(who, n+1)
	ta.say(who, "SIM APAGAR")
	ta.waitReplies(who, n+2)
	ta.settle()
	err := ta.db.View(context.Background(), func(tx *store.Tx) error {
		_, err := tx.MessageMedia(msg.ID, true)
		return err
	})
	if !errors.Is(err, store.ErrErased) && !errors.Is(err, conversation.ErrNotFound) {
		t.Errorf("MessageMedia after erasure = %v, want erased or gone", err)
	}
	driver, dsn := "pgx", url
	if strings.HasPrefix(url, "sqlite:") {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite:")+"?mode=ro"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var rows int
	waitForWithin(t, "the scrubber to delete the file", 30*time.Second, func() bool {
		raw.QueryRow("SELECT COUNT(*) FROM message_media").Scan(&rows)
		return rows == 0
	})
}

// TestOperatorOpensCustomerFiles: an operator who may read the
// conversation gets the customer's image through the console API, as
// the type it was stored as, never sniffed, shown inline, and a document
// as an attachment; each viewing is audited. One who may not see the
// conversation is refused (and that is audited too).
func TestOperatorOpensCustomerFiles(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url, _ := b.New(t)
			operatorOpensCustomerFiles(t, url)
		})
	}
}

func operatorOpensCustomerFiles(t *testing.T, url string) {
	ta := startApp(t, appOpt{url: url, args: []string{"-download-media"}})
	const who = "14155550193"
	ta.optIn(who)
	photo := fileBytes("QZXV-OP-PHOTO", 3000)
	pdf := append([]byte("%PDF-1.4 "), fileBytes("QZXV-OP-PDF", 2000)...)
	for _, f := range []*sim.CustomerFile{{Kind: "image", Data: photo, MimeType: "image/jpeg", Caption: "crushed"}, {Kind: "document", Data: pdf, MimeType: "application/pdf", Filename: "../../invoice\n.pdf"}} {
		if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, File: f}); err != nil {
			t.Fatal(err)
		}
		ta.mediaOf(ta.mediaMessage(who, f.Kind).ID)
	}
	ta.settle()
	tok := ta.ownerToken(auth.PermConversationsReadAll, auth.PermConversationsReadAssigned)
	var list struct{ Conversations []struct{ ID string } }
	if code := ta.api("GET", "/api/v1/conversations", tok, "", &list); code != 200 || len(list.Conversations) != 1 {
		t.Fatalf("conversations = %d, %+v", code, list)
	}
	var conv struct {
		Messages []struct {
			Type  string
			Media *struct{ State, URL, Filename, MimeType string }
		}
	}
	if code := ta.api("GET", "/api/v1/conversations/"+list.Conversations[0].ID, tok, "", &conv); code != 200 {
		t.Fatalf("conversation = %d", code)
	}
	urls := map[string]string{}
	for _, m := range conv.Messages {
		if m.Media != nil {
			if m.Media.State != "stored" || m.Media.URL == "" {
				t.Errorf("%s media = %+v, want stored with a url", m.Type, m.Media)
			}
			urls[m.Type] = m.Media.URL
		}
	}
	get := func(path, token string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+ta.addr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := get(urls["image"], tok)
	h := resp.Header
	if resp.StatusCode != 200 || !bytes.Equal(body, photo) || h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "inline") || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("image = %d, %d bytes, headers %v; want the photo as image/jpeg, nosniff, inline, sandboxed", resp.StatusCode, len(body), h)
	}
	resp, body = get(urls["document"], tok)
	if cd := resp.Header.Get("Content-Disposition"); resp.StatusCode != 200 || !bytes.Equal(body, pdf) || resp.Header.Get("Content-Type") != "application/pdf" ||
		cd != `attachment; filename=invoice_.pdf` {
		t.Errorf("document = %d, %d bytes, %q, %q; want the PDF as an attachment named invoice_.pdf", resp.StatusCode, len(body), resp.Header.Get("Content-Type"), cd)
	}
	if n := len(ta.auditReasons(audit.ActionMediaView)); n != 2 {
		t.Errorf("%d media viewings audited, want 2", n)
	}
	if resp, _ := get(urls["image"], ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the image without credentials = %d, want 401", resp.StatusCode)
	}
	// An agent's token sees only their own conversations and the queue.
	agent, _, err := ta.app.console.Auth().CreateToken(context.Background(), auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}, ta.owner, "agent",
		[]auth.Permission{auth.PermConversationsReadAssigned}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := get(urls["image"], agent); resp.StatusCode != http.StatusForbidden || bytes.Contains(body, photo[:20]) {
		t.Errorf("the image for a token that may not see the conversation = %d, want 403", resp.StatusCode)
	}
	if n := len(ta.auditReasons(audit.ActionMediaView)); n != 2 {
		t.Errorf("%d media viewings audited after a refusal, want still 2", n)
	}
	// Another conversation's message id is not found through this one.
	if resp, _ := get(strings.Replace(urls["image"], list.Conversations[0].ID, "nope", 1), tok); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the image through another conversation id = %d, want 404", resp.StatusCode)
	}
}

// TestMediaRetriedWithoutBlockingOthers: a customer's file whose
// download hangs holds up neither the webhook's answer nor anyone else's
// file, and a file Meta fails to
// describe once (a 500) is fetched again after a backoff and kept.
func TestMediaRetriedWithoutBlockingOthers(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-download-media"}})
	const stuck, other = "14155550194", "14155550195"
	ta.optIn(stuck)
	ta.optIn(other)
	ta.settle()
	if err := ta.sim.InjectMediaFault(sim.FaultHang, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: stuck, File: &sim.CustomerFile{Kind: "image", Data: fileBytes("a", 500), MimeType: "image/png"}}); err != nil {
		t.Fatal(err)
	}
	stuckMsg := ta.mediaMessage(stuck, "image")
	waitFor(t, "the hanging request", func() bool { return ta.sim.MediaRequests() == 1 })
	// The webhook was answered long before: the download is not on its path.
	waitFor(t, "every webhook acknowledged while the download hangs", func() bool { return allDelivered(ta.sim) })

	if err := ta.sim.InjectMediaFault(sim.FaultServerError, 1); err != nil {
		t.Fatal(err)
	}
	photo := fileBytes("b", 800)
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: other, File: &sim.CustomerFile{Kind: "image", Data: photo, MimeType: "image/png"}}); err != nil {
		t.Fatal(err)
	}
	md := ta.mediaOf(ta.mediaMessage(other, "image").ID)
	if md.State != conversation.MediaStored || md.Attempts != 2 || !bytes.Equal(md.Data, photo) {
		t.Errorf("the other customer's file = %s at attempt %d (%q); want stored at the second attempt", md.State, md.Attempts, md.LastError)
	}
	if metrics := ta.metricsText(ta.ownerToken(auth.PermMetricsRead)); !strings.Contains(metrics, "trement_media_pending_files 1\n") {
		t.Errorf("metrics do not count the hanging file as pending:\n%s", grepLines(metrics, "trement_media_"))
	}
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		m, err := tx.MessageMedia(stuckMsg.ID, false)
		if err != nil || m.State != conversation.MediaPending || m.Attempts != 1 {
			t.Errorf("the hanging file = %+v, %v; want still pending at its first attempt", m, err)
		}
		return nil
	})
}

// TestMyDataIncludesTheFiles: the customer's copy of their data (MY DATA)
// holds the files they sent, byte for byte, listed in files.json.
func TestMyDataIncludesTheFiles(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-download-media"}})
	const who = "34655000778"
	ta.optIn(who)
	photo := fileBytes("QZXV-EXPORT", 2500)
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, File: &sim.CustomerFile{Kind: "document", Data: photo, MimeType: "application/pdf", Filename: "../factura.PDF"}}); err != nil {
		t.Fatal(err)
	}
	msg := ta.mediaMessage(who, "document")
	ta.mediaOf(msg.ID)
	ta.settle()
	n := len(ta.replies(who))
	ta.say(who, "MIS DATOS")
	_, link := ta.waitLink(who, n)
	status, body := ta.follow(link)
	if status != http.StatusOK {
		t.Fatalf("download = %d, want 200", status)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if got := files["files/"+msg.ID+".pdf"]; !bytes.Equal(got, photo) {
		t.Errorf("files/%s.pdf = %d bytes, want the %d the customer sent (ZIP holds %d files)", msg.ID, len(got), len(photo), len(files))
	}
	var list []map[string]any
	if err := json.Unmarshal(files["files.json"], &list); err != nil || len(list) != 1 || list[0]["filename"] != "../factura.PDF" || list[0]["path"] != "files/"+msg.ID+".pdf" {
		t.Errorf("files.json = %s, %v; want the file with its name and path", files["files.json"], err)
	}
}

// grepLines returns the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestModelNeverGetsTheFile: with DOWNLOAD_MEDIA on and a language model
// answering, the model is asked about the label and caption only: no
// byte of the file, in clear or base64, and no media id or URL is in any
// request it gets.
func TestModelNeverGetsTheFile(t *testing.T) {
	llm := &fakeLLM{answer: func(string) string { return "Sorry to hear that. A colleague will check the photo." }}
	srv := httptest.NewServer(llm)
	t.Cleanup(srv.Close)
	ta := startApp(t, appOpt{args: []string{"-agent", "openai", "-openai-url", srv.URL + "/v1", "-openai-model", "test-model", "-openai-timeout", "5s", "-download-media"}})
	const who = "14155550197"
	ta.optIn(who)
	n := len(ta.replies(who))
	photo := fileBytes("QZXV-MODEL-PIXELS", 3000)
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, File: &sim.CustomerFile{Kind: "image", Data: photo, MimeType: "image/jpeg", Caption: "the lid is cracked"}}); err != nil {
		t.Fatal(err)
	}
	msg := ta.mediaMessage(who, "image")
	if md := ta.mediaOf(msg.ID); md.State != conversation.MediaStored {
		t.Fatalf("file = %s, want stored", md.State)
	}
	ta.waitReplies(who, n+1)
	ta.settle()
	var ref conversation.MediaRef
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		m, err := tx.MessageMedia(msg.ID, false)
		if err == nil {
			ref = m.Ref
		}
		return err
	})
	sent := llm.all()
	if !strings.Contains(sent, "[image] the lid is cracked") {
		t.Errorf("the model was not asked about the label and caption:\n%s", sent)
	}
	for _, leak := range []string{"QZXV-MODEL-PIXELS", base64.StdEncoding.EncodeToString(photo[:300])[:40], ref.ID, "/media/", "image_url"} {
		if leak != "" && strings.Contains(sent, leak) {
			t.Errorf("a request to the model holds %q", leak)
		}
	}
}

// TestFileWithoutWordsIsAskedForWords: a photo or voice note with no
// caption is not a question about "[image]" for the agent (which would
// answer that it is not sure): the customer is asked, in their language,
// to write what they need; a photo with a caption still reaches the agent.
func TestFileWithoutWordsIsAskedForWords(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34612000193" // Spanish
	ta.optIn(who)
	n := len(ta.replies(who))
	for i, f := range []*sim.CustomerFile{
		{Kind: "image", Data: fileBytes("x", 1000), MimeType: "image/jpeg"},
		{Kind: "audio", Data: fileBytes("y", 1000), MimeType: "audio/ogg"},
	} {
		if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, File: f}); err != nil {
			t.Fatal(err)
		}
		r := ta.waitReplies(who, n+i+1)
		if got := r[n+i].Text; !strings.Contains(got, "solo puedo leer mensajes de texto") {
			t.Errorf("reply to a %s without words = %q, want to be asked to write it", f.Kind, got)
		}
	}
	if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: who, File: &sim.CustomerFile{Kind: "image", Data: fileBytes("z", 1000), MimeType: "image/jpeg", Caption: "¿cuánto tarda el envío?"}}); err != nil {
		t.Fatal(err)
	}
	r := ta.waitReplies(who, n+3)
	if got := r[n+2].Text; !strings.Contains(strings.ToLower(got), "envío") {
		t.Errorf("reply to a photo asking about shipping = %q, want the shipping answer", got)
	}
}
