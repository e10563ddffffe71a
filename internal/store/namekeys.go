package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/reunite-ftr/reunite/internal/domain"
	"github.com/reunite-ftr/reunite/internal/names"
)

// The name search (RecordFilter.Name) finds records by any word of any of
// their names, whatever the script or spelling: "Oleksandr" finds
// Олександр and Александр, "Саша" finds Oleksandr, "Kovalska" finds
// Ковальська and Ковальская. Each record's names are reduced to keys, kept
// in record_name_keys; each word of a query is reduced to the keys it may
// stand for, and a record matches when every word of the query has one of
// its keys among the record's.
//
// A key is a kind and a value, so that kinds never collide:
//
//	f:<FamilyKey>        a word of a family name (current, birth or other)
//	g:<class id>         a given-name class of a word of a given name
//	n:<Key>              a word of a given name itself, so that a name the
//	                     table does not know is still found across scripts
//	p:<class id><m|f>    a patronymic of a known father's name
//	p:<Key>              any other patronymic
//
// A query word yields every kind (it may be any part of a name), computed
// by the same function as the record's, so a record is always found by
// the words of its own names (FuzzNameQueryKeys checks this).

// nameWords returns the words of a name that keys are made of: Tokens
// splits at spaces and hyphens, and a token Key reads as several words
// ("Анна.Марія") is split further into the words of its key (Key is
// idempotent, so those words have the keys of the original spelling).
func nameWords(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, tok := range names.Tokens(s) {
			k := names.Key(tok)
			if k == "" {
				continue
			}
			if !strings.Contains(k, " ") {
				if !yield(tok) {
					return
				}
				continue
			}
			for w := range strings.SplitSeq(k, " ") {
				if !yield(w) {
					return
				}
			}
		}
	}
}

func appendFamilyKey(dst []string, word string) []string {
	if k := names.FamilyKey(word); k != "" {
		dst = append(dst, "f:"+k)
	}
	return dst
}

// appendGivenKeys appends the keys of a word of a given name: its classes,
// or, for a name the table does not know, the word's own key. (A known
// name needs no n: key: GivenClasses is a function of Key, so any spelling
// with the same key has the same classes.) A query word gets both, as it
// may be either.
func appendGivenKeys(dst []string, word string, query bool) []string {
	classes := names.GivenClasses(word)
	for _, c := range classes {
		dst = append(dst, "g:"+strconv.Itoa(int(c)))
	}
	if len(classes) == 0 || query {
		if k := names.Key(word); k != "" {
			dst = append(dst, "n:"+k)
		}
	}
	return dst
}

func appendPatronymicKey(dst []string, word string) []string {
	if c, female := names.PatronymicClass(word); c > 0 {
		sex := "m"
		if female {
			sex = "f"
		}
		return append(dst, "p:"+strconv.Itoa(int(c))+sex)
	}
	if k := names.Key(word); k != "" {
		dst = append(dst, "p:"+k)
	}
	return dst
}

// nameKeys returns the search keys of a person's names, sorted and
// without repeats.
func nameKeys(p *domain.Person) []string {
	var keys []string
	for _, n := range p.Names {
		for w := range nameWords(n.Family) {
			keys = appendFamilyKey(keys, w)
		}
		for w := range nameWords(n.Given) {
			keys = appendGivenKeys(keys, w, false)
		}
		for w := range nameWords(n.Patronymic) {
			keys = appendPatronymicKey(keys, w)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// MaxNameQueryWords bounds the words of a name query that count: a name
// with its patronymic and two family names is five words, and each word
// adds a condition to the query.
const MaxNameQueryWords = 8

// nameQueryKeys returns, for each word of a name query, the keys a record
// may hold for it (sorted, without repeats). Words that yield no key (only
// punctuation or digits) are left out, and so are repeated words; past
// MaxNameQueryWords words the rest are ignored. A query with no word left
// returns nil.
func nameQueryKeys(q string) [][]string {
	var out [][]string
	for w := range nameWords(q) {
		if len(out) == MaxNameQueryWords {
			break
		}
		keys := appendFamilyKey(nil, w)
		keys = appendGivenKeys(keys, w, true)
		keys = appendPatronymicKey(keys, w)
		slices.Sort(keys)
		keys = slices.Compact(keys)
		if len(keys) > 0 && !slices.ContainsFunc(out, func(o []string) bool { return slices.Equal(o, keys) }) {
			out = append(out, keys)
		}
	}
	return out
}

// nameCondition is the SQL condition for RecordFilter.Name: the records
// that hold a key of every word of the query, the keys bound as
// parameters through arg. A query with text but no word that yields a key
// matches nothing.
//
// The words' sets of records are intersected in one subquery rather than
// tested one by one: without statistics SQLite would walk the first word's
// records and test each against the others, tens of thousands for a
// common given name followed by a rarer family name; the intersection
// reads each word's entries of the index once and leaves only the records
// that hold them all to be looked up.
func nameCondition(q string, arg func(any) string) string {
	words := nameQueryKeys(q)
	if len(words) == 0 {
		return "1 = 0"
	}
	var b strings.Builder
	b.WriteString("r.id IN (")
	for i, keys := range words {
		if i > 0 {
			b.WriteString(" INTERSECT ")
		}
		b.WriteString("SELECT record_id FROM record_name_keys WHERE key IN (")
		for j, k := range keys {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(arg(k))
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}

// maxKeyRows is the most rows one insert into record_name_keys carries (two
// parameters each, well under both databases' limits).
const maxKeyRows = 2000

// insertNameKeys writes the search keys of records just written, in as few
// statements as the parameter limit allows.
func (t *Tx) insertNameKeys(ctx context.Context, recs []*domain.Record) error {
	var args []any
	for _, r := range recs {
		for _, k := range nameKeys(&r.Person) {
			args = append(args, r.ID, k)
			if len(args) == 2*maxKeyRows {
				if err := t.putNameKeys(ctx, args); err != nil {
					return err
				}
				args = args[:0]
			}
		}
	}
	return t.putNameKeys(ctx, args)
}

// putNameKeys inserts (record id, key) pairs. A pair already there is left
// alone.
func (t *Tx) putNameKeys(ctx context.Context, pairs []any) error {
	if len(pairs) == 0 {
		return nil
	}
	q := t.multiInsert(`INSERT INTO record_name_keys (record_id, key) VALUES `, 2, len(pairs)/2) + ` ON CONFLICT DO NOTHING`
	if _, err := t.exec(ctx, q, pairs...); err != nil {
		return fmt.Errorf("insert name keys: %w", err)
	}
	return nil
}

// replaceNameKeys brings a record's keys from those of its names old to
// those of its names now (nil when deleted): the rows are found by key
// and id, through the primary key.
func (t *Tx) replaceNameKeys(ctx context.Context, id string, old, now *domain.Person) error {
	goneKeys, addedKeys := nameKeyChanges(old, now)
	var gone, added []any
	for _, k := range goneKeys {
		gone = append(gone, k)
	}
	for _, k := range addedKeys {
		added = append(added, id, k)
	}
	if len(gone) > 0 {
		var b strings.Builder
		b.WriteString(`DELETE FROM record_name_keys WHERE record_id = $1 AND key IN (`)
		for i := range gone {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(i+2))
		}
		b.WriteString(")")
		if _, err := t.exec(ctx, b.String(), append([]any{id}, gone...)...); err != nil {
			return fmt.Errorf("delete name keys: %w", err)
		}
	}
	for len(added) > 0 {
		n := min(len(added), 2*maxKeyRows)
		if err := t.putNameKeys(ctx, added[:n]); err != nil {
			return err
		}
		added = added[n:]
	}
	return nil
}

// nameKeyChanges returns the keys of the names old has and now (nil when
// deleted) has not, and those now has and old has not.
func nameKeyChanges(old, now *domain.Person) (gone, added []string) {
	before := nameKeys(old)
	var after []string
	if now != nil {
		after = nameKeys(now)
	}
	for _, k := range before {
		if _, found := slices.BinarySearch(after, k); !found {
			gone = append(gone, k)
		}
	}
	for _, k := range after {
		if _, found := slices.BinarySearch(before, k); !found {
			added = append(added, k)
		}
	}
	return gone, added
}

// nameKeysVersion is raised by hand when what nameKeys writes changes in a
// way the sample below would not show (a new kind of key, say).
const nameKeysVersion = "1"

// fingerprintSample holds spellings that exercise the rules of Key,
// FamilyKey, GivenClasses and PatronymicClass: if any of those changes
// what it makes of them, the fingerprint changes and Open rebuilds the
// keys, so that records written under the old rules are found under the
// new ones.
var fingerprintSample = []string{
	"Олександр", "Александр", "Oleksandr", "Alexander", "Саша", "Sasha", "Сашко", "Сергій", "Сергей", "Sergey",
	"Юлія", "Yuliia", "Юля", "Наталія", "Наталья", "Natalya", "Дарья", "Дарина", "Ольга", "Olha", "Тетяна", "Татьяна",
	"Дмитро", "Дмитрий", "Dmitry", "Ірина", "Ирина", "Семен", "Semyon", "Пётр", "Pyotr", "Peter", "Yelena", "Зоряна",
	"Ковальська", "Ковальская", "Kowalski", "Ковальський", "Петрова", "Петров", "Васильєва", "Ільїна", "Заболотна",
	"Заболотный", "Мостовий", "Бережной", "Біла", "Сорока", "Щербак", "Shcherbak", "Scherbak", "Хома", "Гома",
	"Лебедєв", "Lebedev", "Коваленко", "Шевчук", "Ткач", "Мельник", "Bondarenko", "Марʼяна", "Мар'яненко",
	"Анна-Марія", "Анна.Марія", "Олександрович", "Александровна", "Oleksandrivna", "Миколайович", "Николаевич",
	"Ілліч", "Ильич", "Арсенівна", "Арсеніївна", "Ivanovych", "Кузьмич",
}

// nameKeysFingerprint identifies the key rules of this binary.
var nameKeysFingerprint = sync.OnceValue(func() string {
	h := sha256.New()
	io.WriteString(h, nameKeysVersion+"\n")
	// g: keys are class ids, the rows of the name table: a row added,
	// removed or moved changes them.
	for id := range names.GivenClassCount() {
		fmt.Fprintf(h, "%d %s %t\n", id+1, names.GivenClassName(int32(id+1)), names.GivenClassFemale(int32(id+1)))
	}
	for _, s := range fingerprintSample {
		p := domain.Person{Names: []domain.Name{{Given: s, Patronymic: s, Family: s}}}
		fmt.Fprintf(h, "%s\t%s\n", s, strings.Join(nameKeys(&p), " "))
	}
	return hex.EncodeToString(h.Sum(nil))
})

// syncNameKeys rebuilds record_name_keys when the keys were written under
// other rules than this binary's (their fingerprint differs), and returns
// the number of records it wrote keys for. Open runs it after the
// migrations; for a database that had records before the table existed,
// it is the backfill.
//
// Why here and not in a migration: the keys are computed in Go (package
// names), which a SQL migration cannot do. A goose Go migration could, but
// it would need a version of its own beside 00009 (goose refuses two
// migrations of one version) while versions are handed out to branches
// developed side by side, and it would run once: the keys must also be
// rebuilt whenever the rules of package names change, which no migration
// marks. The check is one row read at each Open. The rebuild is one
// transaction: a crash leaves the old state, and the next Open starts
// again; of two processes opening at once, the second waits for the
// first's row lock and then finds the work done.
func (s *Store) syncNameKeys(ctx context.Context) (int, error) {
	want := nameKeysFingerprint()
	var have string
	if err := s.db.QueryRowContext(ctx, `SELECT fingerprint FROM record_name_keys_state WHERE id = 1`).Scan(&have); err != nil {
		return 0, fmt.Errorf("name keys: %w", err)
	}
	if have == want {
		return 0, nil
	}
	n := 0
	err := s.InTx(ctx, func(t *Tx) error {
		n = 0
		res, err := t.exec(ctx, `UPDATE record_name_keys_state SET fingerprint = $1 WHERE id = 1 AND fingerprint <> $1`, want)
		if err != nil {
			return err
		}
		if changed, _ := res.RowsAffected(); changed == 0 {
			return nil // rebuilt meanwhile by another process
		}
		if _, err := t.exec(ctx, `DELETE FROM record_name_keys`); err != nil {
			return err
		}
		after := ""
		for {
			page, err := t.livePersons(ctx, after, MaxBatch)
			if err != nil || len(page) == 0 {
				return err
			}
			if err := t.insertNameKeys(ctx, page); err != nil {
				return err
			}
			n += len(page)
			after = page[len(page)-1].ID
		}
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild name keys: %w", err)
	}
	return n, nil
}

// livePersons reads the ids and persons of up to limit live records after
// the id after, in id order.
func (t *Tx) livePersons(ctx context.Context, after string, limit int) ([]*domain.Record, error) {
	q := `SELECT id, person FROM records WHERE deleted_at IS NULL ORDER BY id LIMIT ` + strconv.Itoa(limit)
	args := []any{}
	if after != "" {
		q = `SELECT id, person FROM records WHERE deleted_at IS NULL AND id > $1 ORDER BY id LIMIT ` + strconv.Itoa(limit)
		args = append(args, after)
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Record
	for rows.Next() {
		var r domain.Record
		var person string
		if err := rows.Scan(&r.ID, &person); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(person), &r.Person); err != nil {
			return nil, fmt.Errorf("record %s: stored person: %w", r.ID, err)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}
