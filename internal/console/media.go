package console

import (
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"

	"github.com/trement/trement/internal/audit"
)

// mediaPath is where a message's file is served, below /api/v1 for
// programs and as is for the console's pages (an <img> sends the session
// cookie, not a token).
func mediaPath(conversationID, messageID string) string {
	return "/conversations/" + conversationID + "/messages/" + messageID + "/media"
}

// inlineImages are the image types a browser may show in the page; any
// other file (SVG, which can hold script, included) is only downloaded.
var inlineImages = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true, "image/gif": true}

// serveMedia answers a customer's file to an operator who may see the
// conversation (a refusal is audited, as for the conversation itself).
// The viewing is audited before a byte is sent: no audit record, no file.
// The file is served as what it was stored as, never sniffed, with a
// sandboxing CSP, and as an attachment unless it is a plain image.
func (s *Server) serveMedia(page bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, mid := r.PathValue("id"), r.PathValue("message")
		if page {
			if _, ok := s.pageLoad(w, r); !ok {
				return
			}
		} else if _, ok := s.load(w, r, audit.ActionDenied, false); !ok {
			return
		}
		f, err := s.convs.MediaFile(ctx, id, mid)
		if err != nil {
			if page {
				s.pageError(w, err)
			} else {
				s.apiError(w, r, err)
			}
			return
		}
		ct := mediaType(f.MimeType)
		if err := s.audit(ctx, audit.ActionMediaView, convTarget(id), audit.Success, fmt.Sprintf("file of message %s (%s, %d bytes)", mid, ct, len(f.Data))); err != nil {
			s.log.Error("audit write failed; not serving the file", "error", err, "request_id", RequestInfo(ctx).RequestID)
			writeError(w, http.StatusServiceUnavailable, "the audit log is unavailable; the file was not sent")
			return
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cache-Control", "no-store")
		disp := "attachment"
		if inlineImages[ct] {
			disp = "inline"
		}
		h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": mediaFilename(f.Filename, ct)}))
		h.Set("Content-Length", fmt.Sprint(len(f.Data)))
		_, _ = w.Write(f.Data)
	}
}

// mediaType is the stored MIME type if it is a well-formed one, else
// application/octet-stream; parameters are dropped (an audio's codecs
// stay: they are harmless and players want them).
func mediaType(stored string) string {
	mt, params, err := mime.ParseMediaType(stored)
	if err != nil || !strings.Contains(mt, "/") {
		return "application/octet-stream"
	}
	if c, ok := params["codecs"]; ok && strings.HasPrefix(mt, "audio/") {
		return mime.FormatMediaType(mt, map[string]string{"codecs": c})
	}
	return mt
}

// mediaFilename is a safe download name: the customer's file name without
// folders or control characters, or "file" with an extension for the type.
func mediaFilename(name, ct string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, path.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "_" || len(name) > 200 {
		name = "file"
		if exts, _ := mime.ExtensionsByType(ct); len(exts) > 0 {
			name += exts[0]
		}
	}
	return name
}
