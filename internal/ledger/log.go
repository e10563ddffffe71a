package ledger

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// The tree is RFC 6962 / RFC 9162 (section 2.1): SHA-256, leaf hash
// SHA-256(0x00 || leaf), node hash SHA-256(0x01 || left || right), the empty
// tree's root SHA-256("").
var (
	hasher  = rfc6962.DefaultHasher
	factory = &compact.RangeFactory{Hash: hasher.HashChildren}
)

// EmptyRoot is the root of the empty tree.
func EmptyRoot() Hash { return Hash(hasher.EmptyRoot()) }

// LogConfig configures a Log.
type LogConfig struct {
	// Store keeps entries and node hashes.
	Store Store
	// Signer signs checkpoints. Its name is the log's origin (see
	// NewLogKey, note.NewSigner).
	Signer note.Signer
	// Keyring, if set, makes Append refuse an entry whose organisation
	// signature does not verify, so a bad signer never reaches the log.
	Keyring *Keyring
	// Now is the clock for entries without a time; time.Now if nil.
	Now func() time.Time
}

// Log appends signed entries to a Merkle tree in a Store and serves
// checkpoints and proofs. It is safe for concurrent use. Appends are
// serialised within one Log; several processes appending to one database
// store are kept apart by the store's ErrConflict.
//
// *Log implements Source, so a verifier can check it directly.
type Log struct {
	store   Store
	signer  note.Signer
	keyring *Keyring
	now     func() time.Time

	mu sync.Mutex
	// border is the compact range [0, size): the roots of the perfect
	// subtrees the tree is made of, left to right (at most 64). Appending a
	// leaf touches only these, which is why an append is O(log n).
	border *compact.Range
}

// NewLog opens the log kept in cfg.Store.
func NewLog(ctx context.Context, cfg LogConfig) (*Log, error) {
	if cfg.Store == nil || cfg.Signer == nil {
		return nil, errors.New("ledger: log needs a store and a signer")
	}
	l := &Log{store: cfg.Store, signer: cfg.Signer, keyring: cfg.Keyring, now: cfg.Now}
	if l.now == nil {
		l.now = time.Now
	}
	if err := l.reload(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Origin returns the origin line of the log's checkpoints.
func (l *Log) Origin() string { return l.signer.Name() }

// reload reads the border from the store. Called with mu held (or before
// the Log is shared).
func (l *Log) reload(ctx context.Context) error {
	if fs, ok := l.store.(FrontierStore); ok {
		size, border, ok, err := fs.Frontier(ctx)
		if err != nil {
			return err
		}
		if ok {
			r, err := newRange(size, border)
			if err != nil {
				return fmt.Errorf("ledger: stored border: %w", err)
			}
			l.border = r
			return nil
		}
	}
	size, err := l.store.Size(ctx)
	if err != nil {
		return err
	}
	r, err := l.rangeAt(ctx, size)
	if err != nil {
		return err
	}
	l.border = r
	return nil
}

// rangeAt reads the compact range [0, size) from the store.
func (l *Log) rangeAt(ctx context.Context, size uint64) (*compact.Range, error) {
	ids := compact.RangeNodes(0, size, nil)
	hs, err := l.store.Hashes(ctx, ids)
	if err != nil {
		return nil, err
	}
	return newRange(size, hs)
}

// newRange builds a compact range from border hashes (copied: a Range
// changes its slice in place when appended to).
func newRange(size uint64, border []Hash) (*compact.Range, error) {
	b := make([][]byte, len(border))
	for i := range border {
		b[i] = append([]byte(nil), border[i][:]...)
	}
	return factory.NewRange(0, size, b)
}

// rangeHashes returns a range's border as Hashes.
func rangeHashes(r *compact.Range) []Hash {
	out := make([]Hash, len(r.Hashes()))
	for i, h := range r.Hashes() {
		copy(out[i][:], h)
	}
	return out
}

// rangeRoot returns the root of the tree a range [0, n) stands for.
func rangeRoot(r *compact.Range) Hash {
	if r.End() == 0 {
		return EmptyRoot()
	}
	h, err := r.GetRootHash(nil)
	if err != nil {
		panic(err) // only for a range not starting at 0, which we never build
	}
	return Hash(h)
}

// Append signs e as entry number Size() with s and appends it. A zero
// e.Time is set to now; the time is then kept to whole microseconds in UTC.
// e.Index, KeyID and Signature are set here. It returns the entry's receipt.
//
// Signing happens here, not before, because the signature covers the index,
// which only the log can assign.
func (l *Log) Append(ctx context.Context, e Entry, s OrgSigner) (Receipt, error) {
	rs, err := l.AppendBatch(ctx, []Entry{e}, s)
	if err != nil {
		return Receipt{}, err
	}
	return rs[0], nil
}

// AppendBatch appends es, in order, as entries Size() … Size()+len(es)-1,
// each signed with s as Append signs it, and returns their receipts. The
// leaves, the subtree hashes and the border are all computed in memory
// first; a BatchStore then writes the whole batch at once (a few
// multi-row statements instead of several statements per entry), all or
// nothing. The result is byte for byte what appending es one by one with
// Append gives: the same leaves, nodes, roots and proofs.
//
// Entries are signed concurrently when s is a signer made by NewOrgSigner
// (other OrgSigners, such as an HSM, are called one entry at a time).
func (l *Log) AppendBatch(ctx context.Context, es []Entry, s OrgSigner) ([]Receipt, error) {
	if s == nil {
		return nil, errors.New("ledger: append needs the organisation's signer")
	}
	if len(es) == 0 {
		return nil, nil
	}
	b := make([]BatchLeaf, len(es))
	for i := range es {
		e := es[i].Clone()
		if e.Time.IsZero() {
			e.Time = l.now()
		}
		e.Time = e.Time.UTC().Truncate(time.Microsecond)
		b[i].Entry = e
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for attempt := 0; ; attempt++ {
		base := l.border.End()
		if err := l.signBatch(b, base, s); err != nil {
			return nil, err
		}
		err := l.appendLeaves(ctx, b)
		if errors.Is(err, ErrConflict) && attempt < 3 {
			// Another process appended. Catch up and sign again for the
			// new indices.
			if err := l.reload(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		rs := make([]Receipt, len(b))
		for i := range b {
			rs[i] = Receipt{Index: b[i].Entry.Index, LeafHash: b[i].Hash}
		}
		return rs, nil
	}
}

// parallelSignMin is the smallest batch signed on several goroutines: below
// it, starting them costs more than the signatures (about 25 µs each).
const parallelSignMin = 32

// signBatch numbers the batch's entries from base, signs them and computes
// their leaves, on up to GOMAXPROCS goroutines for a large batch signed by
// one of this package's signers (safe for concurrent use).
func (l *Log) signBatch(b []BatchLeaf, base uint64, s OrgSigner) error {
	one := func(i int) error {
		e := &b[i].Entry
		e.Index = base + uint64(i)
		c, err := signEntry(e, s)
		if err != nil {
			return err
		}
		if l.keyring != nil {
			if err := l.keyring.VerifyEntry(e); err != nil {
				return fmt.Errorf("ledger: refusing entry: %w", err)
			}
		}
		b[i].Data = leafData(c, e.Signature)
		b[i].Hash = Hash(hasher.HashLeaf(b[i].Data))
		return nil
	}
	_, safe := s.(orgSigner)
	workers := min(runtime.GOMAXPROCS(0), len(b)/parallelSignMin)
	if !safe || workers < 2 {
		for i := range b {
			if err := one(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (len(b) + workers - 1) / workers
	for w := range workers {
		wg.Go(func() {
			for i := w * per; i < min(len(b), (w+1)*per); i++ {
				if err := one(i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...) // the first worker's error first: the lowest index
}

// appendLeaves adds the batch's leaves to the border, collecting the
// perfect subtrees they complete, and stores everything. Called with mu
// held. The leaf hashes are in b so tests can build trees of arbitrary
// leaves (the RFC 6962 test vectors).
func (l *Log) appendLeaves(ctx context.Context, b []BatchLeaf) error {
	next, err := newRange(l.border.End(), rangeHashes(l.border))
	if err != nil {
		return err
	}
	var nodes []Node
	ends := make([]int, len(b)) // the parents of leaf i end at nodes[ends[i]]
	for i := range b {
		err = next.Append(b[i].Hash[:], func(id compact.NodeID, h []byte) {
			if id.Level > 0 {
				nodes = append(nodes, Node{ID: id, Hash: Hash(h)})
			}
		})
		if err != nil {
			return err
		}
		ends[i] = len(nodes)
	}
	from := 0
	for i := range b {
		b[i].Parents = nodes[from:ends[i]:ends[i]]
		from = ends[i]
	}
	if bs, ok := l.store.(BatchStore); ok {
		err = bs.AppendBatch(ctx, b, rangeHashes(next))
	} else {
		err = l.appendOneByOne(ctx, b)
	}
	if err != nil {
		return err
	}
	l.border = next
	return nil
}

// appendLeaf appends one leaf of the given hash (tests: trees of arbitrary
// leaves).
func (l *Log) appendLeaf(ctx context.Context, e Entry, leaf Hash) error {
	return l.appendLeaves(ctx, []BatchLeaf{{Entry: e, Hash: leaf}})
}

// appendOneByOne stores a batch with the Store's Append (or
// AppendFrontier), one entry at a time: atomic only as far as the caller's
// transaction is.
func (l *Log) appendOneByOne(ctx context.Context, b []BatchLeaf) error {
	fs, frontier := l.store.(FrontierStore)
	var r *compact.Range
	if frontier {
		var err error
		if r, err = newRange(l.border.End(), rangeHashes(l.border)); err != nil {
			return err
		}
	}
	for i := range b {
		var err error
		if frontier {
			if err = r.Append(b[i].Hash[:], nil); err != nil {
				return err
			}
			err = fs.AppendFrontier(ctx, b[i].Entry, b[i].Hash, b[i].Parents, rangeHashes(r))
		} else {
			err = l.store.Append(ctx, b[i].Entry, b[i].Hash, b[i].Parents)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Size returns the number of entries.
func (l *Log) Size(ctx context.Context) (uint64, error) { return l.store.Size(ctx) }

// Entries returns the entries [from, to).
func (l *Log) Entries(ctx context.Context, from, to uint64) ([]Entry, error) {
	return l.store.Entries(ctx, from, to)
}

func (l *Log) checkSize(ctx context.Context, size uint64) error {
	n, err := l.store.Size(ctx)
	if err != nil {
		return err
	}
	if size > n {
		return fmt.Errorf("ledger: tree size %d is beyond the log's size %d", size, n)
	}
	return nil
}

// Root returns the root hash of the tree of the first size entries, from at
// most 64 stored subtree hashes.
func (l *Log) Root(ctx context.Context, size uint64) (Hash, error) {
	if err := l.checkSize(ctx, size); err != nil {
		return Hash{}, err
	}
	r, err := l.rangeAt(ctx, size)
	if err != nil {
		return Hash{}, err
	}
	return rangeRoot(r), nil
}

// InclusionProof returns the RFC 6962 inclusion proof of entry index in the
// tree of the first size entries (verify with proof.VerifyInclusion).
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	if err := l.checkSize(ctx, size); err != nil {
		return nil, err
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return l.rehash(ctx, nodes)
}

// ConsistencyProof returns the RFC 6962 consistency proof between the trees
// of the first from and to entries (verify with proof.VerifyConsistency).
func (l *Log) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	if err := l.checkSize(ctx, to); err != nil {
		return nil, err
	}
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return l.rehash(ctx, nodes)
}

// rehash reads the stored nodes a proof is made of and folds the ones
// standing for the ephemeral node (a subtree that is not perfect yet).
func (l *Log) rehash(ctx context.Context, nodes proof.Nodes) ([][]byte, error) {
	hs, err := l.store.Hashes(ctx, nodes.IDs)
	if err != nil {
		return nil, err
	}
	b := make([][]byte, len(hs))
	for i := range hs {
		b[i] = hs[i][:]
	}
	return nodes.Rehash(b, hasher.HashChildren)
}

// Checkpoint returns a checkpoint of the whole log, signed by the log.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	size, err := l.store.Size(ctx)
	if err != nil {
		return nil, err
	}
	root, err := l.Root(ctx, size)
	if err != nil {
		return nil, err
	}
	c := Checkpoint{Origin: l.Origin(), Size: size, Root: root}
	return note.Sign(&note.Note{Text: c.Text()}, l.signer)
}
