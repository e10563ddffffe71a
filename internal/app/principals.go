package app

import (
	"slices"
	"sync"
	"time"

	"github.com/reunite-ftr/reunite/internal/access"
)

// PrincipalCacheTTL bounds how long Authenticate trusts what it read of a
// token, its user and their organisation without reading them again. A
// change made through this App's store (revoking a token, disabling a
// user, changing roles or an organisation) takes effect at once: it changes
// the store's PrincipalEpoch, and an entry read under another epoch is
// never used. A change made by another process (the command line on the
// same database, another server) takes effect within this bound.
const PrincipalCacheTTL = 2 * time.Second

// maxCachedPrincipals bounds the cache; when full it is emptied.
const maxCachedPrincipals = 4096

// principalCache remembers, by token hash, the principals Authenticate
// found, for PrincipalCacheTTL. Only tokens that authenticated are kept.
type principalCache struct {
	mu sync.Mutex
	m  map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p       access.Principal
	expires time.Time // the token's expiry; zero: none
	epoch   uint64    // the store's PrincipalEpoch before it was read
	read    time.Time // when it was read (the store's clock)
}

// get returns the principal cached for hash if it was read under epoch,
// less than PrincipalCacheTTL before now, and its token has not expired.
func (c *principalCache) get(hash []byte, epoch uint64, now time.Time) (access.Principal, bool) {
	c.mu.Lock()
	e, ok := c.m[string(hash)]
	c.mu.Unlock()
	if !ok || e.epoch != epoch || now.Sub(e.read) >= PrincipalCacheTTL || now.Before(e.read) ||
		(!e.expires.IsZero() && !now.Before(e.expires)) {
		return access.Principal{}, false
	}
	p := e.p
	p.Roles, p.Scopes = slices.Clone(p.Roles), slices.Clone(p.Scopes)
	return p, true
}

func (c *principalCache) put(hash []byte, e cachedPrincipal) {
	e.p.Roles, e.p.Scopes = slices.Clone(e.p.Roles), slices.Clone(e.p.Scopes)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedPrincipals {
		c.m = make(map[string]cachedPrincipal)
	}
	c.m[string(hash)] = e
}
