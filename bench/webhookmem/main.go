// Command webhookmem measures trement's memory under a flood of large
// webhook posts: it builds trement, runs it as its own process on SQLite,
// fires -concurrency posts of -size bytes at once for -rounds rounds
// (unsigned, or signed with -signed), and prints the answers and the
// process's peak RSS (VmHWM, Linux).
//
//	go run ./bench/webhookmem -concurrency 128 -size 3900000 -memory 67108864
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trement/trement/bench/internal/proc"
	"github.com/trement/trement/internal/whatsapp"
)

func main() {
	conc := flag.Int("concurrency", 128, "posts in flight at once")
	size := flag.Int("size", 3_900_000, "body bytes per post")
	rounds := flag.Int("rounds", 3, "rounds of -concurrency posts")
	memory := flag.Int64("memory", 0, "TREMENT_WEBHOOK_MEMORY (0: trement's default)")
	signed := flag.Bool("signed", false, "sign the posts (they are then stored, set aside as malformed)")
	flag.Parse()

	dir, err := os.MkdirTemp("", "trement-webhookmem-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "trement")
	build := exec.Command("go", "build", "-o", bin, "./cmd/trement")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		log.Fatalf("build trement (run from the repository root): %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const secret = "webhookmem-secret"
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "TREMENT_LISTEN="+addr, "TREMENT_DATA_DIR="+dir,
		"TREMENT_MASTER_KEY=q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=",
		"TREMENT_APP_SECRET="+secret, "TREMENT_VERIFY_TOKEN=v", "TREMENT_ACCESS_TOKEN=t",
		"TREMENT_GRAPH_URL=http://127.0.0.1:9", "TREMENT_LOG_LEVEL=error")
	if *memory > 0 {
		cmd.Env = append(cmd.Env, "TREMENT_WEBHOOK_MEMORY="+strconv.FormatInt(*memory, 10))
	}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			log.Fatal("trement did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	idle := proc.PeakRSSKB(cmd.Process.Pid)

	body := bytes.Repeat([]byte("x"), *size)
	sig := ""
	if *signed {
		sig = whatsapp.Sign([]byte(secret), body)
	}
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: *conc}, Timeout: 2 * time.Minute}
	var mu sync.Mutex
	statuses := map[string]int{}
	start := time.Now()
	for range *rounds {
		var wg sync.WaitGroup
		for range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", "http://"+addr+"/webhook", bytes.NewReader(body))
				if sig != "" {
					req.Header.Set(whatsapp.SignatureHeader, sig)
				}
				key := "error"
				if resp, err := client.Do(req); err == nil {
					resp.Body.Close()
					key = strconv.Itoa(resp.StatusCode)
				}
				mu.Lock()
				statuses[key]++
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	time.Sleep(2 * time.Second) // let the processor drain what was stored
	peak := proc.PeakRSSKB(cmd.Process.Pid)
	var keys []string
	for k := range statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, statuses[k]))
	}
	kind := "unsigned"
	if *signed {
		kind = "signed"
	}
	budget := "default"
	if *memory > 0 {
		budget = strconv.FormatInt(*memory>>20, 10) + " MiB"
	}
	fmt.Printf("%d rounds × %d concurrent %s posts of %d bytes, WEBHOOK_MEMORY %s, in %v: %s; RSS idle %.1f MiB, peak %.1f MiB\n",
		*rounds, *conc, kind, *size, budget, elapsed.Round(time.Millisecond), strings.Join(parts, " "), float64(idle)/1024, float64(peak)/1024)
}
