package names

import "testing"

func TestPlaceKey(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"Миколаїв", "Николаев", true},
		{"Mykolaiv", "Николаев", true},
		{"Nikolaev", "Миколаїв", true},
		{"Бахмут", "Артёмовск", true},
		{"Бахмут", "Артемовск", true},
		{"Покровськ", "Красноармейск", true},
		{"Дніпро", "Днепропетровск", true},
		{"Миколаїв", "Маріуполь", false},
		{"Бахмут", "Покровськ", false},
	} {
		if got := PlaceKey(c.a) == PlaceKey(c.b); got != c.same {
			t.Errorf("PlaceKey(%q) = %q, PlaceKey(%q) = %q: same %v, want %v", c.a, PlaceKey(c.a), c.b, PlaceKey(c.b), got, c.same)
		}
	}
}
