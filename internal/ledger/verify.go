package ledger

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"
)

// Source is where a verifier reads the log: the Log itself, or later an
// HTTP client of the log's API, or a mirror. Nothing it returns is trusted.
type Source interface {
	// Checkpoint returns the latest signed checkpoint, with any
	// cosignatures.
	Checkpoint(ctx context.Context) ([]byte, error)
	// Entries returns the entries [from, to).
	Entries(ctx context.Context, from, to uint64) ([]Entry, error)
	// InclusionProof proves entry index is in the tree of the first size
	// entries.
	InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error)
	// ConsistencyProof proves the tree of the first from entries is a
	// prefix of the tree of the first to entries.
	ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error)
}

// LeafError is what a Source returns from Entries when it cannot produce
// one entry: a leaf missing from what it was served, or a leaf that does not
// parse (ParseLeaf). The verifier names that entry rather than the batch.
type LeafError struct {
	Index uint64
	Err   error
}

func (e *LeafError) Error() string { return fmt.Sprintf("ledger: entry %d: %v", e.Index, e.Err) }
func (e *LeafError) Unwrap() error { return e.Err }

// VerifierState is everything a verifier knows, as JSON: what it trusts
// (pinned keys, witness quorum), what it has verified (the last checkpoint
// and the tree's border at that size) and what it holds (receipts, and, if
// KeepLeafHashes, every leaf hash it verified).
//
// A verifier without kept leaf hashes names a rewritten entry when it holds
// a receipt for it or when the entry's signature or index no longer fits;
// otherwise it names the smallest range of entries (a subtree of the tree
// it verified) that changed. With KeepLeafHashes (32 bytes an entry) it
// always names the entry.
type VerifierState struct {
	// LogKey is the log's public key (NewLogKey); it fixes the origin.
	LogKey string `json:"log_key"`
	// OrgKeys are the organisations' public keys, old and current.
	OrgKeys []string `json:"org_keys"`
	// WitnessKeys are witnesses' public keys (NewWitnessKey), and
	// WitnessQuorum how many of them must have cosigned a checkpoint for it
	// to be accepted. Zero accepts a checkpoint signed by the log alone,
	// which a log could show to one party only: a split view.
	WitnessKeys   []string `json:"witness_keys,omitempty"`
	WitnessQuorum int      `json:"witness_quorum,omitempty"`
	// ReceiptOrgs: the verifier keeps a receipt for every entry by these
	// organisations (normally its own), so it can always name one of them
	// if it is changed or removed.
	ReceiptOrgs []string `json:"receipt_orgs,omitempty"`
	// KeepLeafHashes keeps all leaf hashes in LeafHashes.
	KeepLeafHashes bool `json:"keep_leaf_hashes,omitempty"`

	// Checkpoint is the last verified signed checkpoint, as served, with
	// its signatures: evidence of what the log said.
	Checkpoint string `json:"checkpoint,omitempty"`
	// Size and Root are that checkpoint's.
	Size uint64 `json:"size"`
	Root Hash   `json:"root"`
	// Border is the tree's compact range at Size: the roots of its perfect
	// subtrees, left to right. Extending it with new leaves gives the new
	// root without fetching old entries again.
	Border []Hash `json:"border,omitempty"`
	// LeafHashes are the leaf hashes of entries [0, Size), if
	// KeepLeafHashes.
	LeafHashes HashList `json:"leaf_hashes,omitempty"`
	// Receipts are receipts checked against a verified checkpoint;
	// Pending ones are not yet (AddReceipt).
	Receipts []Receipt `json:"receipts,omitempty"`
	Pending  []Receipt `json:"pending_receipts,omitempty"`
}

// HashList is a list of hashes, in JSON one base64 string of their
// concatenation (44 bytes a hash rather than 67 as a hex string array).
type HashList []Hash

// MarshalText implements encoding.TextMarshaler.
func (l HashList) MarshalText() ([]byte, error) {
	raw := make([]byte, 0, len(l)*32)
	for i := range l {
		raw = append(raw, l[i][:]...)
	}
	return base64.StdEncoding.AppendEncode(nil, raw), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *HashList) UnmarshalText(b []byte) error {
	raw, err := base64.StdEncoding.AppendDecode(nil, b)
	if err != nil || len(raw)%32 != 0 {
		return errors.New("ledger: hash list: want base64 of a multiple of 32 bytes")
	}
	out := make(HashList, len(raw)/32)
	for i := range out {
		copy(out[i][:], raw[i*32:])
	}
	*l = out
	return nil
}

// Kinds of Problem.
const (
	ProblemSource      = "source"      // the source failed or answered out of shape
	ProblemCheckpoint  = "checkpoint"  // bad signature, origin or format
	ProblemCosignature = "cosignature" // a bad cosignature, or too few
	ProblemRollback    = "rollback"    // smaller than a checkpoint verified before
	ProblemFork        = "fork"        // same size as one verified before, other root
	ProblemConsistency = "consistency" // does not extend the one verified before
	ProblemRoot        = "root"        // the entries served do not hash to the root
	ProblemEntry       = "entry"       // malformed entry
	ProblemIndex       = "index"       // entry at the wrong position: removed, inserted, reordered
	ProblemSignature   = "signature"   // organisation signature missing, unknown key or invalid
	ProblemReceipt     = "receipt"     // entry differs from a receipt, or is gone
	ProblemRewritten   = "rewritten"   // entry differs from the one verified before
	ProblemInclusion   = "inclusion"   // entry as served is not the one in the tree
)

// Problem is one thing wrong with what a source served.
type Problem struct {
	Kind string `json:"kind"`
	// Index is the entry concerned, or the first of a range of entries,
	// or -1 if the problem is not about entries.
	Index   int64  `json:"index"`
	Message string `json:"message"`
}

// String is "entry <i>: <kind>: <message>" or "<kind>: <message>".
func (p Problem) String() string {
	if p.Index >= 0 {
		return fmt.Sprintf("entry %d: %s: %s", p.Index, p.Kind, p.Message)
	}
	return p.Kind + ": " + p.Message
}

// Verdict is the outcome of one verification.
type Verdict struct {
	// OK: every check passed, and the verifier's state moved to Checkpoint.
	OK bool `json:"ok"`
	// Checkpoint is what the source served, Previous what the verifier had
	// verified before.
	Checkpoint Checkpoint `json:"checkpoint"`
	Previous   Checkpoint `json:"previous"`
	// Cosigners are the pinned witnesses whose cosignatures verified.
	Cosigners []string  `json:"cosigners,omitempty"`
	Problems  []Problem `json:"problems,omitempty"`
}

// String prints the verdict, one problem a line.
func (v Verdict) String() string {
	var b strings.Builder
	if v.OK {
		fmt.Fprintf(&b, "OK: %s (was size %d)", v.Checkpoint, v.Previous.Size)
	} else {
		fmt.Fprintf(&b, "FAILED: %s (verified before: size %d root %s)", v.Checkpoint, v.Previous.Size, v.Previous.Root)
	}
	if len(v.Cosigners) > 0 {
		fmt.Fprintf(&b, ", cosigned by %s", strings.Join(v.Cosigners, ", "))
	}
	for _, p := range v.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Entries returns the entry indexes named by problems, sorted, once each.
func (v Verdict) Entries() []uint64 {
	var out []uint64
	for _, p := range v.Problems {
		if p.Index >= 0 && !slices.Contains(out, uint64(p.Index)) {
			out = append(out, uint64(p.Index))
		}
	}
	slices.Sort(out)
	return out
}

var (
	_ Source = (*Log)(nil)
	_ Store  = (*MemStore)(nil)
)

// Verifier checks a log from the outside: signatures, append-only growth,
// every entry's organisation signature, and the receipts it holds. It is
// safe for concurrent use (verifications are serialised).
type Verifier struct {
	// BatchSize is how many entries are fetched at a time; 1000 if zero.
	BatchSize int
	// MaxEntryProblems caps the problems named per entry check, so a
	// wholesale rewrite gives a readable verdict; 20 if zero.
	MaxEntryProblems int

	mu          sync.Mutex
	st          VerifierState
	logKey      note.Verifier
	witnesses   []note.Verifier
	keyring     *Keyring
	receiptOrgs map[string]bool
	receipts    map[uint64]Hash // confirmed
	pending     map[uint64]Hash
}

// NewVerifier returns a verifier with the given state (a fresh one needs
// only LogKey and OrgKeys, and usually WitnessKeys and WitnessQuorum).
func NewVerifier(st VerifierState) (*Verifier, error) {
	v := &Verifier{receiptOrgs: map[string]bool{}, receipts: map[uint64]Hash{}, pending: map[uint64]Hash{}}
	var err error
	if v.logKey, err = note.NewVerifier(st.LogKey); err != nil {
		return nil, fmt.Errorf("ledger: verifier: log key: %w", err)
	}
	if v.keyring, err = NewKeyring(st.OrgKeys...); err != nil {
		return nil, fmt.Errorf("ledger: verifier: %w", err)
	}
	seen := map[string]bool{}
	for _, k := range st.WitnessKeys {
		w, err := NewCosignatureVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("ledger: verifier: %w", err)
		}
		// One witness counts once towards the quorum, however often it
		// is listed.
		id := keyID(w.Name(), w.KeyHash())
		if seen[id] {
			return nil, fmt.Errorf("ledger: verifier: witness key %s listed twice", id)
		}
		seen[id] = true
		v.witnesses = append(v.witnesses, w)
	}
	if st.WitnessQuorum < 0 || st.WitnessQuorum > len(v.witnesses) {
		return nil, fmt.Errorf("ledger: verifier: quorum %d of %d witnesses", st.WitnessQuorum, len(v.witnesses))
	}
	for _, o := range st.ReceiptOrgs {
		v.receiptOrgs[o] = true
	}
	for _, r := range st.Receipts {
		v.receipts[r.Index] = r.LeafHash
	}
	for _, r := range st.Pending {
		v.pending[r.Index] = r.LeafHash
	}
	// The state is checked, not trusted: a border that does not give the
	// root would make every later check meaningless.
	if st.Size == 0 {
		st.Root, st.Border = EmptyRoot(), nil
	}
	r, err := newRange(st.Size, st.Border)
	if err != nil {
		return nil, fmt.Errorf("ledger: verifier state: border: %w", err)
	}
	if rangeRoot(r) != st.Root {
		return nil, errors.New("ledger: verifier state: border does not give the root")
	}
	if st.KeepLeafHashes && uint64(len(st.LeafHashes)) != st.Size {
		return nil, fmt.Errorf("ledger: verifier state: %d leaf hashes for size %d", len(st.LeafHashes), st.Size)
	}
	if !st.KeepLeafHashes {
		st.LeafHashes = nil
	}
	v.st = st
	v.st.OrgKeys = slices.Clone(st.OrgKeys)
	v.st.WitnessKeys = slices.Clone(st.WitnessKeys)
	v.st.ReceiptOrgs = slices.Clone(st.ReceiptOrgs)
	v.st.Border = slices.Clone(st.Border)
	v.st.LeafHashes = slices.Clone(st.LeafHashes)
	return v, nil
}

// State returns the verifier's state, to persist.
func (v *Verifier) State() VerifierState {
	v.mu.Lock()
	defer v.mu.Unlock()
	st := v.st
	st.OrgKeys = slices.Clone(st.OrgKeys)
	st.WitnessKeys = slices.Clone(st.WitnessKeys)
	st.ReceiptOrgs = slices.Clone(st.ReceiptOrgs)
	st.Border = slices.Clone(st.Border)
	st.LeafHashes = slices.Clone(st.LeafHashes)
	st.Receipts = receiptList(v.receipts)
	st.Pending = receiptList(v.pending)
	return st
}

func receiptList(m map[uint64]Hash) []Receipt {
	out := make([]Receipt, 0, len(m))
	for _, i := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Receipt{Index: i, LeafHash: m[i]})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// AddOrgKey pins another organisation key (a rotation).
func (v *Verifier) AddOrgKey(vkey string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, err := v.keyring.Add(vkey); err != nil {
		return err
	}
	if !slices.Contains(v.st.OrgKeys, vkey) {
		v.st.OrgKeys = append(v.st.OrgKeys, vkey)
	}
	return nil
}

// AddReceipt records a receipt (from Log.Append, or handed over by
// another party). It is checked at the next verification whose checkpoint
// covers its index (until then it stays in State().Pending: the log may
// not have published a checkpoint that far yet). After that, consistency
// between checkpoints keeps it included; a rewrite that drops or changes it
// is named by comparing it with what the log then serves.
func (v *Verifier) AddReceipt(r Receipt) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if h, ok := v.receipts[r.Index]; ok && h == r.LeafHash {
		return
	}
	v.pending[r.Index] = r.LeafHash
}

// Verify checks what src serves against what this verifier verified
// before, fetching only the entries new since then. On success the state
// moves to the new checkpoint; on any problem it stays, and the verdict
// names the entries concerned.
func (v *Verifier) Verify(ctx context.Context, src Source) Verdict {
	return v.verify(ctx, src, false)
}

// VerifyAll is Verify that fetches and checks every entry again, from the
// first: an audit that also catches an entry changed in the log's storage
// after this verifier checked it, where the tree (and so every checkpoint)
// still commits to the original.
func (v *Verifier) VerifyAll(ctx context.Context, src Source) Verdict {
	return v.verify(ctx, src, true)
}

// run is one verification.
type run struct {
	v        *Verifier
	ctx      context.Context
	src      Source
	old      Checkpoint
	cp       Checkpoint
	signed   []byte
	verdict  Verdict
	entryPbs int // entry problems so far
	dropped  int // entry problems not listed
	shifted  *shiftRun

	// What a successful run commits.
	border      *compact.Range
	newLeaves   []Hash
	newReceipts map[uint64]Hash
	confirmed   []uint64 // pending receipts confirmed
}

func (v *Verifier) verify(ctx context.Context, src Source, all bool) Verdict {
	v.mu.Lock()
	defer v.mu.Unlock()
	r := &run{
		v: v, ctx: ctx, src: src,
		old:         Checkpoint{Origin: v.logKey.Name(), Size: v.st.Size, Root: v.st.Root},
		newReceipts: map[uint64]Hash{},
	}
	r.verdict.Previous = r.old
	r.verify(all)
	if r.dropped > 0 {
		r.problem(ProblemEntry, -1, "%d more entry problems not listed", r.dropped)
	}
	r.verdict.OK = len(r.verdict.Problems) == 0
	if r.verdict.OK {
		r.commit()
	}
	return r.verdict
}

func (r *run) problem(kind string, index int64, format string, args ...any) {
	r.verdict.Problems = append(r.verdict.Problems, Problem{Kind: kind, Index: index, Message: fmt.Sprintf(format, args...)})
}

// entryProblem is a problem about one entry, subject to the cap.
func (r *run) entryProblem(kind string, index uint64, format string, args ...any) {
	limit := r.v.MaxEntryProblems
	if limit <= 0 {
		limit = 20
	}
	if r.entryPbs++; r.entryPbs > limit {
		r.dropped++
		return
	}
	r.problem(kind, int64(index), format, args...)
}

func (r *run) verify(all bool) {
	v := r.v
	signed, err := r.src.Checkpoint(r.ctx)
	if err != nil {
		r.problem(ProblemSource, -1, "checkpoint: %v", err)
		return
	}
	cp, _, err := OpenCheckpoint(signed, v.logKey)
	if err != nil {
		r.problem(ProblemCheckpoint, -1, "%v", err)
		return
	}
	r.cp, r.signed, r.verdict.Checkpoint = cp, signed, cp
	r.checkCosignatures()

	old := r.old
	switch {
	case cp.Size < old.Size:
		r.problem(ProblemRollback, int64(cp.Size), "the log shows %d entries, but %d were verified before (root %s): entries [%d, %d) are gone",
			cp.Size, old.Size, old.Root, cp.Size, old.Size)
		r.diagnose()
		return
	case cp.Size == old.Size && cp.Root != old.Root:
		r.problem(ProblemFork, -1, "root %s at size %d, but root %s was verified at that size: the log shows another history",
			cp.Root, cp.Size, old.Root)
		r.diagnose()
		return
	case cp.Size > old.Size && old.Size > 0:
		pf, err := r.src.ConsistencyProof(r.ctx, old.Size, cp.Size)
		if err != nil {
			r.problem(ProblemSource, -1, "consistency proof %d to %d: %v", old.Size, cp.Size, err)
			return
		}
		if err := proof.VerifyConsistency(hasher, old.Size, cp.Size, pf, old.Root[:], cp.Root[:]); err != nil {
			r.problem(ProblemConsistency, -1, "size %d root %s does not extend size %d root %s verified before: %s",
				cp.Size, cp.Root, old.Size, old.Root, proofError(err))
			r.diagnose()
			return
		}
	}
	from := old.Size
	if all {
		from = 0
	}
	r.extend(from)
	r.checkPending()
}

// checkCosignatures counts the pinned witnesses that cosigned.
func (r *run) checkCosignatures() {
	v := r.v
	for _, w := range v.witnesses {
		n, err := note.Open(r.signed, note.VerifierList(v.logKey, w))
		var bad *note.InvalidSignatureError
		switch {
		case errors.As(err, &bad):
			r.problem(ProblemCosignature, -1, "invalid cosignature by %s", keyID(bad.Name, bad.Hash))
		case err != nil:
			r.problem(ProblemCosignature, -1, "%v", err)
		default:
			for _, s := range n.Sigs {
				if s.Name == w.Name() && s.Hash == w.KeyHash() {
					r.verdict.Cosigners = append(r.verdict.Cosigners, w.Name())
				}
			}
		}
	}
	if got := len(r.verdict.Cosigners); got < v.st.WitnessQuorum {
		r.problem(ProblemCosignature, -1, "cosigned by %d of the %d witnesses required (%s): not accepted, the log may be showing this history to this verifier only",
			got, v.st.WitnessQuorum, strings.Join(r.verdict.Cosigners, ", "))
	}
}

// fetched is a served entry with the checks that need no verifier state:
// its signature and its leaf hash. They are the costly part (an Ed25519
// verification is tens of microseconds), so fetch does them in parallel.
type fetched struct {
	e    *Entry
	err  error // from Keyring.VerifyEntry
	leaf Hash
}

// fetch calls fn with the entries [from, to), in order, in batches.
func (r *run) fetch(from, to uint64, fn func(pos uint64, f *fetched)) bool {
	batch := uint64(r.v.BatchSize)
	if batch == 0 {
		batch = 1000
	}
	for lo := from; lo < to; lo += batch {
		hi := min(lo+batch, to)
		es, err := r.src.Entries(r.ctx, lo, hi)
		var le *LeafError
		if errors.As(err, &le) {
			r.entryProblem(ProblemEntry, le.Index, "%v", le.Err)
			return false
		}
		if err != nil {
			r.problem(ProblemSource, int64(lo), "entries [%d, %d): %v", lo, hi, err)
			return false
		}
		if uint64(len(es)) != hi-lo {
			r.problem(ProblemSource, int64(lo), "entries [%d, %d): got %d entries", lo, hi, len(es))
			return false
		}
		fs := make([]fetched, len(es))
		workers := min(runtime.GOMAXPROCS(0), len(es))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(es); i += workers {
					fs[i] = fetched{e: &es[i], err: r.v.keyring.VerifyEntry(&es[i]), leaf: es[i].LeafHash()}
				}
			})
		}
		wg.Wait()
		for i := range fs {
			fn(lo+uint64(i), &fs[i])
		}
	}
	return true
}

// proofError words a proof failure; the library's root mismatch error
// prints hashes as decimal byte lists.
func proofError(err error) string {
	var rm proof.RootMismatchError
	if errors.As(err, &rm) {
		return fmt.Sprintf("the proof leads to root %x, not %x", rm.CalculatedRoot, rm.ExpectedRoot)
	}
	return err.Error()
}

// checkEntry checks one served entry at position pos and returns its leaf
// hash: right position, well formed, signed by its organisation, equal to
// any receipt held.
func (r *run) checkEntry(pos uint64, f *fetched) Hash {
	e := f.e
	if e.Index != pos {
		r.misplaced(pos, e.Index)
	}
	if err := f.err; err != nil {
		switch {
		case errors.Is(err, ErrUnknownKey):
			r.entryProblem(ProblemSignature, pos, "%s entry by %s signed with key %s, which is not pinned", e.Kind, e.ActorOrg, e.KeyID)
		case errors.Is(err, ErrBadSignature):
			r.entryProblem(ProblemSignature, pos, "signature of %s (%s entry) does not verify: changed after signing, or forged", e.KeyID, e.Kind)
		default:
			r.entryProblem(ProblemEntry, pos, "%v", err)
		}
	}
	leaf := f.leaf
	for _, m := range []map[uint64]Hash{r.v.receipts, r.v.pending} {
		// A misplaced entry differs from any receipt for its position;
		// the index problem already says so.
		if want, ok := m[pos]; ok && want != leaf && e.Index == pos {
			r.entryProblem(ProblemReceipt, pos, "leaf %s, but the receipt held says %s: the entry was changed or replaced", leaf, want)
		}
	}
	return leaf
}

// misplaced reports an entry at the wrong position. A run of entries
// shifted by the same amount (what removing or inserting entries leaves) is
// one problem, named by its first position, not one per entry.
func (r *run) misplaced(pos, signed uint64) {
	shift := int64(signed - pos)
	if s := r.shifted; s != nil && s.end == pos && s.shift == shift {
		s.end++
		p := &r.verdict.Problems[s.problem]
		what := "removed"
		if shift < 0 {
			what = "inserted"
		}
		p.Message = fmt.Sprintf("positions [%d, %d) hold the entries signed as numbers [%d, %d) (shifted by %d): entries were %s at position %d, or reordered",
			s.start, s.end, uint64(int64(s.start)+shift), uint64(int64(s.end)+shift), shift, what, s.start)
		return
	}
	r.shifted = nil
	before := len(r.verdict.Problems)
	r.entryProblem(ProblemIndex, pos, "position %d holds the entry signed as number %d: entries were removed, inserted or reordered", pos, signed)
	if len(r.verdict.Problems) > before {
		r.shifted = &shiftRun{problem: before, start: pos, end: pos + 1, shift: shift}
	}
}

type shiftRun struct {
	problem    int // index in verdict.Problems
	start, end uint64
	shift      int64
}

// extend fetches entries [from, cp.Size), checks each, and checks that
// they give the checkpoint's root. Entries before the old size (from 0,
// VerifyAll) are also compared with the kept leaf hashes.
func (r *run) extend(from uint64) {
	v, old, cp := r.v, r.old, r.cp
	var work *compact.Range
	if from == 0 {
		work = factory.NewEmptyRange(0)
	} else {
		var err error
		if work, err = newRange(old.Size, v.st.Border); err != nil {
			r.problem(ProblemSource, -1, "verifier state: %v", err)
			return
		}
	}
	var leaves []Hash // served leaves [from, cp.Size), to locate a root mismatch
	first, count := uint64(0), 0
	ok := r.fetch(from, cp.Size, func(pos uint64, f *fetched) {
		leaf, e := r.checkEntry(pos, f), f.e
		leaves = append(leaves, leaf)
		if pos < old.Size {
			if v.st.KeepLeafHashes && v.st.LeafHashes[pos] != leaf {
				if count == 0 {
					first = pos
				}
				count++
			}
		} else {
			if v.st.KeepLeafHashes {
				r.newLeaves = append(r.newLeaves, leaf)
			}
			if v.receiptOrgs[e.ActorOrg] {
				r.newReceipts[pos] = leaf
			}
		}
		_ = work.Append(leaf[:], nil) // cannot fail: a range from 0 or a valid border
	})
	if !ok {
		return
	}
	if count > 0 {
		r.problem(ProblemRewritten, int64(first), "leaf %s, but %s was verified at size %d: the entry was changed (%d of the %d entries verified before differ)",
			leaves[first-from], v.st.LeafHashes[first], old.Size, count, old.Size)
	}
	root := rangeRoot(work)
	if root != cp.Root {
		r.problem(ProblemRoot, -1, "entries [%d, %d) as served give root %s, the checkpoint says %s",
			from, cp.Size, root, cp.Root)
		r.locate(from, leaves)
		return
	}
	r.border = work
}

// locate names the served entries that are not the ones the checkpoint
// commits to. A binary search with consistency proofs finds the first: the
// served entries [0, m) are the committed ones exactly when the root they
// give at size m is consistent with the checkpoint, so about log2(n)
// proofs find it at any size. Inclusion proofs then check it and the
// entries after it, up to the problem cap; a run of failing entries is one
// problem.
func (r *run) locate(from uint64, leaves []Hash) {
	cp := r.cp
	base := func() *compact.Range {
		if from == 0 {
			return factory.NewEmptyRange(0)
		}
		b, _ := newRange(from, r.v.st.Border) // checked when extend built it
		return b
	}
	// prefixOK reports whether served [0, m) is the committed [0, m).
	prefixOK := func(m uint64) (ok, answered bool) {
		rng := base()
		for _, leaf := range leaves[:m-from] {
			_ = rng.Append(leaf[:], nil)
		}
		root := rangeRoot(rng)
		pf, err := r.src.ConsistencyProof(r.ctx, m, cp.Size)
		if err != nil {
			r.problem(ProblemSource, -1, "consistency proof %d to %d: %v", m, cp.Size, err)
			return false, false
		}
		return proof.VerifyConsistency(hasher, m, cp.Size, pf, root[:], cp.Root[:]) == nil, true
	}
	// [0, lo) matches (from is the empty tree or a verified, consistent
	// size); [0, hi) does not (the root differs).
	lo, hi := from, cp.Size
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, answered := prefixOK(mid)
		if !answered {
			return
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	limit := uint64(r.v.MaxEntryProblems)
	if limit == 0 {
		limit = 20
	}
	runStart, inRun := uint64(0), false
	flush := func(end uint64, more bool) {
		if !inRun {
			return
		}
		inRun = false
		switch {
		case more:
			r.entryProblem(ProblemInclusion, runStart, "the entries served from %d on (checked to %d) are not the ones the checkpoint at size %d commits to", runStart, end, cp.Size)
		case end-runStart == 1:
			r.entryProblem(ProblemInclusion, runStart, "the entry served (leaf %s) is not the one the checkpoint at size %d commits to", leaves[runStart-from], cp.Size)
		default:
			r.entryProblem(ProblemInclusion, runStart, "the entries served at [%d, %d) are not the ones the checkpoint at size %d commits to", runStart, end, cp.Size)
		}
	}
	first := hi - 1
	end := min(cp.Size, first+limit)
	for pos := first; pos < end; pos++ {
		leaf := leaves[pos-from]
		pf, err := r.src.InclusionProof(r.ctx, pos, cp.Size)
		if err != nil {
			r.problem(ProblemSource, int64(pos), "inclusion proof: %v", err)
			return
		}
		if proof.VerifyInclusion(hasher, pos, cp.Size, leaf[:], pf, cp.Root[:]) != nil {
			if !inRun {
				runStart, inRun = pos, true
			}
		} else {
			flush(pos, false)
		}
	}
	flush(end, end < cp.Size)
}

// checkPending checks pending receipts the new checkpoint covers and that
// extend did not (entries before the old size, in an incremental run).
func (r *run) checkPending() {
	v, cp := r.v, r.cp
	for _, i := range slices.Sorted(maps.Keys(v.pending)) {
		want := v.pending[i]
		switch {
		case i >= cp.Size:
			continue // not in a checkpoint yet
		case i >= r.old.Size:
			// Compared with the served entry in extend.
		case v.st.KeepLeafHashes:
			if v.st.LeafHashes[i] != want {
				r.entryProblem(ProblemReceipt, i, "the verified entry has leaf %s, the receipt says %s", v.st.LeafHashes[i], want)
				continue
			}
		default:
			pf, err := r.src.InclusionProof(r.ctx, i, cp.Size)
			if err != nil {
				r.problem(ProblemSource, int64(i), "inclusion proof: %v", err)
				continue
			}
			if err := proof.VerifyInclusion(hasher, i, cp.Size, want[:], pf, cp.Root[:]); err != nil {
				r.entryProblem(ProblemReceipt, i, "the entry of the receipt (leaf %s) is not in the log at size %d: it was changed or removed", want, cp.Size)
				continue
			}
		}
		r.confirmed = append(r.confirmed, i)
	}
}

// diagnose runs when the served log is not an extension of the one
// verified before (rollback, fork, rewrite). It fetches the entries both
// cover and names those that differ.
func (r *run) diagnose() {
	v, old, cp := r.v, r.old, r.cp
	n := min(old.Size, cp.Size)
	leaves := make([]Hash, 0, n)
	if !r.fetch(0, n, func(pos uint64, f *fetched) {
		leaves = append(leaves, r.checkEntry(pos, f))
	}) {
		return
	}
	for _, i := range slices.Sorted(maps.Keys(v.receipts)) {
		if i >= cp.Size && i < old.Size {
			r.entryProblem(ProblemReceipt, i, "the log shows only %d entries: the entry of the receipt held is gone", cp.Size)
		}
	}
	if v.st.KeepLeafHashes {
		first, count := -1, 0
		for i, leaf := range leaves {
			if leaf != v.st.LeafHashes[i] {
				if first < 0 {
					first = i
				}
				count++
			}
		}
		if first >= 0 {
			r.problem(ProblemRewritten, int64(first), "first entry that differs from the history verified at size %d (leaf was %s, now %s); %d of the %d entries both cover differ",
				old.Size, v.st.LeafHashes[first], leaves[first], count, n)
		}
		return
	}
	// Without kept leaf hashes: compare with the subtrees of the verified
	// tree that the served entries cover entirely.
	begin := uint64(0)
	for i, id := range compact.RangeNodes(0, old.Size, nil) {
		lo, hi := id.Coverage()
		if hi > n {
			break
		}
		sub := factory.NewEmptyRange(lo)
		for _, leaf := range leaves[lo:hi] {
			_ = sub.Append(leaf[:], nil)
		}
		if Hash(sub.Hashes()[0]) != v.st.Border[i] {
			r.problem(ProblemRewritten, int64(lo), "entries [%d, %d) differ from those verified at size %d (a receipt or signature problem above may name the entry)", lo, hi, old.Size)
			return
		}
		begin = hi
	}
	if begin < n {
		// Part of a subtree: without the leaf hashes there is nothing to
		// compare these with. Say so rather than pass them silently.
		r.problem(ProblemRewritten, -1, "entries [%d, %d) could not be compared with the history verified at size %d (no kept leaf hashes)", begin, n, old.Size)
	}
}

// commit moves the verifier's state to the checkpoint just verified.
func (r *run) commit() {
	v := r.v
	v.st.Checkpoint = string(r.signed)
	if r.border != nil {
		v.st.Border = rangeHashes(r.border)
	}
	v.st.Size, v.st.Root = r.cp.Size, r.cp.Root
	if v.st.KeepLeafHashes {
		v.st.LeafHashes = append(v.st.LeafHashes, r.newLeaves...)
	}
	for i, h := range r.newReceipts {
		v.receipts[i] = h
	}
	for _, i := range r.confirmed {
		v.receipts[i] = v.pending[i]
		delete(v.pending, i)
	}
}
