package backup

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"
)

var testPass = []byte("correct horse battery staple")

func seal(t testing.TB, plain []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := encrypt(&b, bytes.NewReader(plain), testPass, 15); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestEncryptRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3 * chunkSize, 3*chunkSize + 17} {
		plain := make([]byte, n)
		rand.Read(plain)
		ct := seal(t, plain)
		chunks := max(1, (n+chunkSize-1)/chunkSize) // a full last chunk carries the flag
		if want := headerLen + n + chunks*tagSize; len(ct) != want {
			t.Errorf("%d bytes: ciphertext %d bytes, want %d", n, len(ct), want)
		}
		if bytes.Contains(ct, plain[:min(n, 64)]) && n >= 16 {
			t.Errorf("%d bytes: plaintext visible in the ciphertext", n)
		}
		var out bytes.Buffer
		if err := Decrypt(&out, bytes.NewReader(ct), testPass); err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !bytes.Equal(out.Bytes(), plain) {
			t.Fatalf("%d bytes: round trip differs", n)
		}
		if f, _ := Detect(ct); f != Encrypted {
			t.Errorf("Detect = %q", f)
		}
	}
}

func TestDecryptRefuses(t *testing.T) {
	plain := make([]byte, 2*chunkSize+100)
	rand.Read(plain)
	ct := seal(t, plain)
	block := chunkSize + tagSize
	cases := map[string][]byte{
		"wrong passphrase": ct, // with another passphrase below
		"flipped bit":      flip(ct, headerLen+block+5),
		"header edited":    flip(ct, 30), // the salt: another key
		"last chunk cut":   ct[:headerLen+2*block],
		"cut mid-chunk":    ct[:headerLen+block+100],
		"chunks swapped":   append(append(append([]byte{}, ct[:headerLen]...), ct[headerLen+block:headerLen+2*block]...), append(ct[headerLen:headerLen+block], ct[headerLen+2*block:]...)...),
		"header only":      ct[:headerLen],
	}
	for name, c := range cases {
		pass := testPass
		if name == "wrong passphrase" {
			pass = []byte("not the passphrase at all")
		}
		err := Decrypt(io.Discard, bytes.NewReader(c), pass)
		if !errors.Is(err, ErrPassphrase) {
			t.Errorf("%s: err = %v, want ErrPassphrase", name, err)
		}
	}
	for name, c := range map[string][]byte{"not encrypted": []byte("SQLite format 3\x00................................"),
		"bad cost": flip(ct, 16), "short": ct[:10]} {
		if err := Decrypt(io.Discard, bytes.NewReader(c), testPass); err == nil || errors.Is(err, ErrPassphrase) {
			t.Errorf("%s: err = %v, want a format error", name, err)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 1
	return c
}

// FuzzDecrypt feeds arbitrary bytes (an encrypted backup read from disk)
// to Decrypt: it must fail cleanly or return exactly the sealed bytes.
func FuzzDecrypt(f *testing.F) {
	f.Add(seal(f, []byte("SQLite format 3\x00 some pages")))
	f.Add(seal(f, nil))
	f.Add([]byte(encMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 16 && b[16] > 15 {
			return // keep scrypt cheap
		}
		var out bytes.Buffer
		if err := Decrypt(&out, bytes.NewReader(b), testPass); err == nil {
			var again bytes.Buffer
			if err := Decrypt(&again, bytes.NewReader(b), testPass); err != nil || !bytes.Equal(out.Bytes(), again.Bytes()) {
				t.Fatal("decryption not deterministic")
			}
		}
	})
}
