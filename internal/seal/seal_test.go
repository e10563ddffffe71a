package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k, err := Load(NewKey(), "")
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("scan of a birth certificate")
	id, sealed, err := k.Seal(plain, []byte("attachment 1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, plain) {
		t.Fatal("plaintext visible in the sealed value")
	}
	got, err := k.Open(id, sealed, []byte("attachment 1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %q, %v", got, err)
	}
	// Moved to another row, changed, or opened with another key: refused.
	if _, err := k.Open(id, sealed, []byte("attachment 2")); !errors.Is(err, ErrOpen) {
		t.Errorf("other associated data: %v", err)
	}
	changed := bytes.Clone(sealed)
	changed[len(changed)-1] ^= 1
	if _, err := k.Open(id, changed, []byte("attachment 1")); !errors.Is(err, ErrOpen) {
		t.Errorf("changed byte: %v", err)
	}
	other, _ := Load(NewKey(), "")
	if _, err := other.Open(id, sealed, []byte("attachment 1")); !errors.Is(err, ErrOpen) {
		t.Errorf("other key: %v", err)
	}
	if _, err := k.Open(id, sealed[:5], nil); !errors.Is(err, ErrOpen) {
		t.Errorf("truncated: %v", err)
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := NewKey(), NewKey()
	before, _ := Load(oldKey, "")
	id, sealed, _ := before.Seal([]byte("x"), nil)
	after, err := Load(newKey+","+oldKey, "")
	if err != nil {
		t.Fatal(err)
	}
	if Envelope+after.Current() == id {
		t.Fatal("the new key should seal")
	}
	if got, err := after.Open(id, sealed, nil); err != nil || string(got) != "x" {
		t.Fatalf("old value after rotation: %q %v", got, err)
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "data.key")
	a, err := Load("", path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	b, err := Load("", path)
	if err != nil || a.Current() != b.Current() {
		t.Fatalf("second load: %v, ids %s %s", err, a.Current(), b.Current())
	}
	if _, err := Load("not base64!", ""); err == nil {
		t.Error("bad key spec accepted")
	}
	if _, err := Load(base64.StdEncoding.EncodeToString([]byte("short")), ""); err == nil {
		t.Error("short key accepted")
	}
}
