package rights

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/conversation"
)

// chunkSize is how much of the ZIP is sealed and stored at a time: the
// export is never whole in memory.
const chunkSize = 256 << 10

// pageSize is how many messages are read at a time.
const pageSize = 1000

// Summary counts what an export holds.
type Summary struct {
	Conversations, Messages, Consent, Requests, AuditEvents int
	// Files counts the files (images, documents…) put in files/.
	Files int
}

// chunkWriter seals the ZIP into the store chunk by chunk, each in a
// transaction of its own.
type chunkWriter struct {
	ctx  context.Context
	st   Store
	e    *Export
	buf  []byte
	seq  int
	size int64
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(chunkSize-len(w.buf), len(p))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == chunkSize {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	err := w.st.Update(w.ctx, func(tx Tx) error { return tx.PutExportChunk(w.e, w.seq, w.buf) })
	if err != nil {
		return fmt.Errorf("rights: export chunk: %w", err)
	}
	w.seq++
	w.size += int64(len(w.buf))
	w.buf = w.buf[:0]
	return nil
}

// Build writes the ZIP of everything trement holds about contact c into
// export e, as a stream: each part as JSON and CSV, read page by page in
// one snapshot and sealed chunk by chunk. It sets e.Size and e.Chunks.
func (s *Service) Build(ctx context.Context, e *Export, c *conversation.Contact) (Summary, error) {
	cw := &chunkWriter{ctx: ctx, st: s.st, e: e, buf: make([]byte, 0, chunkSize)}
	zw := zip.NewWriter(cw)
	var sum Summary
	err := s.st.View(ctx, func(tx Tx) error {
		x := &exporter{zw: zw, tx: tx, c: c, pseudonym: s.st.Pseudonym(c.WaID), waIndex: s.st.WaIndex(c.WaID), at: s.now().UTC()}
		var err error
		sum, err = x.write()
		return err
	})
	if err != nil {
		return sum, err
	}
	if err := zw.Close(); err != nil {
		return sum, fmt.Errorf("rights: export: %w", err)
	}
	if err := cw.flush(); err != nil {
		return sum, err
	}
	e.Size, e.Chunks = cw.size, cw.seq
	return sum, nil
}

type exporter struct {
	zw        *zip.Writer
	tx        Tx
	c         *conversation.Contact
	pseudonym string
	waIndex   []byte
	at        time.Time
}

// part writes name.json (a JSON array of rows) and name.csv (header, then
// one line per row). rows calls emit once per row, with the row's JSON
// value and its CSV cells, and is called twice (once per file) so nothing
// is held between them.
func (x *exporter) part(name string, header []string, rows func(emit func(v any, cells []string) error) error) (int, error) {
	jw, err := x.zw.Create(name + ".json")
	if err != nil {
		return 0, err
	}
	n := 0
	if _, err := io.WriteString(jw, "[\n"); err != nil {
		return 0, err
	}
	err = rows(func(v any, _ []string) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if n > 0 {
			if _, err := io.WriteString(jw, ",\n"); err != nil {
				return err
			}
		}
		n++
		_, err = jw.Write(b)
		return err
	})
	if err != nil {
		return 0, err
	}
	if _, err := io.WriteString(jw, "\n]\n"); err != nil {
		return 0, err
	}
	cf, err := x.zw.Create(name + ".csv")
	if err != nil {
		return 0, err
	}
	cw := csv.NewWriter(cf)
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	err = rows(func(_ any, cells []string) error { return cw.Write(cells) })
	if err != nil {
		return 0, err
	}
	cw.Flush()
	return n, cw.Error()
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

type profileJSON struct {
	ContactID     string `json:"contact_id"`
	WhatsAppID    string `json:"whatsapp_number"`
	ProfileName   string `json:"profile_name,omitempty"`
	Region        string `json:"region"`
	RegionReason  string `json:"region_reason"`
	Language      string `json:"language"`
	ConsentState  string `json:"consent_state"`
	NoticeVersion string `json:"notice_version"`
	Pseudonym     string `json:"pseudonym"`
	LastInboundAt string `json:"last_inbound_at"`
	CreatedAt     string `json:"created_at"`
	UpdatedAt     string `json:"updated_at"`
}

type messageJSON struct {
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
	Direction      string `json:"direction"`
	Author         string `json:"author"`
	Type           string `json:"type"`
	Body           string `json:"body"`
	Status         string `json:"status"`
	SentAt         string `json:"whatsapp_timestamp"`
	CreatedAt      string `json:"created_at"`
	// ReplyTo is the id (in this export) of the message this one replies
	// to; Reaction the customer's reaction to it; Context its forward
	// flags, the ad it came from and the product asked about.
	ReplyTo  string                    `json:"reply_to,omitempty"`
	Reaction string                    `json:"reaction,omitempty"`
	Context  *conversation.MessageMeta `json:"context,omitempty"`
}

// contextCells are a message's Context as CSV cells: forwarded
// ("forwarded", "frequently_forwarded" or ""), the ad's source type,
// headline, body and link, and the product ("catalog/item").
func contextCells(md *conversation.MessageMeta) []string {
	cells := make([]string, 6)
	if md == nil {
		return cells
	}
	switch {
	case md.FrequentlyForwarded:
		cells[0] = "frequently_forwarded"
	case md.Forwarded:
		cells[0] = "forwarded"
	}
	if r := md.Referral; r != nil {
		cells[1], cells[2], cells[3], cells[4] = r.SourceType, r.Headline, r.Body, r.SourceURL
	}
	if p := md.Product; p != nil {
		cells[5] = p.CatalogID + "/" + p.ProductRetailerID
	}
	return cells
}

func (x *exporter) write() (Summary, error) {
	var sum Summary
	c := x.c
	readme, err := x.zw.Create("README.txt")
	if err != nil {
		return sum, err
	}
	fmt.Fprintf(readme, "Everything trement holds about you, as of %s.\n\n"+
		"Each part is here twice: as JSON (.json) and as CSV (.csv).\n"+
		"profile: your number, language and region (and why that region)\n"+
		"consent: every consent event about you (the evidence of what you accepted or refused)\n"+
		"conversations, messages: your conversations and every message kept, yours and ours\n"+
		"files: the files you sent (images, documents, audio, video, stickers), if they were kept; each is in the folder files/\n"+
		"requests: your data-protection requests\n"+
		"audit: the audit events about you; you appear there as the pseudonym %s, never by your number\n", ts(x.at), x.pseudonym)

	p := profileJSON{ContactID: c.ID, WhatsAppID: c.WaID, ProfileName: c.ProfileName, Region: c.Region, RegionReason: c.RegionReason,
		Language: c.Language, ConsentState: string(c.ConsentState), NoticeVersion: c.NoticeVersion, Pseudonym: x.pseudonym,
		LastInboundAt: ts(c.LastInboundAt), CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt)}
	if _, err := x.part("profile", []string{"contact_id", "whatsapp_number", "profile_name", "region", "region_reason", "language", "consent_state", "notice_version", "pseudonym", "last_inbound_at", "created_at", "updated_at"},
		func(emit func(any, []string) error) error {
			return emit(p, []string{p.ContactID, p.WhatsAppID, p.ProfileName, p.Region, p.RegionReason, p.Language, p.ConsentState, p.NoticeVersion, p.Pseudonym, p.LastInboundAt, p.CreatedAt, p.UpdatedAt})
		}); err != nil {
		return sum, err
	}

	ledger, err := x.tx.ConsentEvents(x.waIndex)
	if err != nil {
		return sum, err
	}
	if sum.Consent, err = x.part("consent", []string{"seq", "kind", "notice_version", "purpose", "region", "channel", "at"},
		func(emit func(any, []string) error) error {
			for _, e := range ledger {
				v := map[string]any{"seq": e.Seq, "kind": e.Kind, "notice_version": e.NoticeVersion, "purpose": e.Purpose, "region": e.Region, "channel": e.Channel, "at": ts(e.At)}
				if err := emit(v, []string{strconv.FormatInt(e.Seq, 10), string(e.Kind), e.NoticeVersion, e.Purpose, e.Region, e.Channel, ts(e.At)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return sum, err
	}

	convs, err := x.tx.ContactConversations(c.ID)
	if err != nil {
		return sum, err
	}
	targets := []string{"contact:" + c.ID}
	if sum.Conversations, err = x.part("conversations", []string{"id", "state", "sensitive", "created_at", "updated_at", "closed_at"},
		func(emit func(any, []string) error) error {
			for _, cv := range convs {
				v := map[string]any{"id": cv.ID, "state": cv.State, "sensitive": cv.Sensitive, "created_at": ts(cv.CreatedAt), "updated_at": ts(cv.UpdatedAt), "closed_at": ts(cv.ClosedAt)}
				if err := emit(v, []string{cv.ID, string(cv.State), strconv.FormatBool(cv.Sensitive), ts(cv.CreatedAt), ts(cv.UpdatedAt), ts(cv.ClosedAt)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return sum, err
	}
	for _, cv := range convs {
		targets = append(targets, "conversation:"+cv.ID)
	}

	if sum.Messages, err = x.part("messages", []string{"id", "conversation_id", "direction", "author", "type", "body", "status", "whatsapp_timestamp", "created_at",
		"reply_to", "reaction", "forwarded", "ad_source_type", "ad_headline", "ad_body", "ad_source_url", "product"},
		func(emit func(any, []string) error) error {
			var cur MessageCursor
			for {
				page, err := x.tx.ContactMessagesAfter(c.ID, cur, pageSize)
				if err != nil {
					return err
				}
				for _, m := range page {
					author := m.Author
					if len(author) > 9 && author[:9] == "operator:" {
						author = "operator" // which operator is the business's, not the customer's data
					}
					v := messageJSON{ID: m.ID, ConversationID: m.ConversationID, Direction: string(m.Direction), Author: author, Type: m.Type,
						Body: m.Body, Status: string(m.Status), SentAt: ts(m.WATimestamp), CreatedAt: ts(m.CreatedAt),
						ReplyTo: m.ReplyToID, Reaction: m.Reaction, Context: m.Meta}
					cells := append([]string{v.ID, v.ConversationID, v.Direction, v.Author, v.Type, v.Body, v.Status, v.SentAt, v.CreatedAt, v.ReplyTo, v.Reaction}, contextCells(m.Meta)...)
					if err := emit(v, cells); err != nil {
						return err
					}
				}
				if len(page) < pageSize {
					return nil
				}
				last := page[len(page)-1]
				cur = MessageCursor{CreatedAt: last.CreatedAt, ID: last.ID}
			}
		}); err != nil {
		return sum, err
	}

	if sum.Files, err = x.files(); err != nil {
		return sum, err
	}

	reqs, err := x.tx.Requests(Filter{ContactID: c.ID, Limit: 1000})
	if err != nil {
		return sum, err
	}
	if sum.Requests, err = x.part("requests", []string{"id", "type", "source", "identity", "status", "due_at", "outcome", "detail", "created_at", "completed_at"},
		func(emit func(any, []string) error) error {
			for _, r := range reqs {
				v := map[string]any{"id": r.ID, "type": r.Type, "source": r.Source, "identity": r.Identity, "status": r.Status, "due_at": ts(r.DueAt),
					"outcome": r.Outcome, "detail": r.Detail, "created_at": ts(r.CreatedAt), "completed_at": ts(r.CompletedAt)}
				if err := emit(v, []string{r.ID, string(r.Type), string(r.Source), string(r.Identity), string(r.Status), ts(r.DueAt), r.Outcome, r.Detail, ts(r.CreatedAt), ts(r.CompletedAt)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return sum, err
	}
	for _, r := range reqs {
		targets = append(targets, "dsar:"+r.ID)
	}

	sum.AuditEvents, err = x.part("audit", []string{"seq", "at", "actor_type", "actor_id", "action", "target", "outcome", "reason"},
		func(emit func(any, []string) error) error {
			var after int64
			for {
				page, err := x.tx.AuditAbout(x.pseudonym, targets, after, pageSize)
				if err != nil {
					return err
				}
				for _, e := range page {
					if err := emit(auditRow(e), []string{strconv.FormatInt(e.Seq, 10), ts(e.At), string(e.ActorType), e.ActorID, e.Action, e.Target, string(e.Outcome), e.Reason}); err != nil {
						return err
					}
					after = e.Seq
				}
				if len(page) < pageSize {
					return nil
				}
			}
		})
	return sum, err
}

// files writes the list of the customer's files (files.json, files.csv)
// and each kept file into files/, one at a time, and returns how many
// files it put there.
func (x *exporter) files() (int, error) {
	list, err := x.tx.ContactMedia(x.c.ID)
	if err != nil {
		return 0, err
	}
	paths := make(map[string]string, len(list))
	for _, m := range list {
		if m.State == conversation.MediaStored {
			paths[m.MessageID] = "files/" + m.MessageID + exportExt(m.Ref)
		}
	}
	if _, err := x.part("files", []string{"message_id", "state", "mime_type", "size", "filename", "path", "not_kept_because"},
		func(emit func(any, []string) error) error {
			for _, m := range list {
				v := map[string]any{"message_id": m.MessageID, "state": m.State, "mime_type": m.Ref.MimeType, "size": m.Size, "filename": m.Ref.Filename,
					"path": paths[m.MessageID], "not_kept_because": m.LastError}
				if err := emit(v, []string{m.MessageID, string(m.State), m.Ref.MimeType, strconv.FormatInt(m.Size, 10), m.Ref.Filename, paths[m.MessageID], m.LastError}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return 0, err
	}
	n := 0
	for _, m := range list {
		if paths[m.MessageID] == "" {
			continue
		}
		full, err := x.tx.MessageMedia(m.MessageID, true)
		if err != nil {
			return n, err
		}
		w, err := x.zw.CreateHeader(&zip.FileHeader{Name: paths[m.MessageID], Method: zip.Store, Modified: m.UpdatedAt}) // media is compressed already
		if err != nil {
			return n, err
		}
		if _, err := w.Write(full.Data); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// exportExt is the extension a file gets in the export: its own name's,
// else one for its type (the name itself stays in files.json: it is the
// customer's and may not be a safe path).
func exportExt(ref conversation.MediaRef) string {
	if ext := path.Ext(ref.Filename); len(ext) > 1 && len(ext) <= 6 && strings.Trim(ext[1:], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" {
		return strings.ToLower(ext)
	}
	mt, _, _ := mime.ParseMediaType(ref.MimeType)
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ""
}

func auditRow(e *audit.Event) map[string]any {
	return map[string]any{"seq": e.Seq, "at": ts(e.At), "actor_type": e.ActorType, "actor_id": e.ActorID, "action": e.Action, "target": e.Target,
		"outcome": e.Outcome, "reason": e.Reason}
}
