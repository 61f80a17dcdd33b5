// Package seed implements the SEED block cipher (KISA; RFC 4269, also
// TTAS.KO-12.0004), a 128-bit block cipher with a 128-bit key.
//
// SEED is still the cipher of Korean NPKI private key files (signPri.key).
// The returned cipher.Block works with the standard modes in crypto/cipher,
// e.g. cipher.NewCBCDecrypter for SEED-CBC.
//
// This implementation is table driven and not constant time: the S-box
// lookups depend on key and data. It is meant for decrypting and encrypting
// key files on the client or in tools, not for bulk encryption of secrets
// on shared hardware.
package seed

import (
	"crypto/cipher"
	"encoding/binary"
	"math/bits"
	"strconv"
)

// BlockSize is the SEED block size in bytes.
const BlockSize = 16

// KeySize is the SEED key size in bytes.
const KeySize = 16

// KeySizeError is returned by NewCipher for a key that is not 16 bytes.
type KeySizeError int

func (k KeySizeError) Error() string {
	return "seed: invalid key size " + strconv.Itoa(int(k))
}

type seedCipher struct {
	k [32]uint32 // round keys: K[2i], K[2i+1] for round i
}

// NewCipher returns a SEED cipher.Block for a 16-byte key.
func NewCipher(key []byte) (cipher.Block, error) {
	if len(key) != KeySize {
		return nil, KeySizeError(len(key))
	}
	c := new(seedCipher)
	c.expandKey(key)
	return c, nil
}

func (c *seedCipher) BlockSize() int { return BlockSize }

// The S-boxes (RFC 4269, Appendix A) are defined algebraically in the SEED
// specification: over GF(2^8) with the polynomial x^8+x^6+x^5+x+1,
//
//	S1(x) = A1 · x^247 ⊕ 169
//	S2(x) = A2 · x^251 ⊕ 56
//
// where A1 and A2 are 8×8 bit matrices. Row i of a matrix below is the
// mask of input bits whose parity gives output bit i (bit 0 = least
// significant). The G function mixes S-box outputs with the masks m0..m3;
// ss[0..3] fold S-box and masks into the SS0..SS3 tables of the RFC.
var (
	a1 = [8]byte{0x14, 0x88, 0x21, 0x45, 0x42, 0x85, 0xfe, 0x8a}
	a2 = [8]byte{0x14, 0x42, 0x88, 0x8a, 0x21, 0xfe, 0x85, 0x45}

	ss = buildTables()
)

const (
	m0 = 0xfc
	m1 = 0xf3
	m2 = 0xcf
	m3 = 0x3f
)

// gfMul multiplies in GF(2^8) modulo x^8+x^6+x^5+x+1.
func gfMul(a, b uint16) uint16 {
	var r uint16
	for b != 0 {
		if b&1 != 0 {
			r ^= a
		}
		b >>= 1
		a <<= 1
		if a&0x100 != 0 {
			a ^= 0x163
		}
	}
	return r
}

func gfPow(x uint16, e int) uint16 {
	r := uint16(1)
	for ; e > 0; e >>= 1 {
		if e&1 != 0 {
			r = gfMul(r, x)
		}
		x = gfMul(x, x)
	}
	return r
}

// affine computes A·y ⊕ c for an 8×8 bit matrix given by rows.
func affine(rows *[8]byte, y uint16, c byte) byte {
	var out byte
	for i, r := range rows {
		out |= byte(bits.OnesCount8(r&byte(y))&1) << i
	}
	return out ^ c
}

func buildTables() (t [4][256]uint32) {
	for x := 0; x < 256; x++ {
		s1 := uint32(affine(&a1, gfPow(uint16(x), 247), 169))
		s2 := uint32(affine(&a2, gfPow(uint16(x), 251), 56))
		t[0][x] = (s1&m3)<<24 | (s1&m2)<<16 | (s1&m1)<<8 | s1&m0
		t[1][x] = (s2&m0)<<24 | (s2&m3)<<16 | (s2&m2)<<8 | s2&m1
		t[2][x] = (s1&m1)<<24 | (s1&m0)<<16 | (s1&m3)<<8 | s1&m2
		t[3][x] = (s2&m2)<<24 | (s2&m1)<<16 | (s2&m0)<<8 | s2&m3
	}
	return t
}

// g is the G function of RFC 4269.
func g(x uint32) uint32 {
	return ss[0][byte(x)] ^ ss[1][byte(x>>8)] ^ ss[2][byte(x>>16)] ^ ss[3][byte(x>>24)]
}

// expandKey computes the 16 round-key pairs (RFC 4269, section 2.2).
func (c *seedCipher) expandKey(key []byte) {
	k0 := binary.BigEndian.Uint32(key[0:])
	k1 := binary.BigEndian.Uint32(key[4:])
	k2 := binary.BigEndian.Uint32(key[8:])
	k3 := binary.BigEndian.Uint32(key[12:])
	kc := uint32(0x9e3779b9) // KC0 = golden ratio; KCi = KC0 <<< i
	for i := 0; i < 16; i++ {
		c.k[2*i] = g(k0 + k2 - kc)
		c.k[2*i+1] = g(k1 - k3 + kc)
		if i%2 == 0 {
			// K0||K1 = (K0||K1) >>> 8
			k0, k1 = k0>>8|k1<<24, k1>>8|k0<<24
		} else {
			// K2||K3 = (K2||K3) <<< 8
			k2, k3 = k2<<8|k3>>24, k3<<8|k2>>24
		}
		kc = bits.RotateLeft32(kc, 1)
	}
}

// f is the round function F of RFC 4269 applied to the right half (r0, r1)
// with round keys k0, k1.
func f(r0, r1, k0, k1 uint32) (uint32, uint32) {
	c := r0 ^ k0
	d := r1 ^ k1
	d = g(d ^ c)
	c = g(c + d)
	d = g(d + c)
	c += d
	return c, d
}

func (c *seedCipher) crypt(dst, src []byte, decrypt bool) {
	if len(src) < BlockSize {
		panic("seed: input not full block")
	}
	if len(dst) < BlockSize {
		panic("seed: output not full block")
	}
	l0 := binary.BigEndian.Uint32(src[0:])
	l1 := binary.BigEndian.Uint32(src[4:])
	r0 := binary.BigEndian.Uint32(src[8:])
	r1 := binary.BigEndian.Uint32(src[12:])
	for i := 0; i < 16; i++ {
		j := i
		if decrypt {
			j = 15 - i
		}
		t0, t1 := f(r0, r1, c.k[2*j], c.k[2*j+1])
		l0, l1, r0, r1 = r0, r1, l0^t0, l1^t1
	}
	// The last round does not swap halves.
	binary.BigEndian.PutUint32(dst[0:], r0)
	binary.BigEndian.PutUint32(dst[4:], r1)
	binary.BigEndian.PutUint32(dst[8:], l0)
	binary.BigEndian.PutUint32(dst[12:], l1)
}

// Encrypt encrypts the first block of src into dst. Dst and src must
// overlap entirely or not at all.
func (c *seedCipher) Encrypt(dst, src []byte) { c.crypt(dst, src, false) }

// Decrypt decrypts the first block of src into dst. Dst and src must
// overlap entirely or not at all.
func (c *seedCipher) Decrypt(dst, src []byte) { c.crypt(dst, src, true) }
