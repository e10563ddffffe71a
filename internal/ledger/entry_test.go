package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

func goldenEntry() Entry {
	sig := make([]byte, 64)
	for i := range sig {
		sig[i] = byte(i)
	}
	return Entry{
		Index:      42,
		Kind:       KindMatchConfirmed,
		Time:       time.Date(2026, 3, 1, 12, 34, 56, 123456000, time.UTC),
		ActorOrg:   "ua-nib",
		Subjects:   []string{"match:7f3c", "record:ua/12"},
		DataHashes: []string{HashData([]byte("0123456789abcdef0123456789abcdef"), "synthetic", "1")},
		Detail:     map[string]string{"to": "confirmed", "from": "proposed"},
		KeyID:      "ua-nib+01234567",
		Signature:  sig,
	}
}

func TestCanonicalGolden(t *testing.T) {
	e := goldenEntry()
	want := "reunite-ledger-entry/v1\n" +
		"index 42\n" +
		"kind match.confirmed\n" +
		"time 2026-03-01T12:34:56.123456Z\n" +
		"actor ua-nib\n" +
		"key ua-nib+01234567\n" +
		"subject match:7f3c\n" +
		"subject record:ua/12\n" +
		"data " + e.DataHashes[0] + "\n" +
		"detail from=proposed\n" +
		"detail to=confirmed\n"
	if got := string(e.Canonical()); got != want {
		t.Fatalf("canonical:\n%s\nwant:\n%s", got, want)
	}
	leaf := want + "signature " + base64.StdEncoding.EncodeToString(e.Signature) + "\n"
	if got := string(e.LeafData()); got != leaf {
		t.Fatalf("leaf:\n%s\nwant:\n%s", got, leaf)
	}
	h := sha256.Sum256(append([]byte{0}, leaf...))
	if e.LeafHash() != Hash(h) {
		t.Error("leaf hash is not SHA-256(0x00 || leaf)")
	}
	// The same entry in another zone encodes the same.
	kyiv := time.FixedZone("EET", 2*3600)
	e2 := e.Clone()
	e2.Time = e.Time.In(kyiv)
	if !bytes.Equal(e2.Canonical(), e.Canonical()) {
		t.Error("zone changes the encoding")
	}
	// JSON round trip (the API will carry entries as JSON) keeps the leaf.
	b, _ := json.Marshal(e)
	var back Entry
	if err := json.Unmarshal(b, &back); err != nil || back.LeafHash() != e.LeafHash() {
		t.Errorf("JSON round trip changed the leaf: %v", err)
	}
}

func TestParseLeaf(t *testing.T) {
	e := goldenEntry()
	got, err := ParseLeaf(e.LeafData())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.LeafData(), e.LeafData()) || !got.Time.Equal(e.Time) || got.Detail["from"] != "proposed" {
		t.Fatalf("round trip: %+v", got)
	}
	min := Entry{Index: 0, Kind: "x", Time: testEpoch, ActorOrg: "o", KeyID: "o+00000000"}
	if _, err := ParseLeaf(min.LeafData()); err != nil {
		t.Errorf("minimal entry: %v", err)
	}
	leaf := string(e.LeafData())
	for name, bad := range map[string]string{
		"leading zero":         strings.Replace(leaf, "index 42", "index 042", 1),
		"details out of order": strings.Replace(strings.Replace(leaf, "detail from=proposed\n", "", 1), "detail to=confirmed\n", "detail to=confirmed\ndetail from=proposed\n", 1),
		"data before subject":  strings.Replace(leaf, "subject record:ua/12\ndata "+e.DataHashes[0]+"\n", "data "+e.DataHashes[0]+"\nsubject record:ua/12\n", 1),
		"no signature":         leaf[:strings.Index(leaf, "signature ")],
		"extra line":           leaf + "x y\n",
		"no final newline":     strings.TrimSuffix(leaf, "\n"),
		"other header":         strings.Replace(leaf, "entry/v1", "entry/v2", 1),
		"nanoseconds":          strings.Replace(leaf, ".123456Z", ".1234567Z", 1),
		"uppercase data":       strings.Replace(leaf, "data "+e.DataHashes[0], "data "+strings.ToUpper(e.DataHashes[0]), 1),
		"space in subject":     strings.Replace(leaf, "match:7f3c", "match 7f3c", 1),
		"duplicate detail":     strings.Replace(leaf, "detail to=confirmed\n", "detail to=confirmed\ndetail to=x\n", 1),
		"unpadded signature":   strings.Replace(leaf, "==\n", "\n", 1),
	} {
		if _, err := ParseLeaf([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestValidate(t *testing.T) {
	for name, change := range map[string]func(*Entry){
		"empty kind":            func(e *Entry) { e.Kind = "" },
		"uppercase kind":        func(e *Entry) { e.Kind = "Match.Confirmed" },
		"zero time":             func(e *Entry) { e.Time = time.Time{} },
		"nanoseconds":           func(e *Entry) { e.Time = e.Time.Add(1) },
		"newline in subject":    func(e *Entry) { e.Subjects = []string{"a\nkind forged"} },
		"space in subject":      func(e *Entry) { e.Subjects = []string{"a b"} },
		"empty subject":         func(e *Entry) { e.Subjects = []string{""} },
		"short data hash":       func(e *Entry) { e.DataHashes = []string{"abc"} },
		"'=' in detail key":     func(e *Entry) { e.Detail = map[string]string{"a=b": "c"} },
		"newline in value":      func(e *Entry) { e.Detail = map[string]string{"a": "b\ndetail z=y"} },
		"line separator":        func(e *Entry) { e.Detail = map[string]string{"a": "b\u2028c"} },
		"invalid UTF-8":         func(e *Entry) { e.Detail = map[string]string{"a": "\xff"} },
		"org with +":            func(e *Entry) { e.ActorOrg = "ua+nib"; e.KeyID = "ua+nib+01234567" },
		"key of another org":    func(e *Entry) { e.KeyID = "ru-office+01234567" },
		"key id not hex":        func(e *Entry) { e.KeyID = "ua-nib+0123456z" },
		"key id uppercase hex":  func(e *Entry) { e.KeyID = "ua-nib+0123456A" },
		"too many subjects":     func(e *Entry) { e.Subjects = make([]string, maxListItems+1) },
		"long detail value":     func(e *Entry) { e.Detail = map[string]string{"a": strings.Repeat("x", maxValue+1)} },
		"control char in value": func(e *Entry) { e.Detail = map[string]string{"a": "b\tc"} },
	} {
		e := goldenEntry()
		change(&e)
		if err := e.Validate(); err == nil {
			t.Errorf("%s: valid", name)
		}
	}
	e := goldenEntry()
	e.Detail = map[string]string{"reason": "different birth year — declined", "empty": ""}
	if err := e.Validate(); err != nil {
		t.Errorf("free text detail: %v", err)
	}
}

func TestHashData(t *testing.T) {
	salt := []byte("0123456789abcdef0123456789abcdef")
	// The documented encoding, spelled out.
	var b bytes.Buffer
	b.WriteString("reunite-ledger-data/v1\x00")
	b.Write([]byte{0, 0, 0, 0, 0, 0, 0, 32})
	b.Write(salt)
	b.Write([]byte{0, 0, 0, 0, 0, 0, 0, 2})
	b.Write([]byte{0, 0, 0, 0, 0, 0, 0, 9})
	b.WriteString("synthetic")
	b.Write([]byte{0, 0, 0, 0, 0, 0, 0, 1})
	b.WriteString("1")
	want := sha256.Sum256(b.Bytes())
	if got := HashData(salt, "synthetic", "1"); got != hex.EncodeToString(want[:]) {
		t.Errorf("HashData %s, want %x", got, want)
	}
	if HashData(nil, "ab", "c") == HashData(nil, "a", "bc") {
		t.Error("part boundaries not encoded")
	}
	if HashData(salt, "x") == HashData(nil, "x") || HashData(NewSalt(), "x") == HashData(NewSalt(), "x") {
		t.Error("salt does not change the hash")
	}
	if HashData(nil) == HashData(nil, "") {
		t.Error("no part and one empty part hash alike")
	}
}

func TestSignAndRotate(t *testing.T) {
	skey, vkey, err := NewOrgKey("ua-nib")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewOrgSigner(skey)
	ring, _ := NewKeyring(vkey)
	e := act(0)
	e.Index = 7
	e.ActorOrg = ""
	if err := SignEntry(&e, s); err != nil {
		t.Fatal(err)
	}
	if e.ActorOrg != "ua-nib" || !strings.HasPrefix(e.KeyID, "ua-nib+") || len(e.Signature) != 64 {
		t.Fatalf("signed entry %+v", e)
	}
	if err := ring.VerifyEntry(&e); err != nil {
		t.Fatal(err)
	}
	// Every signed field is covered.
	for name, change := range map[string]func(*Entry){
		"index":     func(e *Entry) { e.Index++ },
		"kind":      func(e *Entry) { e.Kind = KindMatchRejected },
		"time":      func(e *Entry) { e.Time = e.Time.Add(time.Microsecond) },
		"subject":   func(e *Entry) { e.Subjects[1] = "record:999999" },
		"subjects":  func(e *Entry) { e.Subjects[0], e.Subjects[1] = e.Subjects[1], e.Subjects[0] },
		"data":      func(e *Entry) { e.DataHashes = append(e.DataHashes, HashData(nil, "x")) },
		"detail":    func(e *Entry) { e.Detail = map[string]string{"to": "closed"} },
		"signature": func(e *Entry) { e.Signature[10] ^= 1 },
		"truncated": func(e *Entry) { e.Signature = e.Signature[:63] },
	} {
		c := e.Clone()
		change(&c)
		if err := ring.VerifyEntry(&c); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s changed: %v", name, err)
		}
	}
	// An organisation cannot sign for another, nor pass its key off as
	// the other's.
	ru, _, _ := NewOrgKey("ru-office")
	rs, _ := NewOrgSigner(ru)
	c := e.Clone()
	if err := SignEntry(&c, rs); err == nil {
		t.Error("ru-office signed an act of ua-nib")
	}
	c.ActorOrg, c.KeyID = "ru-office", rs.KeyID()
	c.Signature, _ = rs.Sign(c.Canonical())
	if err := ring.VerifyEntry(&c); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unpinned key: %v", err)
	}
	// Rotation: a new key signs, the old key's entries still verify.
	skey2, vkey2, _ := NewOrgKey("ua-nib")
	s2, _ := NewOrgSigner(skey2)
	e2 := act(3)
	e2.Index, e2.ActorOrg = 8, "ua-nib"
	_ = SignEntry(&e2, s2)
	if err := ring.VerifyEntry(&e2); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("new key before it is added: %v", err)
	}
	if _, err := ring.Add(vkey2); err != nil {
		t.Fatal(err)
	}
	if err := ring.VerifyEntry(&e2); err != nil {
		t.Error(err)
	}
	if err := ring.VerifyEntry(&e); err != nil {
		t.Errorf("old key after rotation: %v", err)
	}
	if e.KeyID == e2.KeyID || len(ring.Keys()) != 2 {
		t.Error("rotated keys share an id")
	}
	if _, _, err := NewOrgKey("ua+nib"); err == nil {
		t.Error("organisation name with '+'")
	}
}

func TestCheckpointFormat(t *testing.T) {
	c := Checkpoint{Origin: DefaultOrigin, Size: 20852163}
	copy(c.Root[:], hx(t, "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62"))
	want := "reunite.example/ledger\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	if c.Text() != want {
		t.Fatalf("text %q, want %q", c.Text(), want)
	}
	if got, err := ParseCheckpoint(want); err != nil || got != c {
		t.Fatalf("parse: %v %v", got, err)
	}
	for _, bad := range []string{
		"reunite.example/ledger\n020852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"reunite.example/ledger\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",
		"reunite.example/ledger\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\nextension\n",
		"reunite.example/ledger\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"reunite.example/ledger\n1\nAAAA\n",
	} {
		if _, err := ParseCheckpoint(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}

	f := newFixture(t)
	f.appendN(0, 5)
	signed := f.checkpoint(f.log)
	lv, _ := note.NewVerifier(f.logVKey)
	got, _, err := OpenCheckpoint(signed, lv)
	if err != nil || got.Size != 5 || got.Origin != DefaultOrigin {
		t.Fatalf("open: %v %v", got, err)
	}
	if !strings.HasPrefix(string(signed), want[:len(DefaultOrigin)+1]+"5\n") || !strings.Contains(string(signed), "\n\n— "+DefaultOrigin+" ") {
		t.Errorf("signed note:\n%s", signed)
	}
	_, other, _ := NewLogKey(DefaultOrigin)
	ov, _ := note.NewVerifier(other)
	if _, _, err := OpenCheckpoint(signed, ov); err == nil {
		t.Error("opened with another log key")
	}
	// A checkpoint whose origin is not the key's name.
	sk, vk, _ := NewLogKey("other.example/log")
	s, _ := note.NewSigner(sk)
	v, _ := note.NewVerifier(vk)
	msg, _ := note.Sign(&note.Note{Text: got.Text()}, s)
	if _, _, err := OpenCheckpoint(msg, v); err == nil {
		t.Error("origin of another log accepted")
	}
	// A changed size does not verify.
	forged := bytes.Replace(signed, []byte("\n5\n"), []byte("\n4\n"), 1)
	if _, _, err := OpenCheckpoint(forged, lv); err == nil {
		t.Error("changed size verified")
	}
}
