package names

import (
	"slices"
	"testing"
)

func TestGivenClassesNear(t *testing.T) {
	want := func(name string) int32 { return GivenClasses(name)[0] }
	for _, c := range []struct {
		slip, meant string
	}{
		{"Мрак", "Марк"},           // swap
		{"Злтаа", "Злата"},         // swap
		{"Ивн", "Иван"},            // letter left out
		{"Kia", "Кіра"},            // in Latin, letter left out
		{"Плоина", "Поліна"},       // swap, Russian against Ukrainian
		{"Елизаевта", "Єлизавета"}, // swap, Russian form
		{"Михил", "Михайло"},       // Russian Михаил with a letter left out
		{"Олекандр", "Олександр"},
		{"Oleksamdr", "Олександр"}, // substitution
	} {
		got := GivenClassesNear(c.slip)
		if !slices.Contains(got, want(c.meant)) {
			t.Errorf("GivenClassesNear(%q) = %v, want it to hold the class of %q (%d)", c.slip, got, c.meant, want(c.meant))
		}
	}
	for _, s := range []string{"Олександр", "Марк", "Иан" /* Ян, as written */, "Олександрр" /* Key folds doubles */, "Ян", "", "Зюзюкзюзюк", "Qwrtp"} {
		if got := GivenClassesNear(s); got != nil {
			t.Errorf("GivenClassesNear(%q) = %v, want nil (known name, too short or nothing near)", s, got)
		}
	}
}

func TestWithinOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"mark", "mark", true},
		{"mark", "mrak", true},
		{"ivan", "ian", true},
		{"ian", "ivan", true},
		{"ivan", "ivar", true},
		{"ivan", "iavn", true},
		{"ivan", "vian", true},
		{"ivan", "nvai", false},
		{"ivan", "in", false},
		{"abcd", "badc", false},
		{"abc", "abcde", false},
		{"", "a", true},
		{"", "ab", false},
	} {
		if got := WithinOneEdit(c.a, c.b); got != c.want {
			t.Errorf("WithinOneEdit(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := WithinOneEdit([]byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("WithinOneEdit(%q, %q) as bytes = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
