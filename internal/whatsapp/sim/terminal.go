package sim

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/trement/trement/internal/whatsapp"
)

const terminalHelp = `Type a message and press Enter to send it as the customer.
  /tap N   tap button or list row N of the business's latest choices
  /help    show this help
  /quit    leave
`

// RunTerminal chats as one customer on a line-based terminal: each line
// read from in is sent as a text message from the customer (from, name),
// and the business's replies are written to out, with numbered choices for
// reply buttons and list rows ("/tap N" picks one).
//
// It returns nil on EOF or "/quit", ctx.Err() when ctx ends, and nil after
// Close. Run must be running for the messages to reach trement. If RunTerminal
// returns before in reaches EOF, its line reader stops at the next line.
func (s *Simulator) RunTerminal(ctx context.Context, in io.Reader, out io.Writer, from, name string) error {
	waID, ok := normalizeNumber(from)
	if !ok {
		return ErrBadNumber
	}
	changes, unsubscribe := s.subscribe()
	defer unsubscribe()

	stop := make(chan struct{})
	defer close(stop)
	lines := make(chan string)
	go func() { // stops at EOF or when RunTerminal returns
		defer close(lines)
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-stop:
				return
			}
		}
	}()

	fmt.Fprintf(out, "Chatting with %s (+%s) as %s (+%s). /help for commands.\n", s.cfg.BusinessName, s.cfg.DisplayNumber, name, waID)
	shown := 0
	if t, ok := s.Thread(waID); ok {
		shown = len(t.Messages) // only show what arrives from now on
	}
	var choices []choiceRef
	var typing time.Time // the typing indicator last shown
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return nil
		case <-changes:
			t, ok := s.Thread(waID)
			if !ok {
				continue
			}
			if t.TypingUntil != nil && !t.TypingUntil.Equal(typing) {
				typing = *t.TypingUntil
				fmt.Fprintf(out, "    (%s is typing…)\n", s.cfg.BusinessName)
			}
			for ; shown < len(t.Messages); shown++ {
				m := t.Messages[shown]
				if m.Direction != "out" {
					continue
				}
				if m.ReplyTo != "" {
					for _, q := range t.Messages {
						if q.ID == m.ReplyTo {
							fmt.Fprintf(out, "    ↪ %q\n", q.Text)
						}
					}
				}
				if c := printBusiness(out, s.cfg.BusinessName, m); len(c) > 0 {
					choices = c
				}
			}
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			line = strings.TrimSpace(line)
			msg := CustomerMessage{From: waID, Name: name}
			switch {
			case line == "":
				continue
			case line == "/quit":
				return nil
			case line == "/help":
				fmt.Fprint(out, terminalHelp)
				continue
			case strings.HasPrefix(line, "/tap"):
				n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "/tap")))
				if err != nil || n < 1 || n > len(choices) {
					fmt.Fprintf(out, "! no choice %q; the latest message offers %d\n", strings.TrimSpace(strings.TrimPrefix(line, "/tap")), len(choices))
					continue
				}
				c := choices[n-1]
				reply := &whatsapp.ReplyChoice{ID: c.ID, Title: c.Title, Description: c.Description}
				msg.Context = c.messageID
				if c.list {
					msg.ListReply = reply
				} else {
					msg.ButtonReply = reply
				}
			default:
				msg.Text = line
			}
			if _, err := s.SendFromCustomer(msg); err != nil {
				fmt.Fprintf(out, "! %v\n", err)
			}
		}
	}
}

type choiceRef struct {
	Choice
	messageID string
	list      bool
}

// printBusiness writes one business message and returns its numbered
// choices.
func printBusiness(out io.Writer, business string, m ThreadMessage) []choiceRef {
	if m.Header != "" {
		fmt.Fprintf(out, "%s: *%s*\n", business, m.Header)
	}
	fmt.Fprintf(out, "%s: %s\n", business, m.Text)
	if m.Footer != "" {
		fmt.Fprintf(out, "    _%s_\n", m.Footer)
	}
	var choices []choiceRef
	for _, b := range m.Buttons {
		choices = append(choices, choiceRef{Choice: b, messageID: m.ID})
		fmt.Fprintf(out, "    [%d] %s\n", len(choices), b.Title)
	}
	if m.List != nil {
		fmt.Fprintf(out, "    (%s)\n", m.List.Button)
		for _, sec := range m.List.Sections {
			if sec.Title != "" {
				fmt.Fprintf(out, "    %s\n", sec.Title)
			}
			for _, r := range sec.Rows {
				choices = append(choices, choiceRef{Choice: r, messageID: m.ID, list: true})
				if r.Description != "" {
					fmt.Fprintf(out, "    [%d] %s: %s\n", len(choices), r.Title, r.Description)
				} else {
					fmt.Fprintf(out, "    [%d] %s\n", len(choices), r.Title)
				}
			}
		}
	}
	return choices
}
