package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/trement/trement/internal/whatsapp"
)

// TestCustomerFileDownloads: a file a customer sends arrives as a media
// id, and the client downloads it through the fake Graph API, checked
// against the metadata; a file that does not match, or is over the limit,
// is refused, and nothing past the limit is fetched.
func TestCustomerFileDownloads(t *testing.T) {
	f := start(t, Config{}, nil, true)
	photo := bytes.Repeat([]byte("\x89PNG pixels "), 100)
	if _, err := f.sim.SendFromCustomer(CustomerMessage{From: "+34 600 111 222", File: &CustomerFile{Kind: "image", Data: photo, MimeType: "image/png", Caption: "broken box"}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(f.stub.events().Messages) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	msgs := f.stub.events().Messages
	if len(msgs) != 1 || msgs[0].Message.Image == nil {
		t.Fatalf("delivered %+v, want one image message", msgs)
	}
	img := msgs[0].Message.Image
	if img.ID == "" || img.SHA256 == "" || img.MimeType != "image/png" || img.Caption != "broken box" {
		t.Fatalf("image = %+v, want id, sha256, mime and caption", img)
	}
	ctx := context.Background()
	info, data, err := f.client.DownloadMedia(ctx, img.ID, img.SHA256, 1<<20)
	if err != nil || !bytes.Equal(data, photo) || info.MimeType != "image/png" || info.FileSize != int64(len(photo)) {
		t.Fatalf("DownloadMedia = %+v, %d bytes, %v; want the photo", info, len(data), err)
	}

	if _, _, err := f.client.DownloadMedia(ctx, img.ID, img.SHA256, 100); !errors.Is(err, whatsapp.ErrMediaTooLarge) {
		t.Errorf("DownloadMedia(max 100) error = %v, want ErrMediaTooLarge", err)
	}
	lying := f.sim.AddMedia(Media{Data: photo, MimeType: "image/png", FileSize: 50})
	before := f.sim.MediaDownloads()
	if _, _, err := f.client.DownloadMedia(ctx, lying, "", 100); !errors.Is(err, whatsapp.ErrMediaTooLarge) {
		t.Errorf("DownloadMedia(file larger than its file_size) error = %v, want ErrMediaTooLarge", err)
	}
	if f.sim.MediaDownloads() != before+1 {
		t.Errorf("downloads = %d, want %d", f.sim.MediaDownloads(), before+1)
	}
	corrupt := f.sim.AddMedia(Media{Data: photo, MimeType: "image/png", SHA256: "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI="})
	if _, _, err := f.client.DownloadMedia(ctx, corrupt, "", 1<<20); !errors.Is(err, whatsapp.ErrMediaMismatch) {
		t.Errorf("DownloadMedia(wrong sha256) error = %v, want ErrMediaMismatch", err)
	}
	if _, _, err := f.client.DownloadMedia(ctx, img.ID, "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=", 1<<20); !errors.Is(err, whatsapp.ErrMediaMismatch) {
		t.Errorf("DownloadMedia(webhook sha256 differs) error = %v, want ErrMediaMismatch", err)
	}
	var ae *whatsapp.APIError
	if _, _, err := f.client.DownloadMedia(ctx, "999", "", 1<<20); !errors.As(err, &ae) || ae.Code != 100 || whatsapp.Classify(err) != whatsapp.Permanent {
		t.Errorf("DownloadMedia(unknown id) error = %v, want code 100, permanent", err)
	}
	if err := f.sim.InjectMediaFault(FaultServerError, 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.client.DownloadMedia(ctx, img.ID, "", 1<<20); whatsapp.Classify(err) != whatsapp.RetryBackoff {
		t.Errorf("DownloadMedia(server error) error = %v, want retryable", err)
	}

	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/media/"+img.ID, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET the file without the token = %d, want 401", resp.StatusCode)
	}
}

// TestUISendsAFile: the phone page's attach button posts the file as
// base64 JSON; it arrives as a media message whose file the Graph API
// serves.
func TestUISendsAFile(t *testing.T) {
	f := start(t, Config{}, nil, true)
	doc := bytes.Repeat([]byte("%PDF-1.4 page "), 20000) // 280 KB: past the other posts' 64 KiB
	body, _ := json.Marshal(map[string]any{"from": "+34600111333", "file": map[string]any{"kind": "document", "data": doc, "mime_type": "application/pdf", "filename": "order.pdf", "caption": "my invoice"}})
	resp, err := http.Post(f.srv.URL+"/sim/api/send", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /sim/api/send with a file = %d, want 200", resp.StatusCode)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(f.stub.events().Messages) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	msgs := f.stub.events().Messages
	if len(msgs) != 1 || msgs[0].Message.Document == nil || msgs[0].Message.Document.Filename != "order.pdf" || msgs[0].Message.Document.Caption != "my invoice" {
		t.Fatalf("delivered %+v, want the document", msgs)
	}
	if _, data, err := f.client.DownloadMedia(context.Background(), msgs[0].Message.Document.ID, msgs[0].Message.Document.SHA256, 1<<20); err != nil || !bytes.Equal(data, doc) {
		t.Errorf("DownloadMedia = %d bytes, %v; want the document", len(data), err)
	}
	th, _ := f.sim.Thread("34600111333")
	if len(th.Messages) != 1 || th.Messages[0].Text != "[document: order.pdf] my invoice" {
		t.Errorf("thread = %+v, want the document's summary", th.Messages)
	}
}
