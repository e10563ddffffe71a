package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
)

// BenchmarkAppend is Log.Append on a MemStore: the organisation's Ed25519
// signature, the leaf hash, the O(log n) border update and the store.
func BenchmarkAppend(b *testing.B) {
	f := newFixture(b)
	f.log.keyring = nil // the log's own signature check is measured apart
	s := f.signers["ua-nib"]
	e := act(0)
	e.ActorOrg = "ua-nib"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.log.Append(f.ctx, e, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
}

// BenchmarkAppendVerified adds the log checking the organisation's
// signature before it appends (LogConfig.Keyring).
func BenchmarkAppendVerified(b *testing.B) {
	f := newFixture(b)
	s := f.signers["ua-nib"]
	e := act(0)
	e.ActorOrg = "ua-nib"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.log.Append(f.ctx, e, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
}

// BenchmarkAppendTree is the tree and store alone (leaf hash given).
func BenchmarkAppendTree(b *testing.B) {
	f := newFixture(b)
	leaf := Hash{1}
	f.log.mu.Lock()
	defer f.log.mu.Unlock()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := f.log.appendLeaf(f.ctx, Entry{Index: uint64(i)}, leaf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
}

const bigSize = 1_000_000

var (
	bigOnce sync.Once
	bigLog  *Log
	bigCP   Checkpoint
)

// big returns a log of 1,000,000 entries. Their signatures are placeholders
// (signing a million entries would only slow the set-up; proofs do not
// look at signatures), their leaves are real LeafData hashes.
func big(b *testing.B) (*Log, Checkpoint) {
	bigOnce.Do(func() {
		start := time.Now()
		f := newFixture(b)
		f.log.mu.Lock()
		sig := make([]byte, 64)
		for i := 0; i < bigSize; i++ {
			e := Entry{
				Index:     uint64(i),
				Kind:      testKinds[i%len(testKinds)],
				Time:      testEpoch.Add(time.Duration(i) * time.Second),
				ActorOrg:  "ua-nib",
				Subjects:  []string{fmt.Sprintf("case:%07d", i)},
				KeyID:     "ua-nib+00000000",
				Signature: sig,
			}
			if err := f.log.appendLeaf(f.ctx, e, e.LeafHash()); err != nil {
				b.Fatal(err)
			}
		}
		f.log.mu.Unlock()
		bigLog = f.log
		root, err := bigLog.Root(f.ctx, bigSize)
		if err != nil {
			b.Fatal(err)
		}
		bigCP = Checkpoint{Origin: DefaultOrigin, Size: bigSize, Root: root}
		b.Logf("built a log of %d entries in %v", bigSize, time.Since(start).Round(time.Millisecond))
	})
	if bigLog == nil {
		b.Fatal("no big log")
	}
	return bigLog, bigCP
}

func BenchmarkInclusionProof1M(b *testing.B) {
	l, cp := big(b)
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(1, 1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.InclusionProof(ctx, rnd.Uint64N(cp.Size), cp.Size); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyInclusion1M(b *testing.B) {
	l, cp := big(b)
	ctx := context.Background()
	type probe struct {
		index uint64
		leaf  Hash
		proof [][]byte
	}
	var probes []probe
	rnd := rand.New(rand.NewPCG(2, 2))
	for i := 0; i < 1024; i++ {
		idx := rnd.Uint64N(cp.Size)
		p, _ := l.InclusionProof(ctx, idx, cp.Size)
		h, _ := l.store.Hashes(ctx, []compact.NodeID{compact.NewNodeID(0, idx)})
		probes = append(probes, probe{idx, h[0], p})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := probes[i%len(probes)]
		if err := proof.VerifyInclusion(hasher, p.index, cp.Size, p.leaf[:], p.proof, cp.Root[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConsistencyProof1M(b *testing.B) {
	l, cp := big(b)
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(3, 3))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.ConsistencyProof(ctx, 1+rnd.Uint64N(cp.Size-1), cp.Size); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyConsistency1M(b *testing.B) {
	l, cp := big(b)
	ctx := context.Background()
	type probe struct {
		size  uint64
		root  Hash
		proof [][]byte
	}
	var probes []probe
	rnd := rand.New(rand.NewPCG(4, 4))
	for i := 0; i < 256; i++ {
		size := 1 + rnd.Uint64N(cp.Size-1)
		root, _ := l.Root(ctx, size)
		p, _ := l.ConsistencyProof(ctx, size, cp.Size)
		probes = append(probes, probe{size, root, p})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := probes[i%len(probes)]
		if err := proof.VerifyConsistency(hasher, p.size, cp.Size, p.proof, p.root[:], cp.Root[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckpoint1M: root from stored subtree hashes, and the note
// signature.
func BenchmarkCheckpoint1M(b *testing.B) {
	l, _ := big(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := l.Checkpoint(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifierCatchUp is a new verifier checking 10,000 signed
// entries: fetch, position, organisation signature, leaf hash, root.
func BenchmarkVerifierCatchUp(b *testing.B) {
	f := newFixture(b)
	f.appendN(0, 10_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := f.verifier(VerifierState{KeepLeafHashes: true})
		if verdict := v.Verify(f.ctx, f.log); !verdict.OK {
			b.Fatal(verdict)
		}
	}
	b.ReportMetric(float64(b.N)*10_000/b.Elapsed().Seconds(), "entries/s")
}
