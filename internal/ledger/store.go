package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"sync"

	"github.com/transparency-dev/merkle/compact"
)

// ErrConflict is returned by Store.Append when the entry's index is not the
// store's size: another writer appended first. Log.Append then reloads and
// tries again.
var ErrConflict = errors.New("ledger: store: index already taken (another writer appended first)")

// Node is one stored node of the Merkle tree: the root of a perfect subtree.
// compact.NodeID numbers levels from 0 (leaves) and nodes within a level
// from 0; node (l, i) covers leaves [i·2^l, (i+1)·2^l).
type Node struct {
	ID   compact.NodeID
	Hash Hash
}

// Store keeps entries and the tree's node hashes. It only stores: the Log
// computes every hash. Keeping the perfect-subtree hashes (about one per
// entry besides the leaf hash) is what makes an append O(log n) and a proof
// O(log n) node reads, at any size.
//
// A database store maps it to two tables, entries (index primary key, the
// entry or its LeafData, leaf hash) and nodes (level, index, hash; primary key
// (level, index)), written in one transaction per Append; the primary key on
// the entry index turns a concurrent append into ErrConflict.
type Store interface {
	// Size returns the number of entries.
	Size(ctx context.Context) (uint64, error)
	// Append stores e at e.Index, with its leaf hash and parents: the
	// perfect subtrees (level >= 1) this leaf completes, lowest first. It
	// returns ErrConflict (wrapped or not) unless e.Index == Size(). All or
	// nothing.
	Append(ctx context.Context, e Entry, leaf Hash, parents []Node) error
	// Entries returns the entries [from, to), which must be within the size.
	Entries(ctx context.Context, from, to uint64) ([]Entry, error)
	// Hashes returns the hashes of the given nodes; level 0 is the leaf
	// hashes. Every node must be a complete subtree within the size.
	Hashes(ctx context.Context, ids []compact.NodeID) ([]Hash, error)
}

// MemStore is a Store in memory, for tests, tools and a verifier's mirror.
// It is safe for concurrent use.
type MemStore struct {
	mu      sync.RWMutex
	entries []Entry
	levels  [][]Hash // levels[l][i] is node (l, i)
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{} }

// Size implements Store.
func (m *MemStore) Size(context.Context) (uint64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return uint64(len(m.entries)), nil
}

// Append implements Store. It checks that the parents are exactly the nodes
// this leaf completes, so a broken caller cannot leave holes.
func (m *MemStore) Append(_ context.Context, e Entry, leaf Hash, parents []Node) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	size := uint64(len(m.entries))
	if e.Index != size {
		return fmt.Errorf("%w: entry %d, size %d", ErrConflict, e.Index, size)
	}
	end := size + 1
	for i, n := range parents {
		l := uint(i + 1)
		if want := compact.NewNodeID(l, end>>l-1); n.ID != want || end&(1<<l-1) != 0 {
			return fmt.Errorf("ledger: memstore: entry %d: parent %v, want %v", e.Index, n.ID, want)
		}
	}
	if want := uint(bits.TrailingZeros64(end)); uint(len(parents)) != want {
		return fmt.Errorf("ledger: memstore: entry %d: %d parents, want %d", e.Index, len(parents), want)
	}
	m.entries = append(m.entries, e.Clone())
	m.put(compact.NewNodeID(0, size), leaf)
	for _, n := range parents {
		m.put(n.ID, n.Hash)
	}
	return nil
}

func (m *MemStore) put(id compact.NodeID, h Hash) {
	for uint(len(m.levels)) <= id.Level {
		m.levels = append(m.levels, nil)
	}
	m.levels[id.Level] = append(m.levels[id.Level], h)
}

// Entries implements Store. The entries are copies.
func (m *MemStore) Entries(_ context.Context, from, to uint64) ([]Entry, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if from > to || to > uint64(len(m.entries)) {
		return nil, fmt.Errorf("ledger: memstore: entries [%d, %d) out of range, size %d", from, to, len(m.entries))
	}
	out := make([]Entry, 0, to-from)
	for _, e := range m.entries[from:to] {
		out = append(out, e.Clone())
	}
	return out, nil
}

// Hashes implements Store.
func (m *MemStore) Hashes(_ context.Context, ids []compact.NodeID) ([]Hash, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Hash, len(ids))
	for i, id := range ids {
		if id.Level >= uint(len(m.levels)) || id.Index >= uint64(len(m.levels[id.Level])) {
			return nil, fmt.Errorf("ledger: memstore: no node %v at size %d", id, len(m.entries))
		}
		out[i] = m.levels[id.Level][id.Index]
	}
	return out, nil
}

// FrontierStore is a Store that also keeps the log's border (the compact
// range [0, size): at most 64 hashes) in one place, rewritten by every
// append, so that opening the log reads it at once instead of from the
// entries and nodes. A Log uses it when its Store has it. The border is
// only a cache of what the nodes hold: the store must not return one that
// is not of its current size.
type FrontierStore interface {
	Store
	// Frontier returns the size and the border hashes, left to right, or
	// ok false if it has no border of its current size (the Log then reads
	// it with Size and Hashes).
	Frontier(ctx context.Context) (size uint64, border []Hash, ok bool, err error)
	// AppendFrontier is Append that also stores border, the border once e
	// is appended.
	AppendFrontier(ctx context.Context, e Entry, leaf Hash, parents []Node, border []Hash) error
}

// BatchLeaf is one entry of a batch, as Log.AppendBatch hands it to a
// BatchStore: the signed entry, its leaf bytes (Entry.LeafData), its leaf
// hash and the perfect subtrees (level >= 1) it completes, lowest first,
// as for Store.Append.
type BatchLeaf struct {
	Entry   Entry
	Data    []byte
	Hash    Hash
	Parents []Node
}

// BatchStore is a FrontierStore that stores a whole batch of entries at
// once. A Log uses it when its Store has it, for Append too (a batch of
// one).
type BatchStore interface {
	FrontierStore
	// AppendBatch stores the entries of b, whose indices are consecutive
	// from b[0].Entry.Index, with their leaf data, leaf hashes and
	// parents, and border, the border once they are all appended. It
	// returns ErrConflict (wrapped or not) unless b[0].Entry.Index ==
	// Size(). All or nothing: on error none of it is stored.
	AppendBatch(ctx context.Context, b []BatchLeaf, border []Hash) error
}
