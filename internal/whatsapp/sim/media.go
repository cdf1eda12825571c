package sim

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/trement/trement/internal/whatsapp"
)

// Media is a file on the simulated Meta's servers: one a customer sent.
type Media struct {
	Data     []byte
	MimeType string
	// SHA256 and FileSize, when set, replace what the metadata states
	// (base64 SHA-256 of Data, len(Data)): a file that does not match its
	// description, for tests.
	SHA256   string
	FileSize int64
}

// CustomerFile is a file a customer sends: an image, document, audio,
// video or sticker message.
type CustomerFile struct {
	// Kind is "image", "document", "audio", "video" or "sticker".
	Kind     string `json:"kind"`
	Data     []byte `json:"data"` // base64 in JSON
	MimeType string `json:"mime_type"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"` // documents
}

// mediaPath is where the fake Graph API serves a file's bytes (Meta's is
// a lookaside.fbsbx.com URL); its metadata names it.
const mediaPath = "/media/"

// AddMedia keeps m as Meta keeps an uploaded or received file and returns
// its media id: GET /{version}/{media-id} describes it and the URL in that
// description serves it, both with the bearer token.
func (s *Simulator) AddMedia(m Media) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addMediaLocked(m)
}

func (s *Simulator) addMediaLocked(m Media) string {
	if s.media == nil {
		s.media = make(map[string]*Media)
	}
	id := strconv.FormatUint(1e15+s.rng.Uint64()%9e15, 10) // Meta's media ids are 15–16 digits
	m.Data = append([]byte(nil), m.Data...)
	if m.SHA256 == "" {
		sum := sha256.Sum256(m.Data)
		m.SHA256 = base64.StdEncoding.EncodeToString(sum[:])
	}
	if m.FileSize == 0 {
		m.FileSize = int64(len(m.Data))
	}
	s.media[id] = &m
	return id
}

// InjectMediaFault makes the next n requests for a file's metadata fail
// with f (FaultHang holds them), apart from the faults of sends that
// InjectFault queues.
func (s *Simulator) InjectMediaFault(f Fault, n int) error {
	if _, ok := faultSpecs[f]; !ok || f == FaultWindowClosedAsync {
		return fmt.Errorf("%w: %q", ErrUnknownFault, f)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 {
		s.mediaFaults = append(s.mediaFaults, PendingFault{Fault: f, Count: n})
	}
	return nil
}

func (s *Simulator) nextMediaFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.mediaFaults) == 0 {
		return "", false
	}
	f := s.mediaFaults[0].Fault
	if s.mediaFaults[0].Count--; s.mediaFaults[0].Count <= 0 {
		s.mediaFaults = s.mediaFaults[1:]
	}
	return f, true
}

// MediaRequests counts the requests for a file's metadata, faulty ones
// included.
func (s *Simulator) MediaRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mediaRequests
}

// MediaDownloads counts the times a file's bytes were fetched.
func (s *Simulator) MediaDownloads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mediaDownloads
}

// customerFileLocked turns f into the media object of an inbound message.
func (s *Simulator) customerFileLocked(m *whatsapp.Message, f *CustomerFile) error {
	md := &whatsapp.Media{MimeType: f.MimeType, Caption: f.Caption}
	switch f.Kind {
	case "image":
		m.Image = md
	case "video":
		m.Video = md
	case "document":
		m.Document, md.Filename = md, f.Filename
	case "audio":
		m.Audio, md.Caption = md, ""
	case "sticker":
		m.Sticker, md.Caption = md, ""
	default:
		return fmt.Errorf("%w: file kind %q is not image, document, audio, video or sticker", ErrBadMessage, f.Kind)
	}
	if len(f.Data) == 0 || f.MimeType == "" {
		return fmt.Errorf("%w: a file needs data and a mime type", ErrBadMessage)
	}
	md.ID = s.addMediaLocked(Media{Data: f.Data, MimeType: f.MimeType})
	md.SHA256 = s.media[md.ID].SHA256
	m.Type = f.Kind
	return nil
}

// graphMedia serves GET /{version}/{media-id}: the file's metadata, as
// Meta answers it (spec §7.3).
func (s *Simulator) graphMedia(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeGraphError(w, faultSpec{http: 401, code: 190, typ: "OAuthException", message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	s.mu.Lock()
	s.mediaRequests++
	s.mu.Unlock()
	if fault, faulty := s.nextMediaFault(); faulty {
		if fault == FaultHang {
			s.wait(r, s.cfg.HangTimeout)
			return
		}
		writeGraphError(w, faultSpecs[fault])
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	m, ok := s.media[id]
	ext := strconv.FormatUint(s.rng.Uint64(), 36)
	s.mu.Unlock()
	if !versionRE.MatchString(r.PathValue("version")) || !ok {
		writeGraphError(w, faultSpec{http: 400, code: 100, subcode: 33, typ: "GraphMethodException",
			message: fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id)})
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	writeJSON(w, http.StatusOK, map[string]any{"messaging_product": "whatsapp", "id": id, "mime_type": m.MimeType,
		"sha256": m.SHA256, "file_size": m.FileSize, "url": scheme + "://" + r.Host + mediaPath + id + "?ext=" + ext})
}

// mediaDownload serves a file's bytes at the URL its metadata named.
func (s *Simulator) mediaDownload(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeGraphError(w, faultSpec{http: 401, code: 190, typ: "OAuthException", message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	s.mu.Lock()
	m, ok := s.media[strings.TrimPrefix(r.URL.Path, mediaPath)]
	if ok {
		s.mediaDownloads++
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", m.MimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(m.Data)))
	_, _ = w.Write(m.Data)
}
