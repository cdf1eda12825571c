package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/store"
)

// Live updates: GET /conversations/events is a stream of Server-Sent
// Events that tells an open inbox or conversation page that something it
// shows changed, so the page fetches its fragment again through the routes
// it already uses (and their permission checks). An event names a
// conversation id and its queue, nothing else:
//
//	event: conversation
//	data: {"conversation":"…","queue":"waiting"}
//
//	event: message
//	data: {"conversation":"…"}
//
// "reset" says events were dropped (a slow reader): fetch everything. A
// comment line every Heartbeat keeps proxies from closing the stream, and
// each heartbeat checks the session again: a stream ends when its session
// does. An agent hears only of conversations they may see (assigned to
// them or waiting unassigned), and of those the stream already named.
//
// # Several replicas
//
// The database is the source of truth: triggers write every change of a
// conversation or message to a change log (store.ChangeCursor), which
// RunLive reads at once when this process committed a change
// (store.WatchChanges) and every Poll otherwise, for the changes other
// replicas made.

// LiveConfig tunes the live updates; zero values take the defaults.
type LiveConfig struct {
	// Poll is how often the change log is read for other replicas'
	// changes while a stream is open; 1 s.
	Poll time.Duration
	// Heartbeat is how often a stream sends a comment and checks its
	// session; 15 s.
	Heartbeat time.Duration
	// MaxStreams is how many streams one operator may hold open (one a
	// console tab); 5. Past it, 429.
	MaxStreams int
}

func (c LiveConfig) withDefaults() LiveConfig {
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = 15 * time.Second
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = 5
	}
	return c
}

// changeRetention is how long the change log keeps a row (at least; RunLive
// prunes every 10 minutes): far beyond any reader's lag, short enough to
// stay small.
const changeRetention = time.Hour

var (
	errTooManyStreams = errors.New("console: too many live streams")
	errStreamsEnded   = errors.New("console: live streams ended")
)

// liveHub fans the change log out to the open streams of this process.
type liveHub struct {
	cfg    LiveConfig
	mu     sync.Mutex
	subs   map[*liveSub]struct{}
	perOp  map[string]int
	joined chan struct{} // a first stream opened: read the log from startAt
	// startAt is the newest change when the first stream of a run of
	// streams opened: the cursor restarts there (restart), as reading
	// stops while no stream is open.
	startAt int64
	restart bool
	ended   chan struct{} // closed by end: every stream stops
	once    sync.Once
}

// liveSub is one stream's mailbox.
type liveSub struct {
	operator string
	ch       chan store.Change
	lagged   chan struct{} // a change was dropped: the page must fetch everything
}

func newLiveHub(cfg LiveConfig) *liveHub {
	return &liveHub{cfg: cfg.withDefaults(), subs: map[*liveSub]struct{}{}, perOp: map[string]int{},
		joined: make(chan struct{}, 1), ended: make(chan struct{})}
}

// subscribe opens a stream for operator; latest is the change log's
// newest seq, read before: the stream hears of every later change.
func (h *liveHub) subscribe(operator string, latest int64) (*liveSub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.ended:
		return nil, errStreamsEnded
	default:
	}
	if h.perOp[operator] >= h.cfg.MaxStreams {
		return nil, errTooManyStreams
	}
	h.perOp[operator]++
	s := &liveSub{operator: operator, ch: make(chan store.Change, 256), lagged: make(chan struct{}, 1)}
	h.subs[s] = struct{}{}
	if len(h.subs) == 1 {
		h.startAt, h.restart = latest, true
		select {
		case h.joined <- struct{}{}:
		default:
		}
	}
	return s, nil
}

func (h *liveHub) unsubscribe(s *liveSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	if h.perOp[s.operator]--; h.perOp[s.operator] <= 0 {
		delete(h.perOp, s.operator)
	}
}

// listening reports whether a stream is open and, if the cursor must
// restart, where.
func (h *liveHub) listening() (ok bool, restart bool, at int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	restart, at, h.restart = h.restart, h.startAt, false
	return len(h.subs) > 0, restart, at
}

// publish hands changes to every stream without waiting: a full mailbox
// gets a reset instead.
func (h *liveHub) publish(changes []store.Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		for _, c := range changes {
			select {
			case s.ch <- c:
				continue
			default:
			}
			select {
			case s.lagged <- struct{}{}:
			default:
			}
			break
		}
	}
}

// coalesce keeps the last change of each conversation and kind: a burst
// (a batch of messages, a message and its ticks) is one event, and the
// page fetches once.
func coalesce(list []store.Change) []store.Change {
	type key struct{ id, kind string }
	last := make(map[key]int, len(list))
	for i, c := range list {
		last[key{c.ConversationID, c.Kind}] = i
	}
	out := make([]store.Change, 0, len(last))
	for i, c := range list {
		if last[key{c.ConversationID, c.Kind}] == i {
			out = append(out, c)
		}
	}
	return out
}

// end stops every stream and refuses new ones.
func (h *liveHub) end() { h.once.Do(func() { close(h.ended) }) }

// RunLive reads the change log and feeds the open streams until ctx ends,
// then ends every stream. The log is read at once after a commit in this
// process and every LiveConfig.Poll while a stream is open (changes of
// other replicas), not at all while none is; rows older than an hour are
// pruned. Whoever owns the server runs it; without it streams only beat.
func (s *Server) RunLive(ctx context.Context) {
	defer s.live.end()
	wake, stop := s.db.WatchChanges()
	defer stop()
	poll := time.NewTicker(s.live.cfg.Poll)
	defer poll.Stop()
	prune := time.NewTicker(10 * time.Minute)
	defer prune.Stop()
	cur := &store.ChangeCursor{DB: s.db, Now: s.now}
	type mark struct {
		at  time.Time
		seq int64
	}
	var marks []mark // the log's newest seq at each prune tick
	read := func() {
		ok, restart, at := s.live.listening()
		if restart {
			cur.Reset(at)
		}
		if !ok {
			return
		}
		for {
			list, err := cur.Next(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("live updates: read the change log", "error", err)
				}
				return
			}
			if len(list) > 0 {
				s.live.publish(coalesce(list))
			}
			if len(list) < 2000 {
				return
			}
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.live.ended:
			return
		case <-s.live.joined:
			read()
		case <-wake:
			read()
		case <-poll.C:
			read()
		case <-prune.C:
			// Prune up to the newest seq of an hour ago.
			seq, err := s.db.LatestChange(ctx)
			if err == nil {
				marks = append(marks, mark{s.now(), seq})
				cut := int64(-1)
				for len(marks) > 0 && s.now().Sub(marks[0].at) >= changeRetention {
					cut, marks = marks[0].seq, marks[1:]
				}
				if cut > 0 {
					_, err = s.db.PruneChanges(ctx, cut)
				}
			}
			if err != nil && ctx.Err() == nil {
				s.log.Warn("live updates: prune the change log", "error", err)
			}
		}
	}
}

// EndStreams ends every live stream now and refuses new ones. Register it
// with http.Server.RegisterOnShutdown: Shutdown waits for connections to go
// idle, which a stream never does.
func (s *Server) EndStreams() { s.live.end() }

// liveQueue is the inbox queue a conversation in state, assigned to
// assignee, is first in for operator me.
func liveQueue(state, assignee, me string) string {
	switch {
	case state == "waiting_human":
		return queueWaiting
	case state == "closed":
		return queueClosed
	case assignee != "" && assignee == me:
		return queueMine
	}
	return queueAll
}

// pageEvents is the live stream (see LiveConfig).
func (s *Server) pageEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := PrincipalFrom(ctx)
	latest, err := s.db.LatestChange(ctx)
	if err != nil {
		s.pageError(w, err)
		return
	}
	sub, err := s.live.subscribe(p.OperatorID, latest)
	switch {
	case errors.Is(err, errTooManyStreams):
		w.Header().Set("Retry-After", "30")
		http.Error(w, fmt.Sprintf("at most %d live streams per operator: close a console tab", s.live.cfg.MaxStreams), http.StatusTooManyRequests)
		return
	case err != nil:
		http.Error(w, "the server is stopping", http.StatusServiceUnavailable)
		return
	}
	defer s.live.unsubscribe(sub)
	// named are the conversations this operator may have on screen: the
	// ones they could see when the stream opened, and those it told of
	// since. A change that takes one out of their sight (another took it)
	// is still told, so the page drops it.
	named := map[string]bool{}
	if !p.Can(auth.PermConversationsReadAll) {
		list, err := s.visibleConversations(r)
		if err != nil {
			s.pageError(w, err)
			return
		}
		for _, c := range list {
			named[c.ID] = true
		}
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no") // nginx: pass events on as they come
	w.WriteHeader(http.StatusOK)
	// send writes and flushes, within a deadline of its own: the server's
	// WriteTimeout would end a stream that lives longer, and a reader that
	// stopped reading must not hold the handler forever.
	send := func(text string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if _, err := fmt.Fprint(w, text); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 3000\n: trement live updates\n\n") {
		return
	}
	beat := time.NewTicker(s.live.cfg.Heartbeat)
	defer beat.Stop()
	tok := sessionToken(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.live.ended:
			return
		case <-beat.C:
			np, _, err := s.auth.Authenticate(ctx, tok)
			if err != nil || !np.Can(auth.PermConversationsReadAssigned) {
				send("event: end\ndata: {}\n\n")
				return
			}
			p = np
			if !send(": ping\n\n") {
				return
			}
		case <-sub.lagged:
			if !send("event: reset\ndata: {}\n\n") {
				return
			}
		case c := <-sub.ch:
			if !named[c.ConversationID] && !visible(p, ConversationSummary{State: c.State, AssignedTo: c.AssignedTo}) {
				continue
			}
			named[c.ConversationID] = true
			var ev string
			var data []byte
			if c.Kind == "message" {
				ev = "message"
				data, _ = json.Marshal(struct {
					Conversation string `json:"conversation"`
				}{c.ConversationID})
			} else {
				ev = "conversation"
				data, _ = json.Marshal(struct {
					Conversation string `json:"conversation"`
					Queue        string `json:"queue"`
				}{c.ConversationID, liveQueue(c.State, c.AssignedTo, p.OperatorID)})
			}
			if !send("event: " + ev + "\ndata: " + string(data) + "\n\n") {
				return
			}
		}
	}
}
