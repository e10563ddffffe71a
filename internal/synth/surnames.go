package synth

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Surnames are drawn from a head and a long tail.
//
// The head is the list in data_surnames.go, the most frequent surnames of
// Ukraine; together they take headPercent of the draws, each in proportion
// to its listed weight plus headFloor (the listed weights fall from 100 to
// 4, steeper than the registers do: with the floor Мельник is about 0.25% of
// children and the first hundred together about 10.5%, as in Ukraine).
//
// The tail is several thousand surnames made from the stems of
// data_stems.go and the Ukrainian surname formants, ranked by how common
// their formant is (-енко far ahead of -ишак) and how productive their kind
// of stem (given names ahead of plants), with a deterministic jitter. Tail
// name k (from 0) has weight proportional to 1/(k+q), a Zipf law with
// exponent 1 whose offset q is chosen so that the first tail names are as
// common as the rarest of the head: the ranks go on from the head's. In
// Ukraine the tail is longer still (tens of thousands of surnames, most
// borne by a few hundred people); a few thousand are enough to give
// matching realistic blocks: at a million children the tail's surnames
// have about 60 to 300 bearers each, the head's up to 2,500.
//
// A single weighted pick over head and tail draws from exactly this
// mixture, with one random number per surname as before.
const (
	headPercent = 18
	headFloor   = 10
	// tailScale is the numerator of the tail weights tailScale/(k+q): large
	// enough that rounding does not matter, small enough that all weights
	// together fit the int32 of weights.
	tailScale = 1 << 28
)

// stemClass is the kind of word a stem comes from; it decides which
// formants the stem takes and how often.
type stemClass uint8

const (
	classGiven stemClass = iota // given names: Петр, Гриц, Федч
	classTrade                  // trades, ranks, peoples: Гончар, Козак, Литвин
	classFauna                  // animals: Вовк, Голуб, Зозул
	classFlora                  // plants: Дуб, Калин, Вишнь
	classTrait                  // adjectives: Біл, Руд, Глух
	classAdjN                   // adjectives in -ний: Заболотн, Залізн
	classLand                   // landscape: Степ, Кут, Лан
	classThing                  // other nouns: Мороз, Галушк, Дзюб
	classPlace                  // places: Полтав, Галич, Сокаль
	nClasses
)

// formant is a way of making a surname from a stem.
type formant uint8

const (
	fBare   formant = iota // the noun itself: Вовк, Зозуля, Мороз
	fEnko                  // -енко: Петренко, Вовченко, Андрієнко
	fChenko                // -ченко: Климченко, Михальченко
	fUk                    // -ук/-юк: Петрук, Гнатюк, Вовчук, Ковалюк
	fChuk                  // -чук: Остапчук, Ковальчук, Андрійчук
	fChak                  // -чак: Федорчак, Климчак
	fYshyn                 // -ишин: Петришин, Ковалишин, Юрчишин
	fYshak                 // -ишак: Петришак
	fIv                    // -ів: Петрів, Гриців, Стахів
	fKiv                   // -ків: Гнатків, Федьків, Данилків
	fOvych                 // -ович/-евич: Петрович, Юркевич, Андрієвич
	fKo                    // -ко: Климко, Грицько, Федько
	fAk                    // -ак/-як: Петрак, Семеняк, Вовчак
	fYk                    // -ик: Петрик, Вовчик, Ковалик
	fYsh                   // -иш: Павлиш, Гнатиш
	fYch                   // -ич: Савич, Іванич, Лукич
	fEts                   // -ець: Остапець, Полтавець
	fSkyi                  // -ський/-цький: Полтавський, Галицький
	fOvskyi                // -овський/-евський: Дубовський, Грушевський
	fYtskyi                // -ицький: Вербицький, Петрицький
	fYnskyi                // -инський: Лозинський, Липинський
	fOvyi                  // -овий/-евий: Дубовий, Степовий, Грушевий
	fAdj                   // -ий of an adjective: Рудий, Заболотний
	fOv                    // Russian-style -ов/-ев: Гончаров, Ткачов
	fIn                    // Russian-style -ін: Воронін, Калинін
	nFormants
)

// classWeight is how productive a class is: it scales the rank scores.
var classWeight = [nClasses]int{
	classGiven: 3, classTrade: 3, classFauna: 2, classFlora: 1, classTrait: 2,
	classAdjN: 2, classLand: 1, classThing: 1, classPlace: 2,
}

// formantWeights says which formants a class takes and how common each is
// among its surnames: -енко is the commonest Ukrainian ending, then -ук/-юк
// and -чук; -ишин, -ів and -ович are frequent in the west, -ов in the east.
var formantWeights = [nClasses][nFormants]int{
	classGiven: {
		fEnko: 30, fChenko: 5, fUk: 14, fChuk: 8, fChak: 2, fYshyn: 6, fYshak: 1,
		fIv: 5, fKiv: 3, fOvych: 6, fKo: 4, fAk: 3, fYk: 3, fYsh: 2, fYch: 2, fEts: 2,
		fOvskyi: 3, fYtskyi: 1, fOv: 3,
	},
	classTrade: {
		fBare: 14, fEnko: 20, fUk: 12, fChuk: 8, fYshyn: 2, fIv: 2, fOvych: 2, fYk: 3, fOv: 4,
	},
	classFauna: {
		fBare: 14, fEnko: 16, fUk: 8, fChuk: 5, fYk: 3, fAk: 2, fOv: 4, fOvskyi: 3, fIn: 2,
	},
	classFlora: {
		fBare: 8, fEnko: 10, fUk: 6, fChuk: 4, fAk: 3, fOv: 2, fOvskyi: 6, fYtskyi: 3,
		fYnskyi: 3, fOvyi: 6, fIn: 1,
	},
	classTrait: {
		fAdj: 12, fEnko: 18, fUk: 8, fChuk: 4, fYk: 5, fAk: 6, fKo: 4, fOv: 2,
	},
	classAdjN:  {fAdj: 12, fEnko: 5, fUk: 8, fAk: 4, fYk: 2},
	classLand:  {fBare: 4, fOvyi: 10, fEnko: 6, fUk: 4, fChuk: 2, fOvskyi: 3},
	classThing: {fBare: 10, fEnko: 14, fUk: 7, fChuk: 4, fOv: 3, fIn: 1},
	classPlace: {fSkyi: 20, fEts: 6},
}

// maxStem is the longest stem (in letters) a formant joins: the diminutive
// and Polish-style endings make long names that read as made up
// (Харитонків, Сильвестрицький), while Петрицький, Климків are common.
var maxStem = [nFormants]int{
	fChak: 6, fYshak: 5, fKiv: 5, fKo: 5, fYsh: 5, fYch: 5,
	fOvskyi: 5, fYtskyi: 5, fYnskyi: 5,
}

// stem is one parsed entry of data_stems.go.
type stem struct {
	uk, ru       string // the form suffixes join, in both languages
	noun, nounRu string // the word as a surname on its own, or ""
	class        stemClass
}

// surnameTable is what generation reads about surnames: the four forms of
// head and tail together, and the weights to pick them by.
type surnameTable struct {
	forms []surname // head, then tail
	pick  weights
}

// surnamesTable builds the table once (in about 5 ms); it depends on
// nothing but the data, and generation only reads it. The tail's rows are
// not kept: the less live memory, the less often the collector runs.
var surnamesTable = sync.OnceValue(func() *surnameTable {
	tail := tailSurnames(surnames)
	rows := slices.Concat(surnames, tail)
	t := &surnameTable{forms: make([]surname, len(rows))}
	for i, r := range rows {
		ru := r.ru
		if ru == "" {
			ru = r.uk
		}
		t.forms[i] = surname{
			uk: [2]string{r.uk, feminineSurname(r.uk, r.kind, false)},
			ru: [2]string{ru, feminineSurname(ru, r.kind, true)},
		}
	}
	w, _ := surnameWeights(surnames, len(tail))
	t.pick = newWeights(len(w), func(i int) int { return w[i] })
	return t
})

// surnameWeights returns the weights of the head's rows followed by those
// of n tail names, and the tail's offset q.
func surnameWeights(head []surnameRow, n int) ([]int, int) {
	var headSum, headMin int64 = 0, math.MaxInt64
	for _, r := range head {
		w := int64(r.weight + headFloor)
		headSum += w
		headMin = min(headMin, w)
	}
	tailSum := func(q int64) int64 {
		var s int64
		for k := range int64(n) {
			s += tailScale / (k + q)
		}
		return s
	}
	// mult scales the head so that it takes headPercent of the whole.
	mult := func(tail int64) int64 {
		num, den := headPercent*tail, (100-headPercent)*headSum
		return (num + den/2) / den
	}
	// The smallest q at which the first tail name is no more common than
	// the rarest head name. The ratio of the two falls as q grows (the
	// tail flattens), so a binary search finds it; integers throughout,
	// so that the weights are the same on every platform.
	lo, hi := int64(1), int64(1<<20)
	for lo < hi {
		q := (lo + hi) / 2
		if tailScale/q <= headMin*mult(tailSum(q)) {
			hi = q
		} else {
			lo = q + 1
		}
	}
	q := lo
	m := mult(tailSum(q))
	w := make([]int, 0, len(head)+n)
	var total int64
	for _, r := range head {
		w = append(w, int(int64(r.weight+headFloor)*m))
		total += int64(w[len(w)-1])
	}
	for k := range int64(n) {
		w = append(w, int(tailScale/(k+q)))
		total += int64(w[len(w)-1])
	}
	if total > math.MaxInt32 {
		panic(fmt.Sprintf("synth: surname weights total %d, more than an int32 holds", total))
	}
	return w, int(q)
}

// stemLists are the stem data by class.
var stemLists = [nClasses]string{
	classGiven: stemsGiven, classTrade: stemsTrade, classFauna: stemsFauna,
	classFlora: stemsFlora, classTrait: stemsTrait, classAdjN: stemsAdjN,
	classLand: stemsLand, classThing: stemsThing, classPlace: stemsPlace,
}

// parseStems reads the stem data.
func parseStems() []stem {
	var out []stem
	for class, list := range stemLists {
		out = append(out, parseStemList(stemClass(class), list)...)
	}
	return out
}

// parseStemList reads the stems of one class; data_stems.go describes the
// notation.
func parseStemList(class stemClass, list string) []stem {
	var out []stem
	for _, tok := range strings.Fields(list) {
		s := stem{class: class}
		word, noun, hasNoun := strings.Cut(tok, "=")
		word, bare := strings.CutSuffix(word, "+")
		s.uk, s.ru, _ = strings.Cut(word, "/")
		if s.ru == "" {
			s.ru = russifyLetters(s.uk)
		}
		switch {
		case bare:
			s.noun, s.nounRu = s.uk, s.ru
		case hasNoun:
			s.noun, s.nounRu, _ = strings.Cut(noun, "/")
			if s.nounRu == "" {
				s.nounRu = russify(s.noun)
			}
		}
		out = append(out, s)
	}
	return out
}

// russify spells a Ukrainian word the Russian way: letter by letter, and
// a final -ць → -ц (Швець → Швец).
func russify(s string) string {
	s = russifyLetters(s)
	if t, ok := strings.CutSuffix(s, "ць"); ok {
		s = t + "ц"
	}
	return s
}

// russifyLetters maps і, ї → и, є → е, ґ → г and the apostrophe → ь. It
// keeps the number of letters, as a stem's Russian form must.
var russifyLetters = strings.NewReplacer("і", "и", "І", "И", "ї", "и", "Ї", "И",
	"є", "е", "Є", "Е", "ґ", "г", "Ґ", "Г", "'", "ь", "ʼ", "ь").Replace

// tailSurnames makes the tail: every surname the stems and formants give
// that is not in head, each once, most common first. A surname two stems
// give is kept with the higher score. weight holds the rank score.
func tailSurnames(head []surnameRow) []surnameRow {
	inHead := make(map[string]bool, len(head))
	for _, r := range head {
		inHead[r.uk] = true
	}
	type cand struct {
		row  surnameRow
		hash uint64
	}
	var cands []cand
	index := map[string]int{}
	for _, s := range parseStems() {
		for f := range nFormants {
			fw := formantWeights[s.class][f]
			if fw == 0 {
				continue
			}
			uk, ru, kind, ok := attach(formant(f), &s)
			if !ok || inHead[uk] {
				continue
			}
			h := fnv.New64a()
			h.Write([]byte(uk))
			c := cand{hash: h.Sum64()}
			if ru == uk {
				ru = ""
			}
			c.row = surnameRow{uk: uk, ru: ru, kind: kind,
				weight: classWeight[s.class] * fw * int(64+c.hash%64)}
			if i, dup := index[uk]; dup {
				if c.row.weight > cands[i].row.weight {
					cands[i] = c
				}
				continue
			}
			index[uk] = len(cands)
			cands = append(cands, c)
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Or(cmp.Compare(b.row.weight, a.row.weight), cmp.Compare(a.hash, b.hash),
			strings.Compare(a.row.uk, b.row.uk))
	})
	out := make([]surnameRow, len(cands))
	for i, c := range cands {
		out[i] = c.row
	}
	return out
}

// Letter classes the joining rules look at.
const (
	hardLetters  = "бвдзлмнпрстф"
	velarLetters = "кгх"
	hushLetters  = "жчшщ"
)

func in(r rune, set string) bool { return strings.ContainsRune(set, r) }

// softened is the hushing consonant a velar becomes: к → ч, г → ж, х → ш.
func softened(velar rune) rune {
	switch velar {
	case 'к':
		return 'ч'
	case 'г':
		return 'ж'
	}
	return 'ш'
}

// attach makes the surname formant f gives stem s: its masculine Ukrainian
// and Russian forms and its kind, or ok false when the formant does not
// join this stem. The rules follow Ukrainian spelling: к, г, х become ч, ж,
// ш before -енко, -ук, -ишин (Вовк → Вовченко, Довг → Довженко); a soft
// sign drops before a vowel (Коваль → Коваленко, Ковалюк) and л softens
// before ч (Михальчук); -й- stems take -єнко (Андрієнко); ц, ч, ш, щ, ж
// and soft stems take -евич, -евський (Ярошевич, Грушевський); -ський
// becomes -цький after к, ч, ц (Прилуцький, Галицький). Combinations that
// would make a consonant cluster or repeat an ending are refused.
func attach(f formant, s *stem) (uk, ru string, kind surnameKind, ok bool) {
	u := []rune(s.uk)
	n := len(u)
	if n < 2 {
		return
	}
	if maxStem[f] > 0 && n > maxStem[f] {
		return
	}
	L, P := u[n-1], u[n-2]
	var PP rune
	if n >= 3 {
		PP = u[n-3]
	}
	hard, velar, hush := in(L, hardLetters), in(L, velarLetters), in(L, hushLetters)
	ends := func(suffixes ...string) bool {
		for _, x := range suffixes {
			if strings.HasSuffix(s.uk, x) {
				return true
			}
		}
		return false
	}
	// join cuts the last drop letters of both stems and appends the
	// suffixes.
	join := func(drop int, sufUk, sufRu string) (string, string, surnameKind, bool) {
		ru := []rune(s.ru)
		return string(u[:n-drop]) + sufUk, string(ru[:len(ru)-drop]) + sufRu, invariant, true
	}
	same := func(drop int, suf string) (string, string, surnameKind, bool) { return join(drop, suf, suf) }
	// soften replaces a final к, г, х by ч, ж, ш (Паньк → Панч, with the
	// soft sign) and appends suf. After a consonant other than a sonorant
	// it is allowed only before -енко and -ук (Івашченко, Коротченко), and
	// never where it would give цч, гч, кч (Мацк, Легк).
	soften := func(suf string, anyCluster bool) (string, string, surnameKind, bool) {
		if !anyCluster && !isVowel(P) && !in(P, "рлнмвйь") || in(P, "цкгхчж") {
			return "", "", 0, false
		}
		h := string(softened(L)) + suf
		if P == 'ь' && PP == 'н' {
			return join(2, h, h)
		}
		return join(1, h, h)
	}
	// chu joins a suffix beginning with ч: after a vowel and a sonorant or
	// labial (Остапчук), л softened (Михальчук), a soft л kept (Ковальчук),
	// a soft н hardened (Сеньчук → Сенчук), or й (Андрійчук).
	chu := func(suf string) (string, string, surnameKind, bool) {
		switch {
		case in(L, "бвмнпрф") && isVowel(P), L == 'й' && isVowel(P):
			return same(0, suf)
		case L == 'л' && isVowel(P):
			return same(0, "ь"+suf)
		case L == 'ь' && P == 'л' && isVowel(PP):
			return same(0, suf)
		case L == 'ь' && P == 'н' && isVowel(PP):
			return same(1, suf)
		}
		return "", "", 0, false
	}
	// ko joins a suffix beginning with к: Климко, Грицько, Федько.
	ko := func(suf, sufRu string) (string, string, surnameKind, bool) {
		switch {
		case in(L, "бвдлмнпрт") && isVowel(P):
			return join(0, suf, sufRu)
		case L == 'ц' && isVowel(P):
			return join(0, "ь"+suf, "ь"+sufRu)
		case L == 'ь' && in(P, "лнтдсзц") && isVowel(PP):
			return join(0, suf, sufRu)
		}
		return "", "", 0, false
	}
	asAdj := func(uk, ru string, _ surnameKind, ok bool) (string, string, surnameKind, bool) {
		return uk, ru, adjectival, ok
	}
	asPoss := func(uk, ru string, _ surnameKind, ok bool) (string, string, surnameKind, bool) {
		return uk, ru, possessive, ok
	}

	switch f {
	case fBare:
		if s.noun == "" {
			return
		}
		return s.noun, s.nounRu, invariant, true

	case fEnko:
		switch {
		case hard, hush, L == 'ц':
			return same(0, "енко")
		case velar:
			return soften("енко", true)
		case L == 'ь':
			return same(1, "енко")
		case L == 'й' && isVowel(P):
			return join(1, "єнко", "енко")
		}
	case fChenko:
		if L != 'й' {
			return chu("ченко")
		}
	case fChak:
		if L != 'й' {
			return chu("чак")
		}

	case fUk:
		switch {
		case ends("ук", "юк"):
		case in(L, "ржчшщ"):
			return same(0, "ук")
		case L == 'к' && n <= 7: // Мельничук, not Пасічничук
			return soften("ук", true)
		case in(L, "дзлмнстц"):
			return same(0, "юк")
		case L == 'ь':
			return same(1, "юк")
		}
	case fChuk:
		if !ends("ук", "юк") {
			return chu("чук")
		}

	case fYshyn, fYshak:
		suf := "ишин"
		if f == fYshak {
			suf = "ишак"
		}
		switch {
		case s.class == classTrade && L != 'ь' && !hush: // Ковалишин, Кравчишин
		case hard, L == 'ц', in(L, "жчщ"):
			return same(0, suf)
		case L == 'к':
			return soften(suf, false)
		case L == 'ь':
			return same(1, suf)
		}

	case fIv:
		switch {
		case ends("ов", "ев"), s.class == classTrade && L != 'ь': // Ковалів
		case hard, velar, hush, L == 'ц':
			return join(0, "ів", "ив")
		case L == 'ь':
			return join(1, "ів", "ив")
		}
	case fKiv:
		return ko("ків", "кив")

	case fOvych:
		switch {
		case ends("ов", "ев"):
		case s.class == classTrade && L != 'к' && L != 'ь': // Гайдукевич, Ковалевич
		case hard, L == 'г', L == 'х':
			return same(0, "ович")
		case L == 'к', L == 'ц', hush && s.class == classGiven:
			return same(0, "евич")
		case L == 'ь':
			return same(1, "евич")
		case L == 'й' && isVowel(P):
			return join(1, "євич", "евич")
		}

	case fKo:
		return ko("ко", "ко")

	case fAk:
		switch {
		case ends("ак", "як"):
		case in(L, "лнтдсз"):
			return same(0, "як")
		case in(L, "рбпвмфц"), hush && s.class == classGiven: // Федчак, Ющак
			return same(0, "ак")
		case L == 'к':
			return soften("ак", false)
		case L == 'ь':
			return same(1, "як")
		}

	case fYk:
		switch {
		case ends("ик", "ич"):
		case hard, hush, L == 'ц' && s.class == classGiven: // Стецик, Луцик
			return same(0, "ик")
		case L == 'к':
			return soften("ик", false)
		case L == 'ь':
			return same(1, "ик")
		}

	case fYsh:
		if in(L, "лнрмпбвт") {
			return same(0, "иш")
		}

	case fYch:
		switch {
		case hard, L == 'к' && isVowel(P): // Лукич, not Юркич
			return same(0, "ич")
		case L == 'ь':
			return same(1, "ич")
		}

	case fEts:
		switch {
		case s.class == classPlace && (ends("ів", "ь")): // Золочівець, Тернопілець
		case in(L, "лнрмвбпдт") && isVowel(P):
			return join(0, "ець", "ец")
		case L == 'ь' && P == 'л':
			return join(1, "ець", "ец")
		}

	case fSkyi:
		if s.class != classPlace && !in(L, "нрл") {
			return
		}
		switch {
		case L == 'ц':
			return asAdj(join(0, "ький", "кий"))
		case L == 'к', L == 'ч':
			return asAdj(join(1, "цький", "цкий"))
		case in(L, "нрлвмбпдйт"), L == 'ь' && P == 'л':
			return asAdj(join(0, "ський", "ский"))
		}

	case fOvskyi:
		switch {
		case ends("ов", "ев"), n > 5: // Петровський, Соколовський; not Харитоновський
		case hard, velar:
			return asAdj(join(0, "овський", "овский"))
		case hush, L == 'ц':
			return asAdj(join(0, "евський", "евский"))
		case L == 'ь':
			return asAdj(join(1, "евський", "евский"))
		case L == 'й' && isVowel(P):
			return asAdj(join(1, "євський", "евский"))
		}
	case fYtskyi:
		if in(L, "бвлмнрпд") {
			return asAdj(join(0, "ицький", "ицкий"))
		}
	case fYnskyi:
		if in(L, "бвлмрдзстп") {
			return asAdj(join(0, "инський", "инский"))
		}

	case fOvyi:
		switch {
		case ends("ов", "ев"):
		case hard, velar:
			return asAdj(join(0, "овий", "овой"))
		case hush, L == 'ц':
			return asAdj(join(0, "евий", "евой"))
		case L == 'ь' && P == 'л' && s.class == classLand: // Польовий, Полевой
			return asAdj(join(1, "ьовий", "евой"))
		case L == 'ь' && P == 'н': // Вишневий
			return asAdj(join(1, "евий", "евой"))
		}
	case fAdj:
		switch {
		case velar, hush:
			return asAdj(join(0, "ий", "ий"))
		case hard:
			return asAdj(join(0, "ий", "ый"))
		}

	case fOv:
		nounEnd, _ := utf8.DecodeLastRuneInString(s.noun)
		switch {
		case ends("ов", "ев"), in(nounEnd, "аяо"): // Russian has -ин there: Воронін
		case hard, velar, L == 'ц':
			return asPoss(same(0, "ов"))
		case hush && s.noun == s.uk: // the noun itself: Ткачов, Пугачов
			return asPoss(join(0, "ов", "ев"))
		case L == 'ь' && P == 'л' && s.class != classGiven: // Ковальов, Ковалев
			return asPoss(join(1, "ьов", "ев"))
		case L == 'й' && !isVowel(P): // Соловйов, Соловьев
			return asPoss(join(1, "йов", "ьев"))
		}
	case fIn:
		last, _ := utf8.DecodeLastRuneInString(s.noun)
		if (last == 'а' || last == 'я') && (hard || velar) && L != 'ц' {
			return asPoss(join(0, "ін", "ин"))
		}
	}
	return
}
