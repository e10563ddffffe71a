package seal

import (
	"context"
	"testing"
)

func BenchmarkNewDEK(b *testing.B) {
	k, _ := Load(NewKey(), "")
	for b.Loop() {
		NewDEK(context.Background(), k, k.Current(), []byte("ad"))
	}
}
func BenchmarkOpenDEK(b *testing.B) {
	k, _ := Load(NewKey(), "")
	_, w, _ := NewDEK(context.Background(), k, k.Current(), []byte("ad"))
	for b.Loop() {
		OpenDEK(context.Background(), k, k.Current(), w, []byte("ad"))
	}
}
