package console

import (
	"net/netip"
	"sync"
	"time"
)

// sourceLimit paces unauthenticated requests per source address: a token
// bucket of burst tokens refilled at rate a second. IPv6 sources count by
// /64, since one client usually holds a whole /64. The address is the one
// frame found (the peer, or behind a trusted proxy the client it names),
// never a raw X-Forwarded-For.
type sourceLimit struct {
	rate, burst float64
	now         func() time.Time

	mu      sync.Mutex
	buckets map[netip.Prefix]*sourceBucket
}

type sourceBucket struct {
	tokens float64
	at     time.Time
}

// maxSources bounds the buckets held; past it, full ones are dropped (a
// full bucket is the same as none), and if none is full new sources share
// one bucket.
const maxSources = 100000

func newSourceLimit(rate float64, burst int, now func() time.Time) *sourceLimit {
	return &sourceLimit{rate: rate, burst: float64(max(burst, 1)), now: now, buckets: map[netip.Prefix]*sourceBucket{}}
}

func sourcePrefix(ip string) netip.Prefix {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Prefix{} // unparseable: all such share one bucket
	}
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// bucket returns ip's bucket, refilled to now. l.mu is held.
func (l *sourceLimit) bucket(ip string, now time.Time) *sourceBucket {
	k := sourcePrefix(ip)
	b := l.buckets[k]
	if b == nil {
		if len(l.buckets) >= maxSources {
			for k, v := range l.buckets {
				if v.tokens+now.Sub(v.at).Seconds()*l.rate >= l.burst {
					delete(l.buckets, k)
				}
			}
			if len(l.buckets) >= maxSources {
				k = netip.Prefix{}
				if b = l.buckets[k]; b != nil {
					return l.refill(b, now)
				}
			}
		}
		b = &sourceBucket{tokens: l.burst, at: now}
		l.buckets[k] = b
	}
	return l.refill(b, now)
}

func (l *sourceLimit) refill(b *sourceBucket, now time.Time) *sourceBucket {
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	return b
}

// wait is how long until b holds a token.
func (l *sourceLimit) wait(b *sourceBucket) time.Duration {
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// take spends a token of ip's; if there is none it spends nothing and
// says how long until one is free.
func (l *sourceLimit) take(ip string) (ok bool, retry time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(ip, l.now())
	if b.tokens < 1 {
		return false, l.wait(b)
	}
	b.tokens--
	return true, 0
}

// empty reports whether ip has no token left, and until when, without
// spending one.
func (l *sourceLimit) empty(ip string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(ip, l.now())
	if b.tokens < 1 {
		return true, l.wait(b)
	}
	return false, 0
}
