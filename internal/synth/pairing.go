package synth

// The pairing between requests and children is fixed without storing it.
//
// Child slot j (the j-th record of party B) holds a matched child when
// π(j) < M, where π is a pseudo-random permutation of [0, N) and M the number
// of pairs: so the matched children are a random M-subset of B's list,
// scattered among the unmatched ones. The request seeking the child in slot j
// is request τ(j), where τ(j) = σ⁻¹((σ(j)+1) mod N) for another permutation
// σ: τ is a random single cycle through all N indices, so it has no fixed
// point (a request never shares its index with its child, which would give
// the pairing away) and both directions are cheap: τ⁻¹(i) = σ⁻¹((σ(i)-1) mod N).
//
// The permutations are small Feistel networks with cycle walking, so each
// evaluation costs a few hashes and no memory.
type pairing struct {
	n, m  int
	pi    permutation
	sigma permutation
}

func newPairing(seed uint64, n, m int) pairing {
	return pairing{
		n:     n,
		m:     m,
		pi:    newPermutation(uint64(n), streamSeed(seed, streamPermutation)),
		sigma: newPermutation(uint64(n), mix64(streamSeed(seed, streamPermutation))),
	}
}

// childMatched reports whether child slot j holds a matched child.
func (p pairing) childMatched(j int) bool { return int(p.pi.forward(uint64(j))) < p.m }

// requestOf returns the request that seeks the child in slot j.
func (p pairing) requestOf(j int) int {
	s := p.sigma.forward(uint64(j)) + 1
	if s == uint64(p.n) {
		s = 0
	}
	return int(p.sigma.inverse(s))
}

// childOf returns the child slot that request i seeks and whether that child
// is in B's list at all.
func (p pairing) childOf(i int) (int, bool) {
	s := p.sigma.forward(uint64(i))
	if s == 0 {
		s = uint64(p.n)
	}
	j := int(p.sigma.inverse(s - 1))
	return j, p.childMatched(j)
}

// permutation is a keyed bijection of [0, n): a balanced Feistel network on
// the smallest even number of bits covering n, restricted to [0, n) by cycle
// walking (re-encrypting until the value falls inside, which preserves
// bijectivity and costs fewer than four rounds on average).
type permutation struct {
	n    uint64
	half uint   // bits per half
	mask uint64 // (1 << half) - 1
	keys [feistelRounds]uint64
}

// Six rounds: enough that the small domains of tests (N = 100) mix well.
const feistelRounds = 6

func newPermutation(n, key uint64) permutation {
	bits := uint(1)
	for uint64(1)<<bits < n {
		bits++
	}
	half := (bits + 1) / 2
	p := permutation{n: n, half: half, mask: 1<<half - 1}
	for i := range p.keys {
		key = mix64(key + golden)
		p.keys[i] = key
	}
	return p
}

func (p permutation) forward(x uint64) uint64 {
	for {
		x = p.encrypt(x)
		if x < p.n {
			return x
		}
	}
}

func (p permutation) inverse(y uint64) uint64 {
	for {
		y = p.decrypt(y)
		if y < p.n {
			return y
		}
	}
}

func (p permutation) encrypt(x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	for _, k := range p.keys {
		l, r = r, l^(mix64(r^k)&p.mask)
	}
	return l<<p.half | r
}

func (p permutation) decrypt(y uint64) uint64 {
	l, r := y>>p.half, y&p.mask
	for i := len(p.keys) - 1; i >= 0; i-- {
		l, r = r^(mix64(l^p.keys[i])&p.mask), l
	}
	return l<<p.half | r
}
