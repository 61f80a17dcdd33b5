package seed

import (
	"bytes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 4269, Appendix B.
var blockVectors = []struct{ key, pt, ct string }{
	{"00000000000000000000000000000000", "000102030405060708090a0b0c0d0e0f", "5ebac6e0054e166819aff1cc6d346cdb"},
	{"000102030405060708090a0b0c0d0e0f", "00000000000000000000000000000000", "c11f22f20140505084483597e4370f43"},
	{"4706480851e61be85d74bfb3fd956185", "83a2f8a288641fb9a4e9a5cc2f131c7d", "ee54d13ebcae706d226bc3142cd40d4a"},
	{"28dbc3bc49ffd87dcfa509b11d422be7", "b41e6be2eba84a148e2eed84593c5ec7", "9b9b7bfcd1813cb95d0b3618f40f5122"},
}

func TestBlockVectors(t *testing.T) {
	for _, v := range blockVectors {
		c, err := NewCipher(unhex(t, v.key))
		if err != nil {
			t.Fatal(err)
		}
		pt, ct := unhex(t, v.pt), unhex(t, v.ct)
		got := make([]byte, BlockSize)
		c.Encrypt(got, pt)
		if !bytes.Equal(got, ct) {
			t.Errorf("Encrypt key %s: got %x, want %x", v.key, got, ct)
		}
		c.Decrypt(got, ct)
		if !bytes.Equal(got, pt) {
			t.Errorf("Decrypt key %s: got %x, want %x", v.key, got, pt)
		}
		// In place.
		buf := append([]byte(nil), pt...)
		c.Encrypt(buf, buf)
		if !bytes.Equal(buf, ct) {
			t.Errorf("in-place Encrypt key %s: got %x", v.key, buf)
		}
	}
}

// RFC 4196, section 4 (SEED-CBC test vectors, as published by pyca/cryptography).
var cbcVectors = []struct{ key, iv, pt, ct string }{
	{
		"ed2401ad22fa255991bafdb01fefd697", "93eb149f92c9905bae5cd34da06c3c8e",
		"b40d7003d9b6904b35622750c91a24575bb9a632364aa26e3ac0cf3a9c9d0dcb",
		"f072c5b1a0588c105af8301adcd91dd067f6822155304bf3aad75ceb44341c25",
	},
	{
		"88e34f8f081779f1e9f394370ad40589", "268d66a735a81a816fbad9fa36162501",
		"d76d0d18327ec562b15e6bc365ac0c0f8d41e0bb938568aeebfd92ed1affa096394d20fc5277ddfc4de8b0fce1eb2b93d4ae40ef4768c613b50b8942f7d4b9b3",
		"a293eae9d9aebfac37ba714bd774e427e8b706d7e7d9a097228639e0b62b3b34ced11609cef2abaaec2edf979308f379c31527a8267783e5cba3538982b48d06",
	},
}

func TestCBCVectors(t *testing.T) {
	for i, v := range cbcVectors {
		c, err := NewCipher(unhex(t, v.key))
		if err != nil {
			t.Fatal(err)
		}
		pt, ct, iv := unhex(t, v.pt), unhex(t, v.ct), unhex(t, v.iv)
		got := make([]byte, len(pt))
		cipher.NewCBCEncrypter(c, iv).CryptBlocks(got, pt)
		if !bytes.Equal(got, ct) {
			t.Errorf("vector %d: CBC encrypt got %x, want %x", i, got, ct)
		}
		cipher.NewCBCDecrypter(c, iv).CryptBlocks(got, ct)
		if !bytes.Equal(got, pt) {
			t.Errorf("vector %d: CBC decrypt got %x, want %x", i, got, pt)
		}
	}
}

// TestSBoxSpotValues checks the algebraically built tables against values
// printed in RFC 4269's SS tables (first and last entries).
func TestSBoxSpotValues(t *testing.T) {
	want := [4][2]uint32{
		{0x2989a1a8, 0x1a8a9298},
		{0x38380830, 0xb43787b3},
		{0xa1a82989, 0x92981a8a},
		{0x08303838, 0x87b3b437},
	}
	for i := range want {
		if ss[i][0] != want[i][0] || ss[i][255] != want[i][1] {
			t.Errorf("SS%d[0], SS%d[255] = %#08x, %#08x; want %#08x, %#08x",
				i, i, ss[i][0], ss[i][255], want[i][0], want[i][1])
		}
	}
}

func TestKeySize(t *testing.T) {
	for _, n := range []int{0, 15, 17, 32} {
		_, err := NewCipher(make([]byte, n))
		var kse KeySizeError
		if !errors.As(err, &kse) || int(kse) != n {
			t.Errorf("NewCipher(%d bytes) error = %v, want KeySizeError(%d)", n, err, n)
		}
	}
}

func TestRoundTripRandomish(t *testing.T) {
	key := unhex(t, "0f0e0d0c0b0a09080706050403020100")
	c, _ := NewCipher(key)
	block := make([]byte, BlockSize)
	for i := 0; i < 1000; i++ {
		orig := append([]byte(nil), block...)
		c.Encrypt(block, block)
		if bytes.Equal(block, orig) {
			t.Fatalf("iteration %d: encryption is the identity", i)
		}
		back := make([]byte, BlockSize)
		c.Decrypt(back, block)
		if !bytes.Equal(back, orig) {
			t.Fatalf("iteration %d: decrypt(encrypt(x)) != x", i)
		}
	}
}

func BenchmarkEncrypt(b *testing.B) {
	c, _ := NewCipher(make([]byte, KeySize))
	buf := make([]byte, BlockSize)
	b.SetBytes(BlockSize)
	for b.Loop() {
		c.Encrypt(buf, buf)
	}
}

func BenchmarkDecrypt(b *testing.B) {
	c, _ := NewCipher(make([]byte, KeySize))
	buf := make([]byte, BlockSize)
	b.SetBytes(BlockSize)
	for b.Loop() {
		c.Decrypt(buf, buf)
	}
}

func BenchmarkCBCDecrypt4K(b *testing.B) {
	c, _ := NewCipher(make([]byte, KeySize))
	buf := make([]byte, 4096)
	d := cipher.NewCBCDecrypter(c, make([]byte, BlockSize))
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		d.CryptBlocks(buf, buf)
	}
}

func BenchmarkNewCipher(b *testing.B) {
	key := make([]byte, KeySize)
	for b.Loop() {
		_, _ = NewCipher(key)
	}
}
