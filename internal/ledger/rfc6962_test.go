package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/transparency-dev/merkle/proof"
)

// Known answers for RFC 6962 trees. The leaves, roots and proofs are the
// test vectors of github.com/transparency-dev/merkle v0.0.2:
// testonly/constants.go (LeafInputs, RootHashes, EmptyRootHash) and
// proof/verify_test.go (leaves, roots, inclusionProofs, consistencyProofs),
// which come from Certificate Transparency's reference implementation.
// They are copied here rather than imported so that a change in the
// library cannot change the answers it is checked against.

func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var vectorLeaves = []string{
	"",
	"00",
	"10",
	"2021",
	"3031",
	"40414243",
	"5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
}

// vectorRoots[i] is the root of the tree of the first i+1 leaves.
var vectorRoots = []string{
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}

// Inclusion vectors; index is 0-based here (the library's table is 1-based).
var vectorInclusion = []struct {
	index, size uint64
	proof       []string
}{
	{0, 1, nil},
	{0, 8, []string{
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	}},
	{5, 8, []string{
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	}},
	{2, 3, []string{
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	}},
	{1, 5, []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	}},
}

var vectorConsistency = []struct {
	size1, size2 uint64
	proof        []string
}{
	{1, 1, nil},
	{1, 8, []string{
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	}},
	{6, 8, []string{
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	}},
	{2, 5, []string{
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	}},
	{6, 7, []string{
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	}},
}

// rawLog returns a log whose leaves are the given leaf inputs, appended
// through the same path as real entries (appendLeaf, MemStore).
func rawLog(t testing.TB, leaves [][]byte) *Log {
	t.Helper()
	f := newFixture(t)
	f.log.mu.Lock()
	defer f.log.mu.Unlock()
	for i, leaf := range leaves {
		if err := f.log.appendLeaf(f.ctx, Entry{Index: uint64(i)}, Hash(hasher.HashLeaf(leaf))); err != nil {
			t.Fatal(err)
		}
	}
	return f.log
}

// refRoot is RFC 6962 section 2.1's MTH, written from the definition, as an
// independent check on the stored-node path.
func refRoot(leaves [][]byte) []byte {
	switch n := len(leaves); n {
	case 0:
		h := sha256.Sum256(nil)
		return h[:]
	case 1:
		h := sha256.Sum256(append([]byte{0}, leaves[0]...))
		return h[:]
	default:
		k := 1
		for k*2 < n {
			k *= 2
		}
		h := sha256.Sum256(append(append([]byte{1}, refRoot(leaves[:k])...), refRoot(leaves[k:])...))
		return h[:]
	}
}

func TestRFC6962KnownAnswers(t *testing.T) {
	ctx := context.Background()
	if got := EmptyRoot().String(); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("empty tree root %s", got)
	}
	if got := hex.EncodeToString(hasher.HashLeaf(nil)); got != "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d" {
		t.Errorf("empty leaf hash %s", got)
	}
	var leaves [][]byte
	for _, s := range vectorLeaves {
		leaves = append(leaves, hx(t, s))
	}
	l := rawLog(t, leaves)
	if r, _ := l.Root(ctx, 0); r != EmptyRoot() {
		t.Errorf("root at size 0: %s", r)
	}
	for i, want := range vectorRoots {
		size := uint64(i + 1)
		got, err := l.Root(ctx, size)
		if err != nil || got.String() != want {
			t.Errorf("root at size %d: %s, %v; want %s", size, got, err, want)
		}
		if ref := hex.EncodeToString(refRoot(leaves[:size])); ref != want {
			t.Errorf("reference root at size %d: %s", size, ref)
		}
	}
	for _, v := range vectorInclusion {
		got, err := l.InclusionProof(ctx, v.index, v.size)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(v.proof) {
			t.Fatalf("inclusion %d in %d: %d hashes, want %d", v.index, v.size, len(got), len(v.proof))
		}
		for i := range got {
			if hex.EncodeToString(got[i]) != v.proof[i] {
				t.Errorf("inclusion %d in %d: hash %d is %x, want %s", v.index, v.size, i, got[i], v.proof[i])
			}
		}
		root := hx(t, vectorRoots[v.size-1])
		if err := proof.VerifyInclusion(hasher, v.index, v.size, hasher.HashLeaf(leaves[v.index]), got, root); err != nil {
			t.Errorf("inclusion %d in %d does not verify: %v", v.index, v.size, err)
		}
		// The wrong leaf must not verify.
		if err := proof.VerifyInclusion(hasher, v.index, v.size, hasher.HashLeaf([]byte("x")), got, root); err == nil {
			t.Errorf("inclusion %d in %d verifies for another leaf", v.index, v.size)
		}
	}
	for _, v := range vectorConsistency {
		got, err := l.ConsistencyProof(ctx, v.size1, v.size2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(v.proof) {
			t.Fatalf("consistency %d to %d: %d hashes, want %d", v.size1, v.size2, len(got), len(v.proof))
		}
		for i := range got {
			if hex.EncodeToString(got[i]) != v.proof[i] {
				t.Errorf("consistency %d to %d: hash %d is %x, want %s", v.size1, v.size2, i, got[i], v.proof[i])
			}
		}
		r1, r2 := hx(t, vectorRoots[v.size1-1]), hx(t, vectorRoots[v.size2-1])
		if err := proof.VerifyConsistency(hasher, v.size1, v.size2, got, r1, r2); err != nil {
			t.Errorf("consistency %d to %d does not verify: %v", v.size1, v.size2, err)
		}
	}
}

// Every root, inclusion and consistency proof of trees up to 70 random
// leaves against the reference root and the library's verifier.
func TestProofsExhaustive(t *testing.T) {
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(1, 2))
	var leaves [][]byte
	for i := 0; i < 70; i++ {
		b := make([]byte, rnd.IntN(40))
		for j := range b {
			b[j] = byte(rnd.Uint32())
		}
		leaves = append(leaves, b)
	}
	l := rawLog(t, leaves)
	roots := make([][]byte, len(leaves)+1)
	for size := 0; size <= len(leaves); size++ {
		roots[size] = refRoot(leaves[:size])
		got, err := l.Root(ctx, uint64(size))
		if err != nil || !bytes.Equal(got[:], roots[size]) {
			t.Fatalf("root at %d: %s, %v; want %x", size, got, err, roots[size])
		}
	}
	for size := uint64(1); size <= uint64(len(leaves)); size++ {
		for i := uint64(0); i < size; i++ {
			p, err := l.InclusionProof(ctx, i, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyInclusion(hasher, i, size, hasher.HashLeaf(leaves[i]), p, roots[size]); err != nil {
				t.Fatalf("inclusion %d in %d: %v", i, size, err)
			}
		}
		for from := uint64(0); from <= size; from++ {
			p, err := l.ConsistencyProof(ctx, from, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyConsistency(hasher, from, size, p, roots[from], roots[size]); err != nil {
				t.Fatalf("consistency %d to %d: %v", from, size, err)
			}
		}
	}
	if _, err := l.InclusionProof(ctx, 3, 71); err == nil {
		t.Error("proof beyond the log's size")
	}
	if _, err := l.ConsistencyProof(ctx, 5, 4); err == nil {
		t.Error("consistency proof backwards")
	}
}
