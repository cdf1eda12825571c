// Command trement is the compliance-first WhatsApp AI customer-service
// gateway: one binary with subcommands. main is tiny; run takes the
// arguments, environment and writers so tests boot it in-process.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Env is what a subcommand gets from the process.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Ready, if set, is called by serve with the listening address once the
	// server accepts connections (tests use it with port 0).
	Ready func(addr string)
}

type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// commands is filled by each command's file, so commands stay in files of
// their own.
var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, env *Env, args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if err := run(ctx, os.Args[1:], env); err != nil {
		fmt.Fprintln(os.Stderr, "trement:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, env *Env) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(env.Stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "trement: compliance-first AI customer service on the WhatsApp Business Cloud API")
	fmt.Fprintln(w, "\nUsage: trement <command> [flags]\n\nCommands:")
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery setting is a flag or a TREMENT_* variable: see `trement config doc`.")
}

// subcommand splits "keys rotate …" style arguments.
func subcommand(args []string, known ...string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, fmt.Errorf("missing subcommand: one of %s", strings.Join(known, ", "))
	}
	for _, k := range known {
		if args[0] == k {
			return k, args[1:], nil
		}
	}
	return "", nil, fmt.Errorf("unknown subcommand %q: one of %s", args[0], strings.Join(known, ", "))
}
