package report

import (
	"fmt"
	"testing"
)

// attack is the attacker: it enumerates every table consistent with what
// is published (each hidden inner cell 1..4 if "<5", Threshold..limit if
// "x"; every published number and every hidden total's bounds respected)
// and returns, for each hidden cell of the extended grid, the set of values
// it takes across them. A cell with one value was recovered.
func attack(p Published, limit int) map[[2]int]map[int]bool {
	seen := map[[2]int]map[int]bool{}
	solutions(p, limit, func(ext [][]int) {
		for i, row := range ext {
			for j, v := range row {
				if seen[[2]int{i, j}] == nil {
					seen[[2]int{i, j}] = map[int]bool{}
				}
				seen[[2]int{i, j}][v] = true
			}
		}
	})
	return seen
}

// jointAttack attacks two tables that share their column totals and grand
// total: only pairs of solutions that agree on those count.
func jointAttack(a, b Published, limit int) (map[[2]int]map[int]bool, map[[2]int]map[int]bool) {
	byShared := func(p Published) map[string][][][]int {
		out := map[string][][][]int{}
		solutions(p, limit, func(ext [][]int) {
			key := fmt.Sprint(ext[len(ext)-1])
			cp := make([][]int, len(ext))
			for i := range ext {
				cp[i] = append([]int(nil), ext[i]...)
			}
			out[key] = append(out[key], cp)
		})
		return out
	}
	sa, sb := byShared(a), byShared(b)
	seenA, seenB := map[[2]int]map[int]bool{}, map[[2]int]map[int]bool{}
	add := func(seen map[[2]int]map[int]bool, p Published, sols [][][]int) {
		r, c := len(p.Cells), len(p.Cols)
		for _, ext := range sols {
			for i := 0; i <= r; i++ {
				for j := 0; j <= c; j++ {
					if !cellOf(p, i, j).Hidden() {
						continue
					}
					if seen[[2]int{i, j}] == nil {
						seen[[2]int{i, j}] = map[int]bool{}
					}
					seen[[2]int{i, j}][ext[i][j]] = true
				}
			}
		}
	}
	for key, sols := range sa {
		if other, ok := sb[key]; ok {
			add(seenA, a, sols)
			add(seenB, b, other)
		}
	}
	return seenA, seenB
}

func cellOf(p Published, i, j int) Cell {
	r, c := len(p.Cells), len(p.Cols)
	switch {
	case i == r && j == c:
		return p.Total
	case i == r:
		return p.ColTotals[j]
	case j == c:
		return p.RowTotals[i]
	}
	return p.Cells[i][j]
}

// solutions calls fn with every extended grid consistent with p.
func solutions(p Published, limit int, fn func(ext [][]int)) {
	r, c := len(p.Cells), len(p.Cols)
	get := func(i, j int) Cell {
		switch {
		case i == r && j == c:
			return p.Total
		case i == r:
			return p.ColTotals[j]
		case j == c:
			return p.RowTotals[i]
		}
		return p.Cells[i][j]
	}
	fits := func(cell Cell, x int) bool {
		switch cell.Status {
		case Shown:
			return x == cell.Value
		case Small:
			return x >= 1 && x < Threshold
		case Withheld:
			return x >= Threshold
		default:
			return x >= 1
		}
	}
	x := make([][]int, r)
	for i := range x {
		x[i] = make([]int, c)
	}
	var walk func(k int)
	walk = func(k int) {
		if k == r*c {
			cols := make([]int, c)
			total := 0
			for i := range r {
				sum := 0
				for j := range c {
					sum += x[i][j]
					cols[j] += x[i][j]
				}
				total += sum
				if !fits(get(i, c), sum) {
					return
				}
			}
			for j := range c {
				if !fits(get(r, j), cols[j]) {
					return
				}
			}
			if !fits(get(r, c), total) {
				return
			}
			ext := make([][]int, r+1)
			for i := range r {
				ext[i] = append(append([]int(nil), x[i]...), 0)
				for j := range c {
					ext[i][c] += x[i][j]
				}
			}
			ext[r] = append(append([]int(nil), cols...), total)
			fn(ext)
			return
		}
		i, j := k/c, k%c
		cell := get(i, j)
		lo, hi := cell.Value, cell.Value
		switch cell.Status {
		case Small:
			lo, hi = 1, Threshold-1
		case Withheld:
			lo, hi = Threshold, limit
		case Unguarded:
			lo, hi = 1, limit
		}
		for v := lo; v <= hi; v++ {
			x[i][j] = v
			// Prune on a finished row.
			if j == c-1 {
				sum := 0
				for b := range c {
					sum += x[i][b]
				}
				if !fits(get(i, c), sum) {
					continue
				}
			}
			walk(k + 1)
		}
	}
	walk(0)
}

// checkPublished asserts the invariants of a published table against the
// table it came from: no count from 1 to 4 is shown, every shown number is
// true, and the attacker recovers no hidden cell.
func checkPublished(t *testing.T, tb Table, p Published, limit int) {
	t.Helper()
	g := newGrid(tb)
	get := func(i, j int) Cell {
		switch {
		case i == g.r && j == g.c:
			return p.Total
		case i == g.r:
			return p.ColTotals[j]
		case j == g.c:
			return p.RowTotals[i]
		}
		return p.Cells[i][j]
	}
	hidden := 0
	for i := 0; i <= g.r; i++ {
		for j := 0; j <= g.c; j++ {
			cell, x := get(i, j), g.v[i][j]
			switch cell.Status {
			case Shown:
				if cell.Value != x {
					t.Fatalf("(%d,%d) shown as %d, is %d", i, j, cell.Value, x)
				}
				if x > 0 && x < Threshold {
					t.Fatalf("(%d,%d) = %d is published", i, j, x)
				}
			case Small:
				hidden++
				if x < 1 || x >= Threshold || cell.Text() != "<5" {
					t.Fatalf("(%d,%d) = %d shown as %q", i, j, x, cell.Text())
				}
			case Withheld:
				hidden++
				if x < Threshold {
					t.Fatalf("(%d,%d) = %d withheld as if ≥ 5", i, j, x)
				}
			case Unguarded:
				hidden++
			}
		}
	}
	if hidden == 0 || limit == 0 {
		return
	}
	// The enumeration's cap only leaves solutions out: two values found
	// under it are two values. It must let the true table in.
	for i := range g.r {
		for j := range g.c {
			limit = max(limit, g.v[i][j]+2)
		}
	}
	seen := attack(p, limit)
	for i := 0; i <= g.r; i++ {
		for j := 0; j <= g.c; j++ {
			if !get(i, j).Hidden() {
				continue
			}
			vals := seen[[2]int{i, j}]
			if !vals[g.v[i][j]] {
				t.Fatalf("(%d,%d): the true value %d is not among the attacker's solutions %v", i, j, g.v[i][j], vals)
			}
			if len(vals) < 2 {
				t.Fatalf("(%d,%d) = %d recovered from the published table %+v", i, j, g.v[i][j], p)
			}
		}
	}
}

func TestSuppress(t *testing.T) {
	for _, c := range []struct {
		name  string
		cells [][]int
		shown int // how many of the grid's numbers stay published, -1: do not check
	}{
		{"nothing small", [][]int{{10, 20}, {30, 40}}, 9},
		{"zeros are published", [][]int{{0, 20}, {30, 0}}, 9},
		{"one small cell", [][]int{{2, 12, 9}, {11, 10, 7}}, -1},
		{"a row total under 5 alone", [][]int{{1, 0}, {30, 40}}, -1},
		{"the classic: one small cell, totals give it away", [][]int{{3, 10}, {10, 10}}, -1},
		{"small cells in a rectangle", [][]int{{3, 2, 9}, {4, 1, 8}, {7, 7, 7}}, -1},
		{"everything small", [][]int{{1, 1}, {1, 1}}, -1},
		{"a single cell", [][]int{{3}}, -1},
		{"a single row", [][]int{{3, 6, 7, 0}}, -1},
		{"a single column", [][]int{{3}, {6}, {8}}, -1},
		{"total under 5", [][]int{{1, 0}, {0, 2}}, -1},
		{"a lone small cell needs two companions at once", [][]int{{0, 0, 7, 0}, {0, 0, 3, 0}}, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			tb := Table{Cells: c.cells}
			for i := range c.cells {
				tb.Rows = append(tb.Rows, fmt.Sprint("r", i))
			}
			for j := range c.cells[0] {
				tb.Cols = append(tb.Cols, fmt.Sprint("c", j))
			}
			p := Suppress(tb)
			checkPublished(t, tb, p, 15)
			if c.shown >= 0 {
				n := 0
				for _, row := range p.Cells {
					for _, x := range row {
						if !x.Hidden() {
							n++
						}
					}
				}
				for _, x := range append(append([]Cell{p.Total}, p.RowTotals...), p.ColTotals...) {
					if !x.Hidden() {
						n++
					}
				}
				if n != c.shown {
					t.Errorf("%d numbers published, want %d: %+v", n, c.shown, p)
				}
			}
		})
	}
}

// TestRecoverFromTotals is the attack the suppression is for: with one
// small cell hidden and every total published, row total minus the other
// cells gives it back. Suppress must hide more, so that the same attack
// finds at least two answers for every hidden cell.
func TestRecoverFromTotals(t *testing.T) {
	tb := Table{Rows: []string{"week 1", "week 2"}, Cols: []string{"a", "b", "c"}, Cells: [][]int{{3, 12, 8}, {9, 6, 11}}}
	naive := newGrid(tb)
	naive.hidden[0][0] = true // primary suppression only
	p := naive.published(tb, true)
	if vals := attack(p, 25)[[2]int{0, 0}]; len(vals) != 1 || !vals[3] {
		t.Fatalf("the attack should recover 3 from primary suppression alone, got %v", vals)
	}
	checkPublished(t, tb, Suppress(tb), 25)
}

func TestSuppressLinked(t *testing.T) {
	cols := []string{"a", "b", "c"}
	tables := []Table{
		{Rows: []string{"w1", "w2"}, Cols: cols, Cells: [][]int{{3, 6, 0}, {6, 2, 9}}},
		{Rows: []string{"o1", "o2"}, Cols: cols, Cells: [][]int{{1, 8, 4}, {8, 0, 5}}},
	}
	ps := SuppressLinked(tables)
	for k := range tables {
		checkPublished(t, tables[k], ps[k], 0)
		for j := range cols {
			if ps[0].ColTotals[j].Hidden() != ps[k].ColTotals[j].Hidden() {
				t.Errorf("column %d's total is hidden in one table and not in another", j)
			}
		}
	}
	// The attack on both at once: solutions of each table that agree on
	// the shared totals. Every hidden cell keeps two values.
	sa, sb := jointAttack(ps[0], ps[1], 25)
	for k, seen := range []map[[2]int]map[int]bool{sa, sb} {
		g := newGrid(tables[k])
		for key, vals := range seen {
			if len(vals) < 2 {
				t.Errorf("table %d: cell %v = %d recovered by combining the tables", k, key, g.v[key[0]][key[1]])
			}
		}
	}
}

func FuzzSuppress(f *testing.F) {
	f.Add(uint8(2), uint8(2), []byte{3, 10, 10, 10})
	f.Add(uint8(3), uint8(3), []byte{1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(uint8(1), uint8(4), []byte{3, 6, 0, 9})
	f.Add(uint8(3), uint8(2), []byte{0, 0, 4, 0, 0, 1})
	f.Fuzz(func(t *testing.T, r, c uint8, data []byte) {
		// Small enough for the attacker's enumeration.
		rows, cols := int(r%3)+1, int(c%3)+1
		if rows*cols > 6 || len(data) < rows*cols {
			return
		}
		tb := Table{Cells: make([][]int, rows)}
		for i := range rows {
			tb.Rows = append(tb.Rows, fmt.Sprint(i))
			for j := range cols {
				tb.Cells[i] = append(tb.Cells[i], int(data[i*cols+j]%10))
			}
		}
		for j := range cols {
			tb.Cols = append(tb.Cols, fmt.Sprint(j))
		}
		checkPublished(t, tb, Suppress(tb), 12)
	})
}
