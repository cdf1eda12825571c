package conversation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// MediaFetcher downloads a file a customer sent (the channel adapter
// implements it over the Graph API's media endpoint).
type MediaFetcher interface {
	// FetchMedia returns the file ref names, at most max bytes, checked
	// against Meta's metadata and the webhook's checksum, and its MIME
	// type as the metadata gives it. Errors are *MediaError.
	FetchMedia(ctx context.Context, ref MediaRef, max int64) (mimeType string, data []byte, err error)
}

// MediaError is a failed download, classified by the channel.
type MediaError struct {
	// Retry: the failure may pass (a timeout, Meta's 5xx, a rate limit).
	Retry bool
	// Reason is short and holds no personal data, token or URL:
	// "too_large", "mismatch", "graph code 100", "transport".
	Reason string
	Err    error
}

func (e *MediaError) Error() string { return "media: " + e.Reason + ": " + e.Err.Error() }
func (e *MediaError) Unwrap() error { return e.Err }

// DefaultMediaMaxBytes is the largest file kept when Config.MediaMaxBytes
// is 0.
const DefaultMediaMaxBytes = 16 << 20

// mediaWorker downloads the files the flow queued. It runs beside the
// inbox processor, never inside its transaction: a slow or failing
// download delays only its own file, and the webhook was acknowledged
// long before. Each download has a timeout; a transient failure is
// retried with backoff behind the files that are due, a permanent one (or
// the last attempt) marks the file failed.
type mediaWorker struct {
	store       Store
	fetch       MediaFetcher
	max         int64
	log         *slog.Logger
	stats       *Stats
	wake        chan struct{}
	timeout     time.Duration // one download
	idle        time.Duration // between looks when not woken
	parallel    int
	maxAttempts int
}

func (w *mediaWorker) run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	// Each download holds a slot until it is done; the loop claims files
	// for the free slots only. A file that hangs until its timeout holds
	// one slot, never the others or the next claims.
	slots := make(chan struct{}, w.parallel)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
		free := w.parallel - len(slots)
		if free > 0 {
			list, err := w.claim(ctx, free)
			if err != nil && ctx.Err() == nil {
				w.log.Error("claiming customer files to download failed", "error", err)
			}
			for _, m := range list {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := w.download(ctx, m); err != nil && ctx.Err() == nil {
						w.log.Error("recording a customer file download failed", "message_id", m.MessageID, "error", err)
					}
					<-slots
					w.poke() // a slot is free: there may be more due
				}()
			}
			if len(list) == free {
				w.poke() // a full claim: there may be more due
			}
		}
		t.Reset(w.idle)
	}
}

func (w *mediaWorker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// lease is how long a claimed file is not handed to another worker: past
// it, the worker that claimed it died.
func (w *mediaWorker) lease() time.Duration { return 2*w.timeout + 10*time.Second }

// claim takes up to n files that are due.
func (w *mediaWorker) claim(ctx context.Context, n int) ([]*Media, error) {
	var list []*Media
	err := w.store.Update(ctx, func(tx Tx) error {
		var err error
		list, err = tx.ClaimMedia(tx.Time().Add(w.lease()), n)
		return err
	})
	return list, err
}

// download fetches one file and records the outcome.
func (w *mediaWorker) download(ctx context.Context, m *Media) error {
	dctx, cancel := context.WithTimeout(ctx, w.timeout)
	mimeType, data, err := w.fetch.FetchMedia(dctx, m.Ref, w.max)
	cancel()
	if ctx.Err() != nil {
		return nil // shutting down: the lease hands the file on
	}
	if err == nil {
		err = w.store.Update(ctx, func(tx Tx) error { return tx.StoreMedia(m.MessageID, mimeType, data) })
		if err != nil {
			return fmt.Errorf("media: store %s: %w", m.MessageID, err)
		}
		w.stats.MediaStored.Add(1)
		w.log.Info("customer file downloaded and sealed", "message_id", m.MessageID, "bytes", len(data), "attempt", m.Attempts)
		return nil
	}
	me := &MediaError{Retry: false, Reason: "error", Err: err}
	errors.As(err, &me)
	if me.Retry && m.Attempts < w.maxAttempts {
		wait := mediaBackoff(m.Attempts)
		w.stats.MediaRetries.Add(1)
		w.log.Warn("customer file download failed; will retry", "message_id", m.MessageID, "attempt", m.Attempts, "retry_in", wait, "reason", me.Reason, "error", me.Err)
		// The store's clock decides when a file is due: the next attempt
		// is counted from it.
		return w.store.Update(ctx, func(tx Tx) error { return tx.RetryMedia(m.MessageID, tx.Time().Add(wait), me.Reason) })
	}
	reason := me.Reason
	if me.Retry {
		reason = fmt.Sprintf("%s (gave up after %d attempts)", me.Reason, m.Attempts)
	}
	w.stats.MediaFailed.Add(me.Reason)
	w.log.Warn("customer file not kept", "message_id", m.MessageID, "attempt", m.Attempts, "reason", reason, "error", me.Err)
	return w.store.Update(ctx, func(tx Tx) error { return tx.FailMedia(m.MessageID, reason) })
}

// mediaBackoff is the wait before retry number attempt: 2 s doubling to
// 10 minutes, with up to a fifth more at random.
func mediaBackoff(attempt int) time.Duration {
	d := min(time.Duration(1<<min(attempt, 10))*time.Second, 10*time.Minute)
	return d + rand.N(d/5+1)
}
