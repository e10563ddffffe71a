// Package ratelimit keeps token buckets per key (a user, an IP address) in
// a bounded map: the least recently seen key is forgotten when the map is
// full, so a flood of new keys (spoofed or many addresses) costs a fixed
// amount of memory. Handlers see only the Limiter interface.
package ratelimit

import (
	"container/list"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter says whether one more request of key may go now, and if not,
// how long to wait before trying again.
type Limiter interface {
	Allow(key string) (ok bool, retryAfter time.Duration)
}

// Config is one limit: Rate requests per Per (sustained), with bursts up
// to Burst. A zero Rate means no limit.
type Config struct {
	Rate  float64
	Per   time.Duration
	Burst int
	// MaxKeys bounds the keys remembered (DefaultMaxKeys when 0).
	MaxKeys int
}

// DefaultMaxKeys is how many keys a Buckets remembers by default: a
// bucket is about 200 bytes, so 100,000 keys cost some 20 MB at most.
const DefaultMaxKeys = 100_000

// Buckets is a Limiter with one token bucket per key.
type Buckets struct {
	limit rate.Limit
	burst int
	max   int
	now   func() time.Time

	mu   sync.Mutex
	keys map[string]*list.Element
	lru  list.List // front: most recently seen; values are *bucket
}

type bucket struct {
	key string
	lim *rate.Limiter
}

// New returns the limiter of c, or nil when c sets no limit (see Allow).
func New(c Config) *Buckets {
	if c.Rate <= 0 {
		return nil
	}
	per := c.Per
	if per <= 0 {
		per = time.Second
	}
	burst := c.Burst
	if burst < 1 {
		burst = int(math.Ceil(c.Rate))
	}
	maxKeys := c.MaxKeys
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return &Buckets{
		limit: rate.Limit(c.Rate / per.Seconds()),
		burst: burst,
		max:   maxKeys,
		now:   time.Now,
		keys:  make(map[string]*list.Element),
	}
}

// Allow takes a token from key's bucket. A nil *Buckets allows everything.
func (b *Buckets) Allow(key string) (bool, time.Duration) {
	if b == nil {
		return true, 0
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	var bk *bucket
	if e, ok := b.keys[key]; ok {
		b.lru.MoveToFront(e)
		bk = e.Value.(*bucket)
	} else {
		for b.lru.Len() >= b.max {
			old := b.lru.Back()
			b.lru.Remove(old)
			delete(b.keys, old.Value.(*bucket).key)
		}
		bk = &bucket{key: key, lim: rate.NewLimiter(b.limit, b.burst)}
		b.keys[key] = b.lru.PushFront(bk)
	}
	r := bk.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Len is how many keys are remembered.
func (b *Buckets) Len() int {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lru.Len()
}

// SetClock replaces the clock (for tests).
func (b *Buckets) SetClock(now func() time.Time) { b.now = now }

// Limits are the limits a server applies. A nil Limiter is no limit.
type Limits struct {
	// IP limits every request by the client's address.
	IP Limiter
	// User limits the requests of a signed-in user or API token's user.
	User Limiter
	// SignIn limits sign-in attempts (password and second factor) by the
	// client's address, on top of the per-account lockout.
	SignIn Limiter
}

// Check applies l to key; nil l allows.
func Check(l Limiter, key string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	if b, ok := l.(*Buckets); ok && b == nil {
		return true, 0
	}
	return l.Allow(key)
}

// ClientIP is the address a request came from (RemoteAddr's host: no
// forwarding header is trusted, since any client can send one).
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// SetRetryAfter sets the Retry-After header, in whole seconds (at least 1).
func SetRetryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int(math.Ceil(d.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
}
