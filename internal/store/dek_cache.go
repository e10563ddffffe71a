package store

import (
	"sync"

	"github.com/reunite-ftr/reunite/internal/seal"
)

// dekCache keeps records' data keys once unwrapped, for the next page or
// read of the same records: unwrapping (reading the wrapped keyset and
// making its cipher) was about 5% of the CPU of bench http's requests,
// most of them for records read a moment before. An entry is found only
// by the record's id, the master key's id and the wrapped key's very
// bytes: a key re-wrapped by a rotation, or moved to another record, is
// unwrapped (and checked) afresh. Holding unwrapped data keys in memory
// exposes nothing the process does not hold already: the master keys that
// unwrap every one of them.
type dekCache struct {
	mu      sync.Mutex
	entries map[string]*seal.DEK
}

// dekCacheMost bounds the memory (a few hundred bytes an entry): past it,
// everything is forgotten.
const dekCacheMost = 16384

func dekCacheKey(id, kek string, wrapped []byte) string {
	return id + "\x00" + kek + "\x00" + string(wrapped)
}

func (c *dekCache) get(key string) *seal.DEK {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[key]
}

func (c *dekCache) put(key string, dek *seal.DEK) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= dekCacheMost {
		c.entries = make(map[string]*seal.DEK)
	}
	c.entries[key] = dek
}
