package seal

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnvelopeValueHasItsOwnDataKey(t *testing.T) {
	k, _ := Load(NewKey(), "")
	plain := []byte("caregiver: aunt, Kharkiv")
	id1, s1, err := k.Seal(plain, []byte("row 1"))
	if err != nil {
		t.Fatal(err)
	}
	_, s2, _ := k.Seal(plain, []byte("row 1"))
	if id1 != Envelope+k.Current() {
		t.Fatalf("key id %q, want the envelope of %s", id1, k.Current())
	}
	w1, _, _ := splitValue(s1)
	w2, _, _ := splitValue(s2)
	if bytes.Equal(w1, w2) || bytes.Contains(s1, plain) {
		t.Fatal("two values share a wrapped data key, or the plaintext shows")
	}
}

// A value sealed before envelopes (AES-256-GCM with the master key itself,
// nonce || ciphertext || tag) still opens.
func TestLegacyValueOpens(t *testing.T) {
	b64 := NewKey()
	key, _ := base64.StdEncoding.DecodeString(b64)
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	legacy := gcm.Seal(bytes.Clone(nonce), nonce, []byte("totp secret"), []byte("ad"))
	k, _ := Load(b64, "")
	got, err := k.Open(KeyID(key), legacy, []byte("ad"))
	if err != nil || string(got) != "totp secret" {
		t.Fatalf("legacy value: %q %v", got, err)
	}
	if _, _, ok, _ := RewrapValue(context.Background(), k, KeyID(key), legacy, k.Current()); ok {
		t.Error("a legacy value cannot be re-wrapped, yet RewrapValue says it was")
	}
}

func TestRewrapValueKeepsCiphertext(t *testing.T) {
	ctx := context.Background()
	oldKey, newKey := NewKey(), NewKey()
	k, _ := Load(oldKey+","+newKey, "")
	oldID := k.Current()
	id, sealed, _ := k.Seal([]byte("scan"), []byte("att 1"))
	k2, _ := Load(newKey, "")
	newID, out, ok, err := RewrapValue(ctx, k, id, sealed, k2.Current())
	if err != nil || !ok || newID != Envelope+k2.Current() {
		t.Fatalf("rewrap: %s %v %v", newID, ok, err)
	}
	_, ct1, _ := splitValue(sealed)
	_, ct2, _ := splitValue(out)
	if !bytes.Equal(ct1, ct2) {
		t.Error("re-wrapping changed the ciphertext")
	}
	// The new key alone opens it; the old key alone no longer does.
	if got, err := k2.Open(newID, out, []byte("att 1")); err != nil || string(got) != "scan" {
		t.Fatalf("open with the new key only: %q %v", got, err)
	}
	only, _ := Load(oldKey, "")
	if _, err := only.Open(newID, out, []byte("att 1")); !errors.Is(err, ErrNoKey) {
		t.Errorf("old key only: %v, want ErrNoKey", err)
	}
	if oldID == k2.Current() {
		t.Fatal("same ids")
	}
}

func TestDataKeyBoundToItsRow(t *testing.T) {
	ctx := context.Background()
	k, _ := Load(NewKey(), "")
	dek, wrapped, err := NewDEK(ctx, k, k.Current(), []byte("record A"))
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := dek.Encrypt([]byte("Mariupol, shelter 4"), []byte("sensitive A"))
	if _, err := OpenDEK(ctx, k, k.Current(), wrapped, []byte("record B")); !errors.Is(err, ErrOpen) {
		t.Errorf("wrapped key moved to record B: %v", err)
	}
	d2, err := OpenDEK(ctx, k, k.Current(), wrapped, []byte("record A"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := d2.Decrypt(ct, []byte("sensitive A")); err != nil || string(got) != "Mariupol, shelter 4" {
		t.Fatalf("decrypt: %q %v", got, err)
	}
	if _, err := d2.Decrypt(ct, []byte("sensitive B")); !errors.Is(err, ErrOpen) {
		t.Errorf("other ad: %v", err)
	}
	wrong, _ := Load(NewKey(), "")
	if err := CheckCanary(ctx, wrong, k.Current(), nil); !errors.Is(err, ErrNoKey) {
		t.Errorf("canary of a missing key: %v", err)
	}
	c, _ := Canary(ctx, k, k.Current())
	if err := CheckCanary(ctx, k, k.Current(), c); err != nil {
		t.Errorf("canary: %v", err)
	}
	c[len(c)-1] ^= 1
	if err := CheckCanary(ctx, k, k.Current(), c); !errors.Is(err, ErrOpen) {
		t.Errorf("changed canary: %v", err)
	}
}

func TestMergeAndKeyFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.key"), filepath.Join(dir, "b.key")
	ka, err := Load("", a) // created
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load("", a+","+b); err == nil || !strings.Contains(err.Error(), "b.key") {
		t.Fatalf("a missing second key file: %v", err)
	}
	if _, err := CreateKeyFile(b); err != nil {
		t.Fatal(err)
	}
	both, err := Load("", b+","+a)
	if err != nil || !both.Has(ka.Current()) || both.Current() == ka.Current() {
		t.Fatalf("two files: %v", err)
	}
	ka.Merge(both)
	if ka.Current() != both.Current() || len(ka.IDs()) != 2 {
		t.Errorf("merge: current %s, ids %v", ka.Current(), ka.IDs())
	}
	os.WriteFile(filepath.Join(dir, "short.key"), []byte(base64.StdEncoding.EncodeToString([]byte("short"))), 0o600)
	if _, err := Load("", filepath.Join(dir, "short.key")); err == nil {
		t.Error("short key file accepted")
	}
}
