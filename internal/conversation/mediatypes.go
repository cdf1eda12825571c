package conversation

import "time"

// MediaState is where a customer's file is in being kept.
type MediaState string

// Media states.
const (
	MediaPending MediaState = "pending" // queued for download (or waiting to retry)
	MediaStored  MediaState = "stored"  // downloaded, checked and sealed
	MediaFailed  MediaState = "failed"  // not kept; LastError says why
)

// MediaRef is the file an inbound image, document, audio, video or
// sticker message names: the webhook carries Meta's media id, not the
// file.
type MediaRef struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type,omitempty"`
	// SHA256 is the webhook's checksum, hex or base64 as Meta wrote it.
	SHA256   string `json:"sha256,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Media is a customer's file kept with their message. Ref and Data are
// sealed at rest under the contact's key.
type Media struct {
	MessageID     string
	ContactID     string
	Ref           MediaRef
	State         MediaState
	Size          int64
	Data          []byte // filled only when asked for
	Attempts      int
	NextAttemptAt time.Time
	// LastError says why a download failed or waits to retry; it holds
	// no personal data and no URL.
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}
