package match

import (
	"math/bits"
	"slices"
	"sync"
)

// postings maps each blocking key to the records that have it, for the
// records indexed in bulk when an index is built.
//
// A map of small slices costs about 100 bytes a key, and a million records
// have some 2.7 million keys and 10 million postings: that map alone was
// gigabytes, and filling it one record at a time was most of the build.
// Here the postings are one sorted array (compressed sparse rows): keys
// grouped by their top bits into buckets, each key's records a range of
// ids. A lookup finds the bucket, scans its few keys, and reads one
// contiguous run of record indices.
//
// Blocks longer than maxBlock are never read (see searcher.candidates), so
// they keep their key but not their records: an empty range stands for
// "too long". No key is stored with no records otherwise.
type postings struct {
	shift   uint     // a key's bucket is key >> shift
	buckets []uint32 // bucket b holds keys[buckets[b]:buckets[b+1]]
	keys    []uint64 // sorted within each bucket
	starts  []uint32 // key i's records are ids[starts[i]:starts[i+1]]
	ids     []int32  // record indices, ascending within a key
}

// lookup returns the records with key k, and how many there are: more
// than maxBlock (with no records returned) for a block too long to read.
func (p *postings) lookup(k uint64) ([]int32, int) {
	if len(p.keys) == 0 {
		return nil, 0
	}
	b := k >> p.shift
	for i := p.buckets[b]; i < p.buckets[b+1]; i++ {
		if p.keys[i] == k {
			ids := p.ids[p.starts[i]:p.starts[i+1]]
			if len(ids) == 0 {
				return nil, maxBlock + 1
			}
			return ids, len(ids)
		}
	}
	return nil, 0
}

// buildPostings indexes the blocking keys of ents on workers goroutines.
//
// It runs in three passes, so that it never needs more than one array of
// all the postings: count each bucket's postings (blocking keys are
// cheap to compute twice), place every posting in its bucket, then sort
// each bucket by key and compact the buckets into the final arrays. A
// key's records come out in ascending order, as adding them one by one did.
func buildPostings(ents []entity, workers int) postings {
	workers = max(1, min(workers, len(ents)/1024+1))
	// About two postings (and one key or less) per bucket: buckets are
	// cheap (4 bytes) and a short bucket is a short scan.
	nbits := bits.Len(uint(len(ents)) * 4)
	nb := 1 << nbits
	p := postings{shift: uint(64 - nbits)}

	chunk := (len(ents) + workers - 1) / workers
	span := func(w int) (int, int) { return min(w*chunk, len(ents)), min((w+1)*chunk, len(ents)) }
	parallel := func(f func(w int)) {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() { defer wg.Done(); f(w) }()
		}
		wg.Wait()
	}

	// Pass 1: each worker counts its postings per bucket.
	counts := make([][]uint32, workers)
	parallel(func(w int) {
		c := make([]uint32, nb)
		lo, hi := span(w)
		for i := lo; i < hi; i++ {
			blockingKeys(&ents[i], false, func(k uint64) { c[k>>p.shift]++ })
		}
		counts[w] = c
	})
	// Where each worker's postings of each bucket go: bucket by bucket,
	// worker by worker.
	total := uint32(0)
	bucketStart := make([]uint32, nb+1)
	for b := range nb {
		bucketStart[b] = total
		for w := range workers {
			c := counts[w][b]
			counts[w][b] = total
			total += c
		}
	}
	bucketStart[nb] = total

	// Pass 2: place the postings. A posting is one word: the key's bits
	// below its bucket's, then the record's index in the low nbits bits
	// (there are fewer records than buckets). Within a bucket, sorting the
	// words sorts the postings by key, and each key's records by index.
	all := make([]uint64, total)
	idMask := uint64(1)<<nbits - 1
	parallel(func(w int) {
		next := counts[w]
		lo, hi := span(w)
		for i := lo; i < hi; i++ {
			id := uint64(i)
			blockingKeys(&ents[i], false, func(k uint64) {
				b := k >> p.shift
				all[next[b]] = k<<nbits | id
				next[b]++
			})
		}
	})
	counts = nil
	keyOf := func(b int, v uint64) uint64 { return uint64(b)<<p.shift | v>>nbits }

	// Pass 3: sort each bucket, then drop repeated postings (a record with
	// the same key twice, from two name forms) and the records of blocks
	// too long to read.
	parallel(func(w int) {
		for b := w; b < nb; b += workers {
			if s := all[bucketStart[b]:bucketStart[b+1]]; len(s) > 1 {
				slices.Sort(s)
			}
		}
	})
	p.buckets = make([]uint32, nb+1)
	nkeys := 0
	for b := range nb {
		s := all[bucketStart[b]:bucketStart[b+1]]
		for i := range s {
			if i == 0 || s[i]>>nbits != s[i-1]>>nbits {
				nkeys++
			}
		}
	}
	p.keys = make([]uint64, 0, nkeys)
	p.starts = make([]uint32, 0, nkeys+1)
	ids := all // compacted in place: ids never run ahead of the postings read
	nids := 0
	for b := range nb {
		p.buckets[b] = uint32(len(p.keys))
		s := all[bucketStart[b]:bucketStart[b+1]]
		for i := 0; i < len(s); {
			key := s[i] >> nbits
			j := i + 1
			for j < len(s) && s[j]>>nbits == key {
				j++
			}
			first := keyOf(b, s[i])
			start := nids
			for k := i; k < j; k++ {
				if k == i || s[k] != s[k-1] {
					ids[nids] = s[k] & idMask
					nids++
				}
			}
			if nids-start > maxBlock {
				nids = start
			}
			p.keys = append(p.keys, first)
			p.starts = append(p.starts, uint32(start))
			i = j
		}
	}
	p.buckets[nb] = uint32(len(p.keys))
	p.starts = append(p.starts, uint32(nids))
	p.ids = make([]int32, nids)
	for i := range p.ids {
		p.ids[i] = int32(ids[i])
	}
	return p
}
