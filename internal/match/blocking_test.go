package match

import (
	"math"
	"testing"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// TestBlockingFindsDamagedPairs checks that a child's record shares a
// blocking key with the request for it when the fields that are usually
// relied on are damaged in the ways the rules are meant to survive. Each
// case also removes the birth date or makes it vague, so that the date
// rules cannot find the pair instead.
func TestBlockingFindsDamagedPairs(t *testing.T) {
	request := person("Анастасія", "Віталіївна", "Пащів", "female", "2011")
	request.Person.LastHome = domain.Place{Settlement: "Миколаїв", Oblast: "Миколаївська область"}
	request.Person.Relatives = []domain.Relative{
		{Relation: domain.RelationMother, Name: "Ксенія Пащів"},
		{Relation: domain.RelationFather, Name: "Віталій Пащів"},
	}
	child := func(given, patronymic, family, birth string, edit func(*domain.Record)) domain.Record {
		r := person(given, patronymic, family, "female", birth)
		if edit != nil {
			edit(&r)
		}
		return r
	}
	for _, c := range []struct {
		name  string
		child domain.Record
	}{
		{"swapped letters in the family name", child("Анастасия", "", "Пщаив", "", nil)},
		{"a letter left out of the family name", child("Анастасия", "", "Пащв", "", nil)},
		{"a changed first letter", child("Анастасия", "", "Ващів", "", nil)},
		{"a slip in the given name, a new family name, the mother's name kept", child("Анастаися", "", "Смирнова", "", func(r *domain.Record) {
			r.Person.Relatives = []domain.Relative{{Relation: domain.RelationMother, Name: "Ксения Пащив"}}
		})},
		{"a new family name, the patronymic and the year", child("Анастасия", "Витальевна", "Смирнова", "2011-05", nil)},
		{"a new family name, the settlement under its Russian name", child("Настя", "", "Смирнова", "2011", func(r *domain.Record) {
			r.Person.LastHome = domain.Place{Settlement: "Николаев"}
		})},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPreparer()
			ix := buildIndex(nil, 1)
			ix.add(p.prepare(&c.child))
			q := p.prepare(&request)
			if got := ix.searcher().candidates(&q); len(got) != 1 {
				t.Errorf("the request does not find %+v", c.child.Person.Names)
			}
		})
	}
	// And blocking is still selective: an unrelated girl is not a candidate.
	p := newPreparer()
	ix := buildIndex(nil, 1)
	other := child("Вікторія", "Олегівна", "Бондар", "2015-03-02", nil)
	ix.add(p.prepare(&other))
	q := p.prepare(&request)
	if got := ix.searcher().candidates(&q); len(got) != 0 {
		t.Errorf("an unrelated record is a candidate")
	}
}

func TestExclusive(t *testing.T) {
	pair := func(w float64) Pair { return Pair{Weight: w, Probability: probability(w)} }
	// A lone candidate keeps its probability.
	if got := exclusive([]Pair{pair(3)}, 0.01); got[0].Probability != probability(3) || got[0].Rivals != 0 {
		t.Errorf("lone candidate: %+v", got[0])
	}
	// Two equally good candidates share: neither can be more than half.
	got := exclusive([]Pair{pair(10), pair(10)}, 0.01)
	for _, p := range got {
		if math.Abs(p.Probability-1024.0/2049) > 1e-9 {
			t.Errorf("two equal candidates: %v, want %v each", p.Probability, 1024.0/2049)
		}
	}
	// A namesake beside a much better fit loses nearly all, and is dropped
	// below the floor; the best keeps nearly all.
	got = exclusive([]Pair{pair(20), pair(4), pair(-3)}, 0.01)
	if len(got) != 1 || got[0].Probability < 0.999 {
		t.Errorf("strong and weak candidates: %+v", got)
	}
	if want := probability(4); got[0].Weight != 20 || math.Abs(exclusive([]Pair{pair(20), pair(4)}, 0)[1].Rivals-(want-math.Exp2(4-20)/(math.Exp2(-20)+1+math.Exp2(4-20)))) > 1e-9 {
		t.Errorf("rivals not accounted")
	}
	// Huge weights do not overflow.
	got = exclusive([]Pair{pair(1500), pair(1400)}, 0.01)
	if len(got) != 1 || math.IsNaN(got[0].Probability) || got[0].Probability < 0.999 {
		t.Errorf("huge weights: %+v", got)
	}
}
