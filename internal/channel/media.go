package channel

import (
	"context"
	"errors"
	"fmt"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/whatsapp"
)

// Media downloads customers' files through the Graph API client (the same
// base URL and token the sender uses).
type Media struct{ Client *whatsapp.Client }

var _ conversation.MediaFetcher = Media{}

// FetchMedia implements conversation.MediaFetcher.
func (m Media) FetchMedia(ctx context.Context, ref conversation.MediaRef, max int64) (string, []byte, error) {
	info, data, err := m.Client.DownloadMedia(ctx, ref.ID, ref.SHA256, max)
	if err == nil {
		return info.MimeType, data, nil
	}
	me := &conversation.MediaError{Err: err, Retry: whatsapp.Classify(err) == whatsapp.RetryBackoff}
	var ae *whatsapp.APIError
	switch {
	case errors.Is(err, whatsapp.ErrMediaTooLarge):
		me.Reason = "too_large"
	case errors.Is(err, whatsapp.ErrMediaMismatch):
		me.Reason = "mismatch"
	case errors.As(err, &ae):
		me.Reason = fmt.Sprintf("graph http %d code %d", ae.HTTPStatus, ae.Code)
	case me.Retry:
		me.Reason = "transport"
	default:
		me.Reason = "refused"
	}
	return "", nil, me
}
