package names

import "sync"

// GivenClassesNear returns the classes of the table's given names that are
// one slip of the pen away from s: one letter left out, added, changed, or
// two neighbouring letters swapped (Мрак for Марк, Иан for Иван, Kia for
// Kira, Злтаа for Злата), compared by Key so that the slip may be in any
// script. A name the table knows as written is not a slip: for it, and for
// keys shorter than three letters (too many names are one letter apart),
// GivenClassesNear returns nil. Use GivenClasses first.
//
// It is for finding candidates, not for deciding: two different names can
// be one letter apart (Яна and Жанна are not, but Ніна and Інна are), so a
// pair found this way must still be compared on everything else.
func GivenClassesNear(s string) []int32 {
	var buf [64]byte
	k := appendKey(buf[:0], s)
	if len(k) < 3 || len(k) > 40 {
		return nil
	}
	d := tableData()
	if _, ok := d.given[string(k)]; ok {
		return nil
	}
	nx := nearIndex()
	var out []int32
	seen := map[string]bool{}
	try := func(variant string) {
		for _, cand := range nx[variant] {
			if seen[cand] || !WithinOneEdit(string(k), cand) {
				continue
			}
			seen[cand] = true
			for _, id := range d.given[cand] {
				if !containsID(out, id) {
					out = append(out, id)
				}
			}
		}
	}
	try(string(k))
	var del [64]byte
	for i := range k {
		v := append(append(del[:0], k[:i]...), k[i+1:]...)
		try(string(v))
	}
	return out
}

func containsID(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// nearIndex maps every table key, and every string made from one by leaving
// out one letter, to the table keys it comes from (a symmetric-delete index:
// two keys one edit apart always share an entry, so a lookup tries only the
// query and its own deletions, not every possible edit).
var nearIndex = sync.OnceValue(func() map[string][]string {
	d := tableData()
	idx := make(map[string][]string, len(d.given)*8)
	add := func(variant, key string) {
		for _, k := range idx[variant] {
			if k == key {
				return
			}
		}
		idx[variant] = append(idx[variant], key)
	}
	for key := range d.given {
		if len(key) < 3 {
			continue
		}
		add(key, key)
		for i := range len(key) {
			add(key[:i]+key[i+1:], key)
		}
	}
	return idx
})

// WithinOneEdit reports whether a and b differ by at most one insertion,
// deletion, substitution or swap of neighbouring bytes (optimal string
// alignment distance ≤ 1). It takes strings or byte slices, so that the
// matching engine can ask it of keys it rewrote into a buffer without
// making strings of them.
func WithinOneEdit[S ~string | ~[]byte](a, b S) bool {
	la, lb := len(a), len(b)
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	if lb-la > 1 {
		return false
	}
	i := 0
	for i < la && a[i] == b[i] {
		i++
	}
	if i == la {
		return true // equal, or b has one byte more at the end
	}
	if la == lb {
		if string(a[i+1:]) == string(b[i+1:]) {
			return true // substitution
		}
		return i+1 < la && a[i] == b[i+1] && a[i+1] == b[i] && string(a[i+2:]) == string(b[i+2:]) // swap
	}
	return string(a[i:]) == string(b[i+1:]) // b has one byte more
}
