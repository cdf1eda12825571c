package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/trement/trement/bench/internal/proc"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat
// (100 on every Linux architecture Go supports).
const clockTicks = 100

// cpuTime returns the user+system CPU time the process pid has used.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return statCPU(string(b))
}

// statCPU reads utime+stime from the text of /proc/<pid>/stat.
func statCPU(b string) time.Duration {
	// The command name (field 2) may hold spaces; fields after its closing
	// parenthesis start at field 3 (state); utime and stime are 14 and 15.
	f := strings.Fields(b[strings.LastIndexByte(b, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// timeWait counts TCP sockets in TIME_WAIT to or from port (both ends live
// on this machine, in the same network namespace).
func timeWait(port int) int {
	n := 0
	hexPort := fmt.Sprintf(":%04X", port)
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) > 3 && f[3] == "06" && (strings.HasSuffix(f[1], hexPort) || strings.HasSuffix(f[2], hexPort)) {
				n++
			}
		}
	}
	return n
}

// runSteady offers rate webhooks/s for d, prints the backlog each second,
// waits for the replies and reports trement's CPU per answered message.
func runSteady(dbURL string, d time.Duration, rate, customers int, drain time.Duration) {
	srv := startTrement(dbURL, customers, drain)
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	// CPU is summed over every replica.
	cpuAll := func() time.Duration {
		var t time.Duration
		for _, c := range srv.cmds {
			t += cpuTime(c.Process.Pid)
		}
		return t
	}
	g := srv.gen
	ackBase, sentBase := g.acked.Load(), srv.sent
	var pg *pgCPU
	if strings.HasPrefix(srv.dbURL, "postgres") {
		pg = newPGCPU(srv.dbURL)
	}
	var wireBase wireSnapshot
	if wire != nil {
		wireBase = wire.snapshot()
	}
	cpuBase := cpuAll()
	start := time.Now()

	fmt.Printf("\n## Steady load (%s, %d replica(s), %d business number(s), %d customers, %d webhooks/s for %s, %d CPUs)\n\n", backendOf(srv.dbURL), len(srv.cmds), len(phones), customers, rate, d, runtimeCPUs())
	fmt.Println("| s | acked | replied | backlog | trement CPU | Graph sockets in TIME_WAIT |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|")
	done := make(chan phase)
	go func() { done <- g.steady("steady", d, rate) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var p phase
	lastCPU, peakTW := cpuBase, 0
	for sec := 1; ; sec++ {
		select {
		case p = <-done:
		case <-tick.C:
			acked, replied := g.acked.Load()-ackBase, int64(len(srv.graph.Sent()))-sentBase
			cpu, tw := cpuAll(), timeWait(srv.graphPort)
			if pg != nil {
				pg.sample(false)
			}
			peakTW = max(peakTW, tw)
			fmt.Printf("| %d | %d | %d | %d | %.0f %% | %d |\n", sec, acked, replied, acked-replied, 100*(cpu-lastCPU).Seconds(), tw)
			lastCPU = cpu
			continue
		}
		break
	}
	// Every acknowledged question gets one reply (an answer or a notice).
	got := waitSends(srv.graph, sentBase+p.acked, drain) - sentBase
	elapsed := time.Since(start)
	cpu := cpuAll() - cpuBase
	var pgOurs, pgOthers time.Duration
	var wal int64
	if pg != nil {
		pgOurs, pgOthers = pg.used()
		wal = pg.walBytes()
	}
	peakTW = max(peakTW, timeWait(srv.graphPort))

	fmt.Printf("\nAcknowledged %d (%d failed), p50 ack %s, p99 ack %s\n", p.acked, p.failed, round(p.pct(0.50)), round(p.pct(0.99)))
	fmt.Printf("Replies: %d of %d, the last %.1fs after the load ended\n", got, p.acked, (elapsed - p.elapsed).Seconds())
	fmt.Printf("Duplicate replies (same content or idempotency key to one customer): %d\n", srv.graph.DuplicateCount())
	fmt.Printf("Acknowledged but not stored (lost): %d\n", lost(srv.dbURL, p.acked))
	if got > 0 {
		fmt.Printf("trement CPU: %.2fs over %.1fs (%.2f cores), **%.3f ms per answered message**\n",
			cpu.Seconds(), elapsed.Seconds(), cpu.Seconds()/elapsed.Seconds(), float64(cpu.Microseconds())/1000/float64(got))
	}
	if pg != nil && got > 0 {
		perMsg := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(got) }
		fmt.Printf("PostgreSQL CPU: trement's backends %.2fs (%.2f cores), **%.3f ms per answered message**; the server's other processes (background, other databases) %.2fs, %.3f ms per answer\n",
			pgOurs.Seconds(), pgOurs.Seconds()/elapsed.Seconds(), perMsg(pgOurs), pgOthers.Seconds(), perMsg(pgOthers))
		if wal >= 0 {
			fmt.Printf("PostgreSQL WAL written (the whole server, other databases included): %.1f MiB, %.2f KiB per answered message\n", float64(wal)/(1<<20), float64(wal)/1024/float64(got))
		}
	}
	if wire != nil && got > 0 {
		wire.report(wireBase, got, 20)
	}
	fmt.Printf("Peak Graph API sockets in TIME_WAIT: %d\n", peakTW)
	fmt.Printf("trement peak RSS (first replica): %.1f MiB\n", float64(proc.PeakRSSKB(pid))/1024)
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("Load average at the end (1, 5, 15 min): %s\n", strings.Join(strings.Fields(string(la))[:3], " "))
	}
}

func backendOf(dbURL string) string { return strings.SplitN(dbURL, ":", 2)[0] }
