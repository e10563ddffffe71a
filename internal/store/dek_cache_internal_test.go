package store

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/reunite-ftr/reunite/internal/seal"
)

// TestDEKCache: a data key once unwrapped is given again as it is, but
// only for the same record, master key and wrapped bytes; the same bytes
// under another record's id are unwrapped, and refused, as before.
func TestDEKCache(t *testing.T) {
	ctx := context.Background()
	keys, err := seal.Load(seal.NewKey(), "")
	if err != nil {
		t.Fatal(err)
	}
	tx := &Tx{keys: keys, deks: &dekCache{}}
	id, other := "0190f1b2-0000-7000-8000-00000000000a", "0190f1b2-0000-7000-8000-00000000000b"
	dek, wrapped, err := seal.NewDEK(ctx, keys, keys.Current(), dekAD(id))
	if err != nil {
		t.Fatal(err)
	}
	ct, err := dek.Encrypt([]byte("notes"), notesAD(id))
	if err != nil {
		t.Fatal(err)
	}
	first, err := tx.openDEK(ctx, id, keys.Current(), wrapped)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := first.Decrypt(ct, notesAD(id)); err != nil || string(pt) != "notes" {
		t.Fatalf("the unwrapped key does not open what the key encrypted: %q, %v", pt, err)
	}
	again, err := tx.openDEK(ctx, id, keys.Current(), wrapped)
	if err != nil || again != first {
		t.Errorf("the second unwrap: %p, %v; want the cached %p", again, err, first)
	}
	if _, err := tx.openDEK(ctx, other, keys.Current(), wrapped); !errors.Is(err, ErrSealed) {
		t.Errorf("another record's id with the same wrapped key: %v, want ErrSealed", err)
	}
	if _, err := tx.openDEK(ctx, id, "no-such-key", wrapped); !errors.Is(err, ErrNoMasterKey) {
		t.Errorf("a master key not loaded: %v, want ErrNoMasterKey", err)
	}
	var none *dekCache
	none.put("k", first)
	if none.get("k") != nil {
		t.Error("no cache, yet a key")
	}
	var c dekCache
	for i := range dekCacheMost + 1 {
		c.put(strconv.Itoa(i), first)
	}
	if len(c.entries) != 1 || c.get(strconv.Itoa(dekCacheMost)) != first {
		t.Errorf("%d keys kept past the bound of %d, want the last one alone", len(c.entries), dekCacheMost)
	}
}
