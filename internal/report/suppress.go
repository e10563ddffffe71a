// Package report makes tables of counts safe to publish: small-cell
// suppression with complementary suppression, checked against the attack
// that solves the published totals for a hidden cell.
//
// A table of R rows and C columns is published with its margins (row
// totals, column totals, grand total). Think of it as the extended
// (R+1)×(C+1) grid whose last row and column are the totals. Every count
// from 1 to Threshold-1, margins included, is suppressed and shown as "<5"
// (primary suppression); a zero is published (it is no one). Then further
// cells of Threshold or more are suppressed (complementary suppression,
// shown as "x") until no suppressed cell can be worked out from what is
// published.
//
// The attacker knows the layout, every published number, the linear
// equations (each row and column of the grid adds up to its total), that a
// "<5" cell is 1 to 4, and that an "x" cell is Threshold or more. A hidden
// cell is determined if every table consistent with all that gives it the
// same value. The equations are those of a transportation problem, so the
// question is one of cycles (Protected): the hidden cell can take another
// value if and only if there is a cycle of hidden cells through it,
// alternately along a row and a column of the grid, on which adding and
// taking away 1 in turn keeps every cell within what the attacker knows.
// Adding ±1 around such a cycle changes no row or column sum, so it gives a
// second table consistent with everything published.
package report

import "slices"

// Threshold: counts from 1 to Threshold-1 are never published.
const Threshold = 5

// Table is a table of counts.
type Table struct {
	Rows, Cols []string
	Cells      [][]int // [row][col], each ≥ 0
}

// Status is how a published number is shown.
type Status uint8

const (
	Shown     Status = iota // the count itself
	Small                   // primary: 1 to Threshold-1, shown as "<5"
	Withheld                // complementary: Threshold or more, shown as "x"
	Unguarded               // could not be protected: not published at all
)

// Cell is one published number.
type Cell struct {
	Value  int // meaningful only when Status is Shown
	Status Status
}

// Text is the cell as printed.
func (c Cell) Text() string {
	switch c.Status {
	case Shown:
		return itoa(c.Value)
	case Small:
		return "<5"
	default:
		return "x"
	}
}

// Hidden reports whether the cell's value is not published.
func (c Cell) Hidden() bool { return c.Status != Shown }

// Published is a table as it may be published: the cells, the row totals,
// the column totals and the grand total.
type Published struct {
	Rows, Cols []string
	Cells      [][]Cell
	RowTotals  []Cell
	ColTotals  []Cell
	Total      Cell
}

// grid is the extended table: rows 0..R-1 and the totals row R, columns
// 0..C-1 and the totals column C.
type grid struct {
	r, c   int
	v      [][]int
	hidden [][]bool
	// shared: the column totals and the grand total are shared with other
	// tables (SuppressLinked). They then never move in this table's cycles
	// (a second table would have to move with it), and their own
	// protection is checked across the tables, not here.
	shared bool
	// rejected cells were withheld once and turned out derivable from the
	// rest: they are published and never withheld again.
	rejected [][]bool
	// free, while ≥ 0, is the one shared total (by column; g.c for the
	// grand total) that may move: the one whose protection is checked.
	free int
}

// isShared reports whether (i, j) is a total shared with other tables.
func (g *grid) isShared(i, j int) bool { return g.shared && i == g.r && j != g.free }

func newGrid(t Table) *grid {
	r, c := len(t.Cells), len(t.Cols)
	g := &grid{r: r, c: c, free: -1}
	g.v = make([][]int, r+1)
	g.hidden = make([][]bool, r+1)
	g.rejected = make([][]bool, r+1)
	for i := range g.v {
		g.v[i] = make([]int, c+1)
		g.hidden[i] = make([]bool, c+1)
		g.rejected[i] = make([]bool, c+1)
	}
	for i := range r {
		for j := range c {
			x := max(t.Cells[i][j], 0)
			g.v[i][j] = x
			g.v[i][c] += x
			g.v[r][j] += x
			g.v[r][c] += x
		}
	}
	return g
}

// bounds is what the attacker knows of a cell: [lo, hi], hi < 0 meaning
// no upper bound.
func (g *grid) bounds(i, j int) (lo, hi int) {
	x := g.v[i][j]
	switch {
	case !g.hidden[i][j]:
		return x, x
	case x < Threshold:
		return 1, Threshold - 1
	default:
		return Threshold, -1
	}
}

// flip is the sign with which a grid cell enters its row's and column's
// equations once the totals are moved to the left-hand side: with it,
// every row and every column of the grid adds up to zero.
func (g *grid) flip(i, j int) int {
	f := 1
	if i == g.r {
		f = -f
	}
	if j == g.c {
		f = -f
	}
	return f
}

// can reports whether cell (i, j) may change by d (±1) and stay within
// what the attacker knows.
func (g *grid) can(i, j, d int) bool {
	if !g.hidden[i][j] || g.isShared(i, j) {
		return false
	}
	lo, hi := g.bounds(i, j)
	x := g.v[i][j] + d
	return x >= lo && (hi < 0 || x <= hi)
}

// movable reports whether hidden cell (i, j) can take another value in a
// table consistent with everything published: whether a cycle through it
// exists on which it changes by +1 (up) or by -1 (down).
//
// Nodes are the grid's rows and columns. In "primed" terms (each cell's
// change times its flip) every row and column sums to zero, and a cycle
// that goes row→column on cells getting +1 and column→row on cells getting
// -1 keeps them so. A cell's primed change p = d·flip is allowed if the
// cell may change by d. The cell itself gets primed +1 (an edge row→col)
// when a path col ⇝ row closes the cycle, primed -1 when row ⇝ col does;
// the path must not use the cell again.
func (g *grid) movable(i, j int) (up, down bool) {
	f := g.flip(i, j)
	for _, d := range []int{1, -1} {
		lo, hi := g.bounds(i, j)
		if x := g.v[i][j] + d; !g.hidden[i][j] || x < lo || (hi >= 0 && x > hi) {
			continue
		}
		var ok bool
		if d*f == 1 {
			ok = g.path(false, j, true, i, i, j) // from column j to row i
		} else {
			ok = g.path(true, i, false, j, i, j) // from row i to column j
		}
		if ok && d == 1 {
			up = true
		} else if ok {
			down = true
		}
	}
	return up, down
}

// path searches breadth-first from one node to another over the edges
// allowed: row a → column b on a hidden cell whose primed change may be
// +1, column b → row a on one whose primed change may be -1, never through
// cell (si, sj).
func (g *grid) path(fromRow bool, from int, toRow bool, to int, si, sj int) bool {
	type node struct {
		row bool
		k   int
	}
	seenRow := make([]bool, g.r+1)
	seenCol := make([]bool, g.c+1)
	queue := []node{{fromRow, from}}
	if fromRow {
		seenRow[from] = true
	} else {
		seenCol[from] = true
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n.row == toRow && n.k == to {
			return true
		}
		if n.row {
			a := n.k
			for b := 0; b <= g.c; b++ {
				if seenCol[b] || (a == si && b == sj) || !g.can(a, b, g.flip(a, b)) {
					continue
				}
				seenCol[b] = true
				queue = append(queue, node{false, b})
			}
		} else {
			b := n.k
			for a := 0; a <= g.r; a++ {
				if seenRow[a] || (a == si && b == sj) || !g.can(a, b, -g.flip(a, b)) {
					continue
				}
				seenRow[a] = true
				queue = append(queue, node{true, a})
			}
		}
	}
	return false
}

// exposed returns the first hidden cell that can be worked out, if any:
// small counts first, then withheld ones (a withheld count may need
// company before a cycle can form; its own turn comes once every small
// count is safe).
func (g *grid) exposed() (int, int, bool) {
	for _, small := range []bool{true, false} {
		for i := 0; i <= g.r; i++ {
			for j := 0; j <= g.c; j++ {
				if !g.hidden[i][j] || g.isShared(i, j) || (g.v[i][j] < Threshold) != small {
					continue
				}
				if up, down := g.movable(i, j); !up && !down {
					return i, j, true
				}
			}
		}
	}
	return 0, 0, false
}

// complement picks the cell to withhold next to protect (i, j): the
// smallest published count of Threshold or more in its row of the grid if
// the row has no other hidden cell, else in its column if that has none,
// else the smallest in the row or the column; failing those, anywhere.
// Zeros are never withheld (a zero is published as it is). It returns
// false when no cell is left to withhold.
func (g *grid) complement(i, j int) (int, int, bool) {
	type cand struct{ a, b int }
	// best is the smallest candidate that, withheld, lets (i, j) move;
	// failing that, the smallest candidate.
	best := func(cs []cand) (cand, bool) {
		ok := func(c cand) bool {
			x := g.v[c.a][c.b]
			// A shared total never moves here: withholding it would not help.
			return !g.hidden[c.a][c.b] && !g.rejected[c.a][c.b] && x >= Threshold && !g.isShared(c.a, c.b)
		}
		less := func(c, d cand) bool {
			x, y := g.v[c.a][c.b], g.v[d.a][d.b]
			// Smallest first; an inner cell before a total of the same size.
			return x < y || (x == y && c.a < g.r && c.b < g.c && (d.a == g.r || d.b == g.c))
		}
		var small, helpful cand
		foundSmall, foundHelpful := false, false
		for _, c := range cs {
			if !ok(c) {
				continue
			}
			if !foundSmall || less(c, small) {
				small, foundSmall = c, true
			}
			g.hidden[c.a][c.b] = true
			up, down := g.movable(i, j)
			g.hidden[c.a][c.b] = false
			if (up || down) && (!foundHelpful || less(c, helpful)) {
				helpful, foundHelpful = c, true
			}
		}
		if foundHelpful {
			return helpful, true
		}
		return small, foundSmall
	}
	var row, col, all []cand
	rowHidden, colHidden := 0, 0
	for b := 0; b <= g.c; b++ {
		row = append(row, cand{i, b})
		if g.hidden[i][b] && b != j {
			rowHidden++
		}
	}
	for a := 0; a <= g.r; a++ {
		col = append(col, cand{a, j})
		if g.hidden[a][j] && a != i {
			colHidden++
		}
	}
	order := [][]cand{slices.Concat(row, col)}
	if rowHidden == 0 {
		order = [][]cand{row, col}
	} else if colHidden == 0 {
		order = [][]cand{col, row}
	}
	for a := 0; a <= g.r; a++ {
		for b := 0; b <= g.c; b++ {
			all = append(all, cand{a, b})
		}
	}
	for _, cs := range append(order, all) {
		if c, ok := best(cs); ok {
			return c.a, c.b, true
		}
	}
	return 0, 0, false
}

// Suppress returns t as it may be published. Every count from 1 to
// Threshold-1 (cells and totals) is shown as "<5"; then, one at a time,
// the smallest suitable counts are withheld until no hidden cell can be
// worked out from the published ones (see the package comment). In the
// rare table that cannot be protected that way (too little left to
// withhold), nothing but zeros is published.
func Suppress(t Table) Published {
	g := newGrid(t)
	return g.published(t, g.protect(nil))
}

// protect hides the small counts and every cell in force (column totals,
// by column; -1 is the grand total), then withholds cells until none of
// this grid's hidden cells can be worked out. It reports false if it ran
// out of cells to withhold.
func (g *grid) protect(force map[int]bool) bool {
	for i := 0; i <= g.r; i++ {
		for j := 0; j <= g.c; j++ {
			if x := g.v[i][j]; x > 0 && x < Threshold {
				g.hidden[i][j] = true
			}
		}
	}
	for j := range force {
		if j < 0 {
			j = g.c
		}
		if g.v[g.r][j] > 0 {
			g.hidden[g.r][j] = true
		}
	}
	for {
		i, j, bad := g.exposed()
		if !bad {
			return true
		}
		if g.v[i][j] >= Threshold {
			// A withheld count that the rest gives away: publish it. No
			// cycle goes through it, so no other cell's protection
			// depended on it.
			g.hidden[i][j], g.rejected[i][j] = false, true
			continue
		}
		a, b, ok := g.complement(i, j)
		if !ok {
			return false
		}
		g.hidden[a][b] = true
	}
}

// SuppressLinked suppresses tables that share their columns (the same
// population counted by a different row variable each, such as week,
// region and age band by category): their column totals and grand total
// are the same numbers, so an attacker can combine the tables' equations.
// A shared total hidden in one table is hidden in all; no table's cells
// are protected by a cycle that moves a shared total (the other tables
// would pin it); and each hidden shared total is protected by moving it
// the same way in every table at once, each table through a cycle of its
// own. The tables must have the same columns and grand total.
func SuppressLinked(ts []Table) []Published {
	gs := make([]*grid, len(ts))
	for k, t := range ts {
		gs[k] = newGrid(t)
		gs[k].shared = len(ts) > 1
	}
	force := map[int]bool{}
	guarded := make([]bool, len(gs))
	for {
		for k, g := range gs {
			guarded[k] = g.protect(force)
		}
		grew := false
		// Hidden in one, hidden in all.
		for _, g := range gs {
			for j := 0; j <= g.c; j++ {
				key := j
				if j == g.c {
					key = -1
				}
				if g.hidden[g.r][j] && !force[key] {
					force[key], grew = true, true
				}
			}
		}
		if grew {
			continue
		}
		// Each hidden shared total must move the same way in every table.
		withheld, stuck := false, false
		keys := make([]int, 0, len(force))
		for key := range force {
			keys = append(keys, key)
		}
		slices.Sort(keys) // the same table gives the same pattern, always
		for _, key := range keys {
			var fails []int // per direction, the first table that cannot
			for _, d := range []int{1, -1} {
				fail := -1
				for k, g := range gs {
					g.free = key
					if key < 0 {
						g.free = g.c
					}
					up, down := g.movable(g.r, g.free)
					g.free = -1
					if (d == 1 && !up) || (d == -1 && !down) {
						fail = k
						break
					}
				}
				fails = append(fails, fail)
			}
			if fails[0] < 0 || fails[1] < 0 {
				continue
			}
			// Withhold one more cell next to it in the table that failed.
			g := gs[fails[0]]
			j := key
			if key < 0 {
				j = g.c
			}
			if a, b, more := g.complement(g.r, j); more {
				g.hidden[a][b], withheld = true, true
			} else {
				stuck = true
			}
		}
		if stuck && !withheld {
			for k := range guarded {
				guarded[k] = false
			}
		}
		if !withheld {
			break
		}
	}
	out := make([]Published, len(gs))
	for k, g := range gs {
		out[k] = g.published(ts[k], guarded[k])
	}
	return out
}

func (g *grid) published(t Table, guarded bool) Published {
	cell := func(i, j int) Cell {
		x := g.v[i][j]
		switch {
		case !guarded && x > 0:
			return Cell{Status: Unguarded}
		case !g.hidden[i][j]:
			return Cell{Value: x}
		case x < Threshold:
			return Cell{Status: Small}
		default:
			return Cell{Status: Withheld}
		}
	}
	p := Published{Rows: slices.Clone(t.Rows), Cols: slices.Clone(t.Cols), Total: cell(g.r, g.c)}
	p.Cells = make([][]Cell, g.r)
	for i := range g.r {
		p.Cells[i] = make([]Cell, g.c)
		for j := range g.c {
			p.Cells[i][j] = cell(i, j)
		}
		p.RowTotals = append(p.RowTotals, cell(i, g.c))
	}
	for j := range g.c {
		p.ColTotals = append(p.ColTotals, cell(g.r, j))
	}
	return p
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
