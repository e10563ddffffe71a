package auth

import (
	"bytes"
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Fatalf("hash %q is not argon2id in PHC form", h)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, c := range []struct {
		hash, pw string
		want     bool
	}{
		{h, "correct horse battery", true},
		{h, "correct horse batterY", false},
		{h, "", false},
		{strings.Replace(h, "argon2id", "argon2i", 1), "correct horse battery", false},
		{"$argon2id$v=19$m=65536,t=1,p=2$xx", "correct horse battery", false},
		{"", "", false},
	} {
		if got := VerifyPassword(c.hash, c.pw); got != c.want {
			t.Errorf("VerifyPassword(%q, %q) = %v, want %v", c.hash, c.pw, got, c.want)
		}
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("a 5-character password was accepted")
	}
}

func TestTokens(t *testing.T) {
	tok, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	tok2, _, _ := NewToken()
	if !strings.HasPrefix(tok, TokenPrefix) || len(tok) < 40 || tok == tok2 {
		t.Fatalf("bad tokens %q %q", tok, tok2)
	}
	if !bytes.Equal(HashToken(tok), hash) || bytes.Equal(HashToken(tok2), hash) {
		t.Fatal("token hash does not identify the token")
	}
}
