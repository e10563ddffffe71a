package ratelimit

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestBucketsAllowBurstThenRefuse(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := New(Config{Rate: 2, Burst: 3})
	b.SetClock(func() time.Time { return now })
	for i := range 3 {
		if ok, _ := b.Allow("u1"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := b.Allow("u1")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("4th request: ok=%v wait=%v, want refused with a wait of at most 1s", ok, wait)
	}
	// Another key has its own bucket.
	if ok, _ := b.Allow("u2"); !ok {
		t.Fatal("another key refused")
	}
	// A refused request takes no token: after the wait it goes.
	now = now.Add(wait)
	if ok, _ := b.Allow("u1"); !ok {
		t.Fatal("refused after waiting Retry-After")
	}
	if ok, _ := b.Allow("u1"); ok {
		t.Fatal("a second request went on one refilled token")
	}
}

func TestBucketsPerMinute(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := New(Config{Rate: 6, Per: time.Minute, Burst: 6})
	b.SetClock(func() time.Time { return now })
	for range 6 {
		b.Allow("ip")
	}
	ok, wait := b.Allow("ip")
	if ok || wait < 9*time.Second || wait > 10*time.Second {
		t.Fatalf("ok=%v wait=%v, want a refusal for about 10s", ok, wait)
	}
}

func TestBucketsAreBounded(t *testing.T) {
	b := New(Config{Rate: 1, Burst: 1, MaxKeys: 50})
	for i := range 10_000 {
		b.Allow(fmt.Sprint("10.0.", i/256, ".", i%256))
		if b.Len() > 50 {
			t.Fatalf("%d keys remembered, limit 50", b.Len())
		}
	}
	// The most recently seen keys are the ones kept: the last key is
	// still limited, the first was forgotten (and starts afresh).
	if ok, _ := b.Allow("10.0.39.15"); ok {
		t.Fatal("the most recent key was forgotten")
	}
	if ok, _ := b.Allow("10.0.0.0"); !ok {
		t.Fatal("the oldest key was not forgotten")
	}
}

func TestNoLimit(t *testing.T) {
	if New(Config{}) != nil {
		t.Fatal("a zero rate made a limiter")
	}
	var l Limiter
	if ok, _ := Check(l, "x"); !ok {
		t.Fatal("nil interface refused")
	}
	var b *Buckets
	l = b
	for range 1000 {
		if ok, _ := Check(l, "x"); !ok {
			t.Fatal("nil *Buckets refused")
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	b := New(Config{Rate: 1, Burst: 100, MaxKeys: 10})
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				key := "shared"
				if i%2 == 1 {
					key = fmt.Sprint(g, i)
				}
				if ok, _ := b.Allow(key); ok && key == "shared" {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	// The shared key may be evicted by the churn and start afresh, so
	// allow some slack, but not 800.
	if allowed < 100 || allowed > 400 {
		t.Fatalf("%d requests of the shared key allowed", allowed)
	}
}

func TestClientIPAndRetryAfter(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.7:51234"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := ClientIP(r); got != "192.0.2.7" {
		t.Fatalf("ClientIP %q: a forwarding header must not be trusted", got)
	}
	r.RemoteAddr = "[2001:db8::1]:443"
	if got := ClientIP(r); got != "2001:db8::1" {
		t.Fatalf("ClientIP %q", got)
	}
	w := httptest.NewRecorder()
	SetRetryAfter(w, 1500*time.Millisecond)
	if w.Header().Get("Retry-After") != "2" {
		t.Fatalf("Retry-After %q, want 2", w.Header().Get("Retry-After"))
	}
	SetRetryAfter(w, time.Millisecond)
	if w.Header().Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q, want 1", w.Header().Get("Retry-After"))
	}
}
